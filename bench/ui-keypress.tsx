/** @jsxRuntime automatic */
/** @jsxImportSource react */
// Benchmark: a keypress on the 100,000-tag list must redraw in under 50 ms (issue 5).
// Run: npx tsx bench/ui-keypress.tsx   (exits 1 when the 95th percentile is 50 ms or more)
import { render } from 'ink-testing-library';
import { App } from '../src/app.js';
import { StoreProvider } from '../src/state/context.js';
import type { Services, TagRow } from '../src/state/services.js';
import { createAppStore } from '../src/state/store.js';

const TAGS = 100_000;
const PRESSES = 200;
const BUDGET_MS = 50;

const tags: TagRow[] = Array.from({ length: TAGS }, (_, i) => ({
  tag: `v${i}`,
  digest: `sha256:${i.toString(16).padStart(64, '0')}`,
  size: 1000 + i,
  signers: ['alice'],
  verified: i % 97 !== 0,
  ...(i % 97 === 0 ? { problem: 'no valid signature' } : {}),
}));

const unused = () => Promise.reject(new Error('not used by the benchmark'));
const services: Services = {
  listKeys: async () => [],
  inspectKeyFile: unused,
  importKey: unused,
  generateKey: unused,
  readConfig: unused,
  updateConfig: unused,
  listRepositories: async () => [{ gun: 'bench/app', tagCount: TAGS, signerCount: 1, state: 'online', source: 'watched' }],
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

const store = createAppStore(services);
const app = render(
  <StoreProvider store={store}>
    <App />
  </StoreProvider>,
);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Time from writing a key to the next committed frame. */
const cpuSamples: number[] = [];
async function timeKey(key: string): Promise<number> {
  const before = app.lastFrame();
  const start = performance.now();
  const cpu = process.cpuUsage();
  app.stdin.write(key);
  while (app.lastFrame() === before) await new Promise((r) => setImmediate(r));
  const used = process.cpuUsage(cpu);
  cpuSamples.push((used.user + used.system) / 1000);
  return performance.now() - start;
}

await sleep(50);
store.getState().openRepository('bench/app');
while (store.getState().lists.tags.status !== 'ready') await sleep(5);
await sleep(50);

const samples: number[] = [];
const byKey: Record<string, number[]> = {};
const keys = ['j', 'j', 'j', 'k', 'G', 'g', '\u001B[6~', 'j'];
const WARM_UP = 20; // JIT and first layouts are not what a user feels on the 21st keypress
for (let i = 0; i < PRESSES + WARM_UP; i++) {
  const key = keys[i % keys.length]!;
  const ms = await timeKey(key);
  if (i >= WARM_UP) {
    samples.push(ms);
    (byKey[JSON.stringify(key)] ??= []).push(ms);
  }
  await new Promise((r) => setImmediate(r));
}
app.unmount();

samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;
const median = (xs: number[]) => +[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(2);
const perKeyMedianMs = Object.fromEntries(Object.entries(byKey).map(([k, xs]) => [k, median(xs)]));
const result = { rows: TAGS, presses: PRESSES, cpuMedianMs: median(cpuSamples.slice(WARM_UP)), medianMs: +pct(50).toFixed(2), p95Ms: +pct(95).toFixed(2), maxMs: +pct(100).toFixed(2), perKeyMedianMs, budgetMs: BUDGET_MS };
console.log(JSON.stringify(result));
process.exitCode = result.p95Ms < BUDGET_MS ? 0 : 1;
