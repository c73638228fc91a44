// Benchmark: a keypress on the 100,000-tag list must redraw within one 60 Hz frame, p95 under 16 ms
// (issue 13). Run: npm run bench:ui   (exits 1 when the 100,000-tag list's p95 is 16 ms or more)
//
// Method: two copies of the app run in this process, each in ink-testing-library's fake terminal
// (100 x 24): one on a 100,000-tag repository, one on a 100-tag repository (the floor: the same
// screen, the same keys, almost no rows). Keys alternate between the two, the order flipping every
// pair, and each press is timed from writing the key to the app's stdin to the redrawn frame being
// written to its stdout. Reported: percentiles of the big list, and the median of the per-pair
// ratios big/small (1.0: the length of the list costs nothing per key). The machine is shared, so
// the load average is printed with the results. React runs its production build, as in the app
// (src/ui/react-mode.ts, imported first; this file has no JSX so nothing loads React before it).
import '../src/ui/react-mode.js';
import { loadavg } from 'node:os';
import { createElement } from 'react';
import { render } from 'ink-testing-library';
import { App } from '../src/app.js';
import { StoreProvider } from '../src/state/context.js';
import type { Services, TagRow } from '../src/state/services.js';
import { createAppStore } from '../src/state/store.js';

const BIG = 100_000;
const SMALL = 100;
const PRESSES = 200;
const BUDGET_MS = 16;

function tagRows(count: number): TagRow[] {
  return Array.from({ length: count }, (_, i) => ({
    tag: `v${i}`,
    digest: `sha256:${i.toString(16).padStart(64, '0')}`,
    size: 1000 + i,
    signers: ['alice'],
    verified: i % 97 !== 0,
    ...(i % 97 === 0 ? { problem: 'no valid signature' } : {}),
  }));
}

const unused = () => Promise.reject(new Error('not used by the benchmark'));
function servicesFor(tags: TagRow[]): Services {
  return {
    listKeys: async () => [],
    inspectKeyFile: unused,
    importKey: unused,
    generateKey: unused,
    readConfig: unused,
    updateConfig: unused,
    listRepositories: async () => [{ gun: 'bench/app', tagCount: tags.length, signerCount: 1, state: 'online', source: 'watched' }],
    listTags: async () => ({ rows: tags, offline: false, server: 'https://bench' }),
    listSigners: async () => ({ rows: [], offline: false, server: 'https://bench' }),
    describeTag: unused,
    describeSigner: unused,
    describeKey: unused,
    resolveManifest: unused,
    signTag: unused,
    planLocalSign: unused,
    signLocal: unused,
    planRevokeTag: unused,
    planAddSigner: unused,
    addSigner: unused,
    planRemoveSigner: unused,
    executePlan: unused,
    exportPolicy: unused,
    planSweep: unused,
    runSweep: unused,
    exportReport: unused,
    exportSignatures: unused,
    listExpiries: async () => ({ rows: [], offline: [], rootExpired: [], unreadable: [] }),
    planRenewal: unused,
    runRenewal: unused,
    planMigration: unused,
    runMigration: unused,
    listRequests: async () => [],
    showRequest: unused,
    approveRequest: unused,
    mergeRequestFiles: unused,
    submitRequest: unused,
    cancelRequest: unused,
    rebaseRequest: unused,
    policyOverview: async (file) => ({ file, found: false, rows: [] }),
    planPolicyApply: unused,
    runPolicyApply: unused,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tick = () => new Promise((r) => setImmediate(r));

async function openApp(count: number) {
  const store = createAppStore(servicesFor(tagRows(count)));
  const app = render(createElement(StoreProvider, { store }, createElement(App)));
  await sleep(50);
  store.getState().openRepository('bench/app');
  while (store.getState().lists.tags.status !== 'ready') await sleep(5);
  await sleep(50);
  return app;
}

type TestApp = Awaited<ReturnType<typeof openApp>>;

/** Time from writing a key to the next frame written. */
async function timeKey(app: TestApp, key: string): Promise<{ ms: number; cpuMs: number }> {
  const before = app.lastFrame();
  const start = performance.now();
  const cpu = process.cpuUsage();
  app.stdin.write(key);
  while (app.lastFrame() === before) await tick();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

const big = await openApp(BIG);
const small = await openApp(SMALL);

// Down and up, page down, the ends: every key moves the cursor on both lists (j/k stay inside 100 rows).
const keys = ['j', 'j', 'j', 'k', 'G', 'g', '\u001B[6~', 'j'];
const WARM_UP = 20; // JIT and first layouts are not what a user feels on the 21st keypress
const bigMs: number[] = [];
const bigCpu: number[] = [];
const smallMs: number[] = [];
const ratios: number[] = [];
const byKey: Record<string, number[]> = {};
for (let i = 0; i < PRESSES + WARM_UP; i++) {
  const key = keys[i % keys.length]!;
  let b: { ms: number; cpuMs: number };
  let s: { ms: number; cpuMs: number };
  if (i % 2 === 0) {
    b = await timeKey(big, key);
    await tick();
    s = await timeKey(small, key);
  } else {
    s = await timeKey(small, key);
    await tick();
    b = await timeKey(big, key);
  }
  await tick();
  if (i < WARM_UP) continue;
  bigMs.push(b.ms);
  bigCpu.push(b.cpuMs);
  smallMs.push(s.ms);
  ratios.push(b.ms / s.ms);
  (byKey[JSON.stringify(key)] ??= []).push(b.ms);
}
big.unmount();
small.unmount();

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (xs: number[], p: number) => +sorted(xs)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!.toFixed(2);
const result = {
  rows: BIG,
  floorRows: SMALL,
  presses: PRESSES,
  medianMs: pct(bigMs, 50),
  p95Ms: pct(bigMs, 95),
  maxMs: pct(bigMs, 100),
  cpuMedianMs: pct(bigCpu, 50),
  floorMedianMs: pct(smallMs, 50),
  floorP95Ms: pct(smallMs, 95),
  medianRatioToFloor: pct(ratios, 50),
  perKeyMedianMs: Object.fromEntries(Object.entries(byKey).map(([k, xs]) => [k, pct(xs, 50)])),
  budgetMs: BUDGET_MS,
  loadAverage: loadavg().map((l) => +l.toFixed(2)),
};
console.log(JSON.stringify(result));
process.exitCode = result.p95Ms < BUDGET_MS ? 0 : 1;
