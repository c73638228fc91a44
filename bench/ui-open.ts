// Benchmark: opening a 100,000-tag repository in the UI shows its first rows before the whole list
// is verified (issue 13). Run: npx tsx bench/ui-open.ts [--rounds 3]
//
// The repository (in memory, signed with real keys, served to the updater as notary-server would):
// 100,000 tags in targets/releases, each also signed by one of three signers (targets/s0..s2, about
// 33,000 each). Each round verifies it from an empty cache with the updater, as `listTags` does, and
// times (a) the first report of the tags so far (src/trust/tags-so-far.ts: the rows the Tags screen
// shows as "checking…" with "loading… N of M roles verified"), and (b) the complete verified list
// (every role, then the released tags). No network: this measures the verification and listing work
// the UI waits for. The load average is printed with the results.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { TrustCache } from '../src/notary/cache.js';
import { refresh, type MetadataSource } from '../src/notary/updater.js';
import { reportTagsSoFar } from '../src/trust/tags-so-far.js';
import { MemoryRepo, newEcdsaKey } from '../test/tuf/memory-repo.js';

const TAGS = 100_000;
const SIGNERS = 3;
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;

const repo = await MemoryRepo.create('bench.example/app', new Date());
const keys = Array.from({ length: SIGNERS + 1 }, () => newEcdsaKey());
repo.addDelegation('targets/releases', [keys[0]!]);
for (let s = 0; s < SIGNERS; s++) repo.addDelegation(`targets/s${s}`, [keys[s + 1]!]);
for (let i = 0; i < TAGS; i++) {
  const tag = `v${i}`;
  repo.addTarget('targets/releases', tag);
  repo.addTarget(`targets/s${i % SIGNERS}`, tag);
}
repo.publish(['targets', 'targets/releases', ...Array.from({ length: SIGNERS }, (_, s) => `targets/s${s}`)]);

const source: MetadataSource = {
  baseUrl: 'https://bench.example',
  getMetadata: async (_gun, role) => repo.files.get(role)!,
  getMetadataByChecksum: async (_gun, role) => repo.files.get(role)!,
  getMetadataByVersion: async (_gun, role) => repo.files.get(role)!,
};

const firstMs: number[] = [];
const allMs: number[] = [];
const firstRows: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ui-open-'));
  const start = performance.now();
  let first: number | undefined;
  const result = await refresh(repo.gun, {
    client: source,
    cache: new TrustCache(dir),
    trustPolicy: { tofu: true },
    onRoleVerified: reportTagsSoFar((soFar) => {
      if (first !== undefined || soFar.tags.length === 0) return;
      first = performance.now() - start;
      firstRows.push(soFar.tags.length);
    }),
  });
  const rows = result.view.releasedTags({ includeUnverified: true });
  allMs.push(performance.now() - start);
  if (rows.length !== TAGS) throw new Error(`expected ${TAGS} tags, listed ${rows.length}`);
  firstMs.push(first ?? Number.NaN);
  await rm(dir, { recursive: true, force: true });
}

const median = (xs: number[]) => +[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0);
console.log(
  JSON.stringify({
    tags: TAGS,
    roles: 2 + SIGNERS,
    rounds: ROUNDS,
    firstRowsMs: median(firstMs),
    firstRows: firstRows[0],
    completeMs: median(allMs),
    firstOfComplete: +(median(firstMs) / median(allMs)).toFixed(2),
    loadAverage: loadavg().map((l) => +l.toFixed(2)),
  }),
);
