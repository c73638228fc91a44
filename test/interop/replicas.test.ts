// Several `trust-tui server` replicas (separate processes on separate ports, one store), driven as an
// estate behind a load balancer drives them: the real notary and docker CLIs alternating replicas give
// the same results as one server and as notary-server 0.7; 50 clients on 50 repositories and 12
// writers racing on one repository lose no update; `kill -9` of a replica under a publish load loses
// nothing; the probes of a replica stay fast while the others work. Every load is bounded in count
// and in time.
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustCache } from '../../src/notary/cache.js';
import { encodeMultipart } from '../../src/notary/multipart.js';
import { NotaryClient } from '../../src/notary/http-client.js';
import { MetadataNotFoundError, NotaryHttpError, UpdateRejectedError } from '../../src/notary/http-errors.js';
import { refresh } from '../../src/notary/updater.js';
import { defaultExpires } from '../../src/tuf/expiry.js';
import { PublicKey } from '../../src/tuf/key.js';
import { Envelope, signerFromPrivateKey } from '../../src/tuf/metadata/envelope.js';
import { FileMeta } from '../../src/tuf/metadata/filemeta.js';
import { parseMetadata } from '../../src/tuf/metadata/parse.js';
import { httpRequest } from '../helpers/http.js';
import { dockerCli, makeScratchDir, notaryCli, startNotaryServer, stopAllPeers, type DockerRunner, type NotaryRunner } from '../helpers/peers.js';
import { startPostgres } from '../helpers/postgres.js';
import { startReplicas, type Replica, type ReplicaSet, type ReplicaStore } from '../helpers/replicas.js';
import { TestRepo } from '../server/repo-fixture.js';

const REPLICAS = 3;

// ---------------------------------------------------------------------------------------------
// Clients

/** One NotaryClient per replica, as a client behind a round-robin balancer reaches each in turn. */
function clientsFor(set: ReplicaSet): NotaryClient[] {
  const ca = [readFileSync(set.caFile)];
  return set.replicas.map((r) => new NotaryClient({ baseUrl: r.url, tls: { ca } }));
}

/** Tag names after verifying the whole repository from `cacheDir` (TOFU on root when it is empty). */
async function verifiedTags(client: NotaryClient, gun: string, cacheDir: string): Promise<string[]> {
  const result = await refresh(gun, { client, cache: new TrustCache(cacheDir), trustPolicy: { tofu: true } });
  expect(result.offline, `${gun} from ${client.baseUrl}: ${result.warnings.join('; ')}`).toBe(false);
  return result.view.resolvedTargets().map((t) => t.name).sort();
}

async function serverKey(replica: Replica, caFile: string, gun: string, role: 'timestamp' | 'snapshot'): Promise<PublicKey> {
  const res = await httpRequest(`${replica.url}/v2/${gun}/_trust/tuf/${role}.key`, { caFile, timeoutMs: 60_000 });
  if (res.status !== 200) throw new Error(`GET ${role}.key on replica ${replica.index + 1}: ${res.status} ${res.text()}`);
  return PublicKey.fromJSON(res.json());
}

async function currentVersion(client: NotaryClient, gun: string, role: string): Promise<number> {
  return parseMetadata(await client.getMetadata(gun, role), role).signed.version;
}

/**
 * A repository owned by one client: its first publish, then one new tag per round. The server holds
 * the timestamp key and, for every other repository, the snapshot key (docker's default).
 */
class OwnedRepo {
  readonly tags: string[] = [];
  private constructor(
    readonly gun: string,
    readonly repo: TestRepo,
    readonly serverSnapshot: boolean,
    private rootBytes: Buffer,
  ) {}

  /**
   * A new repository whose timestamp key is made by `keysFrom` and whose snapshot key, when
   * `snapshotFrom` is given, is held by the server too (made by that replica); else the client's.
   */
  static async create(caFile: string, gun: string, keysFrom: Replica, snapshotFrom?: Replica): Promise<{ owned: OwnedRepo; firstPublish: { role: string; bytes: Buffer }[] }> {
    const repo = await TestRepo.create(
      gun,
      await serverKey(keysFrom, caFile, gun, 'timestamp'),
      snapshotFrom ? await serverKey(snapshotFrom, caFile, gun, 'snapshot') : undefined,
    );
    const files = repo.firstPublish().filter((f) => !snapshotFrom || f.role !== 'snapshot');
    const owned = new OwnedRepo(gun, repo, Boolean(snapshotFrom), files[0]!.data);
    return { owned, firstPublish: files.map((f) => ({ role: f.role, bytes: f.data })) };
  }

  /** The files of the next round's publish (one more tag), and the targets version they carry. */
  nextRound(): { files: { role: string; bytes: Buffer }[]; targetsVersion: number } {
    const tag = `v${this.tags.length}`;
    this.tags.push(tag);
    this.repo.addTarget(tag, `${this.gun}:${tag}`);
    this.repo.bump(this.repo.targets, 'targets');
    const targets = this.repo.signTargets();
    const files = [{ role: 'targets', bytes: targets }];
    if (!this.serverSnapshot) files.push({ role: 'snapshot', bytes: this.repo.signSnapshot({ root: this.rootBytes, targets }) });
    return { files, targetsVersion: this.repo.targets.version };
  }
}

/** Every metadata file of a repository as one replica serves it (for byte-for-byte comparisons). */
async function servedFiles(replica: Replica, caFile: string, gun: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const role of ['root', 'targets', 'snapshot', 'timestamp']) {
    const res = await httpRequest(`${replica.url}/v2/${gun}/_trust/tuf/${role}.json`, { caFile });
    out[role] = `${res.status} ${res.body.toString('base64')}`;
  }
  return out;
}

async function changefeed(replica: Replica, caFile: string): Promise<unknown> {
  const res = await httpRequest(`${replica.url}/v2/_trust/changefeed?change_id=0&records=10000`, { caFile });
  expect(res.status, res.text()).toBe(200);
  return res.json();
}

/**
 * Starts a publish to `replica` and sends only the first half of its body, so that the request is
 * surely in flight; `response` settles when the server answers or the connection breaks.
 */
async function startPublish(replica: Replica, caFile: string, gun: string, files: { role: string; bytes: Buffer }[]): Promise<{ response: Promise<number> }> {
  const { body, contentType } = encodeMultipart(files);
  const req = https.request(`${replica.url}/v2/${gun}/_trust/tuf/`, {
    method: 'POST',
    ca: readFileSync(caFile),
    agent: false,
    headers: { 'content-type': contentType, 'content-length': String(body.length) },
  });
  const response = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  response.catch(() => undefined); // awaited by the caller
  await new Promise<void>((resolve) => req.write(body.subarray(0, body.length >> 1), () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 200)); // the server has read it by now
  return { response };
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function inBatches<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

/** What the replicas logged besides ordinary answers: 5xx, errors, refused or cut-off requests. */
function serverTrouble(set: ReplicaSet): string {
  const unusual = (l: string) => l.trim() !== '' && !/" [234]\d\d |listening on/.test(l);
  const lines = set.replicas.flatMap((r) => r.logs().split('\n').filter(unusual).map((l) => `replica ${r.index + 1}: ${l}`));
  return lines.length ? `\nserver logs:\n${lines.slice(0, 20).join('\n')}` : '';
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---------------------------------------------------------------------------------------------
// (a) the real notary and docker CLIs, alternating replicas

// A non-loopback registry name, so that the docker CLI really verifies the server's TLS certificate.
const REPO = 'registry.example.com/team/replicated';

interface Tools {
  docker: DockerRunner;
  notary: NotaryRunner;
}

interface ScriptFiles {
  /** Private keys made once by `docker trust key generate` (alice, bob), copied into each run. */
  keyDir: string;
  alicePub: string;
  bobPub: string;
  manifests: string[];
}

/** docker and notary runners for each server URL, sharing one DOCKER_CONFIG (so one trust directory). */
function toolsFor(configDir: string, urls: string[], caFile: string, files: ScriptFiles): Tools[] {
  const tools = urls.map((url) => {
    const docker = dockerCli(configDir, url, caFile);
    return { docker, notary: notaryCli(docker.trustDir, url, caFile) };
  });
  const privateDir = path.join(tools[0]!.docker.trustDir, 'private');
  mkdirSync(privateDir, { recursive: true });
  for (const f of readdirSync(files.keyDir)) cpSync(path.join(files.keyDir, f), path.join(privateDir, f));
  return tools;
}

/**
 * Init and publish on replica 1, a delegation added on replica 2, a signature on replica 3, reads on
 * each, a server-held snapshot key rotated on one and used by another, revoke, delegation removal
 * and deletion. `on[i]` is where step "replica i" goes (all the same server for a single-server run).
 */
async function runScript(on: Tools[], files: ScriptFiles): Promise<string[]> {
  const transcript: string[] = [];
  const step = async (at: number, tool: 'docker' | 'notary', args: string[], input?: string) => {
    const r = await on[at]![tool](args, { input });
    transcript.push(`$ [${at + 1}] ${tool} ${args.join(' ')} -> ${r.code}\n${r.stdout.trim()}\n${r.stderr.trim()}`);
    return r;
  };
  const onEach = async (tool: 'docker' | 'notary', args: string[]) => {
    for (let at = 0; at < on.length; at++) await step(at, tool, args);
  };
  await step(0, 'docker', ['trust', 'signer', 'add', '--key', files.alicePub, 'alice', REPO]);
  // Tags as `docker trust sign` would write them (the daemon-less way), published on replica 2.
  await step(1, 'notary', ['add', REPO, 'v1', files.manifests[0]!]);
  await step(1, 'notary', ['add', REPO, 'v2', files.manifests[1]!, '--roles', 'targets/releases', '--roles', 'targets/alice']);
  await step(1, 'notary', ['publish', REPO]);
  await step(1, 'docker', ['trust', 'signer', 'add', '--key', files.bobPub, 'bob', REPO]);
  await step(2, 'docker', ['trust', 'sign', `${REPO}:v1`]);
  await onEach('notary', ['list', REPO]);
  await onEach('docker', ['trust', 'inspect', '--pretty', REPO]);
  await step(2, 'notary', ['key', 'rotate', REPO, 'snapshot', '-r']);
  await step(0, 'docker', ['trust', 'revoke', '-y', `${REPO}:v2`]);
  await onEach('notary', ['list', REPO, '-r', 'targets/releases']);
  await onEach('docker', ['trust', 'inspect', REPO]);
  await step(1, 'notary', ['delegation', 'remove', REPO, 'targets/alice', '-y', '-p']);
  await onEach('docker', ['trust', 'inspect', '--pretty', REPO]);
  await step(2, 'notary', ['delete', REPO, '--remote']);
  await onEach('notary', ['list', REPO]);
  return transcript;
}

/** Server addresses and per-run key IDs (root, repository key) become placeholders; signer keys stay. */
function normalise(transcript: string[], urls: string[], keep: ReadonlySet<string>): string {
  const ids = new Map<string, string>();
  let text = transcript.join('\n\n');
  for (const url of urls) text = text.replaceAll(url, '<server>').replaceAll(url.replace('https://', ''), '<server>');
  return text
    .replace(/time="[^"]*"/g, 'time=<t>')
    .replace(/\b[0-9a-f]{64}\b/g, (hex) => {
      if (keep.has(hex)) return hex;
      if (!ids.has(hex)) ids.set(hex, `<key-${ids.size + 1}>`);
      return ids.get(hex)!;
    })
    .trim();
}

// ---------------------------------------------------------------------------------------------

type SuiteTest = 'clis' | 'load' | 'race' | 'probes' | 'kill';

function replicaSuite(kind: ReplicaStore['kind'], tests: readonly SuiteTest[]) {
  /** `it` for the tests this store runs (the SQLite variant runs a few, to bound the file's time). */
  const test = (name: SuiteTest) => (tests.includes(name) ? it : undefined);
  let set: ReplicaSet;
  let clients: NotaryClient[];
  let scratch: string;
  /** Another empty store of this kind (a new database, or a new SQLite directory). */
  let freshStore: (name: string) => Promise<ReplicaStore>;

  beforeAll(async () => {
    scratch = await makeScratchDir(`replicas-${kind}`);
    if (kind === 'postgres') {
      const pg = await startPostgres();
      freshStore = async (name) => ({ kind, url: await pg.createDatabase(name) });
    } else {
      freshStore = async () => ({ kind });
    }
    set = await startReplicas({ count: REPLICAS, store: await freshStore('replicas') });
    clients = clientsFor(set);
  });
  afterAll(stopAllPeers);

  test('clis')?.('notary and docker CLIs alternating replicas give the results of one server and of notary-server 0.7', async () => {
    const keygen = dockerCli(path.join(scratch, 'keygen'), set.replicas[0]!.url, set.caFile);
    for (const name of ['alice', 'bob']) {
      const generated = await keygen(['trust', 'key', 'generate', name, '--dir', scratch]);
      expect(generated.code, generated.stderr).toBe(0);
    }
    const manifests = ['{"fake":"manifest v1"}\n', '{"fake":"manifest v2"}\n'].map((text, i) => {
      const file = path.join(scratch, `m${i + 1}.json`);
      writeFileSync(file, text);
      return file;
    });
    const files: ScriptFiles = {
      keyDir: path.join(keygen.trustDir, 'private'),
      alicePub: path.join(scratch, 'alice.pub'),
      bobPub: path.join(scratch, 'bob.pub'),
      manifests,
    };
    const [single, notaryServer] = await Promise.all([
      startReplicas({ count: 1, store: await freshStore('single'), pki: set.pki }),
      startNotaryServer({ signer: 'local', pki: set.pki }),
    ]);
    const replicaUrls = set.replicas.map((r) => r.url);
    const singleUrl = single.replicas[0]!.url;
    const [onReplicas, onSingle, onNotary] = await Promise.all([
      runScript(toolsFor(path.join(scratch, 'cfg-replicas'), replicaUrls, set.caFile, files), files),
      runScript(toolsFor(path.join(scratch, 'cfg-single'), [singleUrl, singleUrl, singleUrl], set.caFile, files), files),
      runScript(toolsFor(path.join(scratch, 'cfg-notary'), Array(REPLICAS).fill(notaryServer.url), set.caFile, files), files),
    ]);
    await Promise.all([single.stop(), notaryServer.stop()]);

    const keep = new Set(readdirSync(files.keyDir).map((f) => f.replace(/\.key$/, '')));
    const replicated = normalise(onReplicas, replicaUrls, keep);
    expect(replicated).toBe(normalise(onSingle, [singleUrl], keep));
    expect(replicated).toBe(normalise(onNotary, [notaryServer.url], keep));

    // The content itself, so that equally broken servers cannot pass.
    const steps = (prefix: string) => onReplicas.filter((t) => t.includes(`] ${prefix}`));
    for (const t of onReplicas.slice(0, 6)) expect(t).toMatch(/-> 0\n/);
    for (const list of steps(`notary list ${REPO} ->`).slice(0, REPLICAS)) {
      expect(list).toMatch(/\nv1\s+[0-9a-f]{64}\s+23\s+targets\n/);
      expect(list).toMatch(/\nv2\s+[0-9a-f]{64}\s+23\s+targets\/alice\n/);
    }
    const afterRevoke = steps(`docker trust inspect ${REPO}`);
    expect(afterRevoke).toHaveLength(REPLICAS);
    for (const t of afterRevoke) {
      expect(t).toContain('"SignedTag": "v1"');
      expect(t).not.toContain('"SignedTag": "v2"');
    }
    const afterRemove = steps(`docker trust inspect --pretty ${REPO}`).slice(REPLICAS);
    for (const t of afterRemove) {
      expect(t).toMatch(/^bob\s/m);
      expect(t).not.toMatch(/^alice\s/m);
    }
    for (const t of steps(`notary list ${REPO} ->`).slice(REPLICAS)) expect(t).toMatch(/-> 1\n.*does not have trust data/s);
    // Every replica took writes of this repository (the script really alternated).
    for (const replica of set.replicas) expect(replica.logs()).toMatch(new RegExp(`"POST /v2/${REPO}/_trust/tuf/" 200`));
  }, 120_000);

  test('load')?.('50 clients on 50 repositories spread over the replicas: every publish is visible on another replica and every repository verifies', async () => {
    const CLIENTS = 50;
    const ROUNDS = 2;
    const TIME_LIMIT_MS = 90_000;
    const started = Date.now();
    const gunOf = (i: number) => `load.example.com/repo-${i}`;
    const runClient = async (i: number) => {
      const gun = gunOf(i);
      const [writer, reader] = [set.replicas[i % REPLICAS]!, set.replicas[(i + 1) % REPLICAS]!];
      if (i % 25 === 0) {
        // Every replica asked for the timestamp key at once: all answer with one key, stored once.
        const keys = await Promise.all(set.replicas.map((r) => serverKey(r, set.caFile, gun, 'timestamp')));
        expect(new Set(keys.map((k) => k.id)).size).toBe(1);
      }
      // A few repositories have the server hold their snapshot key too, made by another replica than
      // the one that signs with it. (Each server key costs PBKDF2 at 600k iterations: keep them few.)
      const { owned, firstPublish } = await OwnedRepo.create(set.caFile, gun, writer, i % 10 === 0 ? reader : undefined);
      const writeTo = clients[writer.index]!;
      const readFrom = clients[reader.index]!;
      const publish = (files: { role: string; bytes: Buffer }[], what: string) =>
        writeTo.publish(gun, files).catch((e: unknown) => {
          throw new Error(`${what} to replica ${writer.index + 1} at ${new Date().toISOString()}: ${String(e)}`);
        });
      await publish(firstPublish, 'first publish');
      const cacheDir = path.join(scratch, `load-${i}`);
      for (let round = 0; round < ROUNDS; round++) {
        await publish(owned.nextRound().files, `publish ${round + 1}`);
        // Read back on another replica and verify, at once: an accepted publish is visible everywhere.
        expect(await verifiedTags(readFrom, gun, cacheDir)).toEqual([...owned.tags].sort());
      }
    };
    const results = await Promise.allSettled(Array.from({ length: CLIENTS }, (_, i) => runClient(i)));
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`client ${i}: ${String(r.reason)}`] : []));
    expect(failures, serverTrouble(set)).toEqual([]);
    const loadMs = Date.now() - started;

    // Fresh trust directories, on a third replica; every replica serves the same bytes.
    const expected = Array.from({ length: ROUNDS }, (_, r) => `v${r}`);
    await inBatches([...Array(CLIENTS).keys()], 10, async (i) => {
      expect(await verifiedTags(clients[(i + 2) % REPLICAS]!, gunOf(i), path.join(scratch, `load-final-${i}`))).toEqual(expected);
      const served = await Promise.all(set.replicas.map((r) => servedFiles(r, set.caFile, gunOf(i))));
      for (const other of served.slice(1)) expect(other).toEqual(served[0]);
      expect(await currentVersion(clients[0]!, gunOf(i), 'timestamp')).toBe(ROUNDS + 1);
    });
    // The real notary CLI agrees, from fresh trust directories, on a sample.
    for (const i of [0, 17, 34, 49]) {
      const replica = set.replicas[i % REPLICAS]!;
      const notary = notaryCli(path.join(scratch, `notary-load-${i}`), replica.url, set.caFile);
      const list = await notary(['list', gunOf(i)]);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout.split('\n').filter((l) => /^v\d\s/.test(l))).toHaveLength(ROUNDS);
    }
    // One change feed, whichever replica is asked.
    const feeds = await Promise.all(set.replicas.map((r) => changefeed(r, set.caFile)));
    for (const feed of feeds.slice(1)) expect(feed).toEqual(feeds[0]);
    expect((feeds[0] as { count: number }).count).toBeGreaterThanOrEqual(CLIENTS * (ROUNDS + 1));
    expect(loadMs, `${CLIENTS} clients x ${ROUNDS + 1} publishes took ${loadMs} ms`).toBeLessThan(TIME_LIMIT_MS);
  }, 180_000);

  test('race')?.('12 writers racing on one repository over the replicas: one wins each version, losers get VERSION and retry, no tag is lost', async () => {
    const WRITERS = 12;
    const gun = 'race.example.com/shared';
    const repo = await TestRepo.create(
      gun,
      await serverKey(set.replicas[0]!, set.caFile, gun, 'timestamp'),
      await serverKey(set.replicas[1]!, set.caFile, gun, 'snapshot'),
    );
    await clients[2]!.publish(gun, repo.firstPublish().filter((f) => f.role !== 'snapshot').map((f) => ({ role: f.role, bytes: f.data })));
    const firstVersion = await currentVersion(clients[0]!, gun, 'targets');
    let conflicts = 0;
    const accepted: number[] = [];
    const writer = async (w: number) => {
      const client = clients[w % REPLICAS]!;
      const tag = `race-${w}`;
      for (let attempt = 0; attempt < 100; attempt++) {
        // Read-modify-write as a client does: the current targets, plus one tag, version + 1.
        const current = parseMetadata(await client.getMetadata(gun, 'targets'), 'targets').signed.clone();
        current.addTarget(tag, FileMeta.fromBytes(Buffer.from(tag)));
        current.bumpVersion(defaultExpires('targets'));
        const bytes = Envelope.sign(current, [signerFromPrivateKey(repo.targetsKey)]).raw;
        try {
          await client.publish(gun, [{ role: 'targets', bytes }]);
          accepted.push(current.version);
          return;
        } catch (e) {
          if (!(e instanceof UpdateRejectedError) || e.code !== 'VERSION') throw e;
          conflicts++;
        }
      }
      throw new Error(`${tag}: gave up after 100 conflicts`);
    };
    const tags = Array.from({ length: WRITERS }, (_, w) => `race-${w}`);
    await Promise.all(tags.map((_, w) => writer(w)));

    // Each accepted publish took the next version: none was overwritten or forked.
    expect(accepted.sort((a, b) => a - b)).toEqual(Array.from({ length: WRITERS }, (_, k) => firstVersion + 1 + k));
    for (const [r, client] of clients.entries()) {
      expect(await verifiedTags(client, gun, path.join(scratch, `race-final-${r}`))).toEqual([...tags].sort());
    }
    expect(conflicts).toBeGreaterThan(0); // the race really happened
  }, 90_000);

  test('probes')?.("each replica's health and readiness stay fast while the other replicas take a publish load", async () => {
    const LOAD_MS = 2_500;
    const CLIENTS = 6;
    const probe = async (replica: Replica, what: 'health' | 'ready') => {
      const t0 = performance.now();
      const res = await httpRequest(`${replica.url}/_notary_server/${what}`, { caFile: set.caFile, timeoutMs: 5_000 });
      const ms = performance.now() - t0;
      expect(res.status, `${what} of replica ${replica.index + 1}: ${res.text()}`).toBe(200);
      return ms;
    };
    const report: string[] = [];
    // Repositories whose keys each replica made itself (so the load is publishing, not key decryption).
    const repos = await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
      const home = set.replicas[c % REPLICAS]!;
      const { owned, firstPublish } = await OwnedRepo.create(set.caFile, `probe.example.com/repo-${c}`, home);
      await clients[home.index]!.publish(owned.gun, firstPublish);
      return { owned, home };
    }));
    for (const idle of set.replicas) {
      const baseline: number[] = [];
      for (let k = 0; k < 6; k++) baseline.push(await probe(idle, k % 2 ? 'ready' : 'health'));
      const loaded = set.replicas.filter((r) => r !== idle);
      const stopAt = Date.now() + LOAD_MS;
      let publishes = 0;
      const load = Promise.all(repos.filter((r) => loaded.includes(r.home)).map(async ({ owned, home }) => {
        while (Date.now() < stopAt) {
          await clients[home.index]!.publish(owned.gun, owned.nextRound().files);
          publishes++;
        }
      }));
      const times: number[] = [];
      while (Date.now() < stopAt) {
        times.push(await probe(idle, times.length % 2 ? 'ready' : 'health'));
        await new Promise((r) => setTimeout(r, 50));
      }
      await load;
      const of = (what: number) => times.filter((_, k) => k % 2 === what);
      report.push(
        `replica ${idle.index + 1}: baseline median ${median(baseline).toFixed(1)} ms, under load median ${median(times).toFixed(1)} ms ` +
          `(health ${median(of(0)).toFixed(1)}, ready ${median(of(1)).toFixed(1)}), max ${Math.max(...times).toFixed(1)} ms over ${times.length} probes; ${publishes} publishes on the others`,
      );
      expect(publishes, report.join('\n')).toBeGreaterThan(CLIENTS); // the others really were loaded
      expect(median(times), report.join('\n')).toBeLessThan(Math.max(100, 2 * median(baseline)));
      expect(Math.max(...times), report.join('\n')).toBeLessThan(2_000);
    }
  }, 60_000);

  test('kill')?.('kill -9 of a replica during a publish load: every repository verifies, the others keep answering, the restarted one serves the same data', async () => {
    const CLIENTS = 9;
    const ROUNDS = 5;
    // A set of its own: the restart opens every stored key (PBKDF2 each), so only this test's keys.
    const own = await startReplicas({ count: REPLICAS, store: await freshStore('killed'), pki: set.pki });
    const ownClients = clientsFor(own);
    const victim = own.replicas[1]!;
    const gunOf = (i: number) => `kill.example.com/repo-${i}`;
    let killing = false;
    let created = 0;
    let done = 0;
    let cutOff = 0;
    const inFlight = [0, 0, 0];
    const liveFailures: string[] = [];

    /** Publishes through replica `start`; on to the next one only when the victim cut it off. */
    const publish = async (gun: string, files: { role: string; bytes: Buffer }[], targetsVersion: number, start: number) => {
      for (let attempt = 0; attempt < REPLICAS; attempt++) {
        const r = (start + attempt) % REPLICAS;
        if (r === victim.index && killing) continue;
        inFlight[r]!++;
        try {
          await ownClients[r]!.publish(gun, files);
          return;
        } catch (e) {
          const cut = r === victim.index && killing && e instanceof NotaryHttpError && !(e instanceof UpdateRejectedError);
          if (!cut) {
            liveFailures.push(`${gun} on replica ${r + 1}: ${String(e)}`);
            throw e;
          }
          cutOff++;
          // Cut off mid-request: committed or not, another replica says which.
          const landed = await currentVersion(ownClients[(r + 1) % REPLICAS]!, gun, 'targets').catch((e2: unknown) => {
            if (e2 instanceof MetadataNotFoundError) return 0; // a first publish that did not land
            throw e2;
          });
          if (landed === targetsVersion) return;
        } finally {
          inFlight[r]!--;
        }
      }
      throw new Error(`${gun}: no replica took the publish`);
    };
    // A publish the kill is sure to cut: its body is half sent when the victim dies.
    const cut = await OwnedRepo.create(own.caFile, 'kill.example.com/cut-off', victim);
    await ownClients[victim.index]!.publish(cut.owned.gun, cut.firstPublish);
    const owners: OwnedRepo[] = [];
    const runClient = async (i: number) => {
      // Each client sticks to one replica (its keys are made there) and fails over when it dies.
      // (Not round-robin: each replica would have to decrypt every key, PBKDF2 each time.)
      const home = own.replicas[i % REPLICAS]!;
      const { owned, firstPublish } = await OwnedRepo.create(own.caFile, gunOf(i), home);
      owners[i] = owned;
      created++;
      await publish(owned.gun, firstPublish, 2, home.index);
      for (let round = 0; round < ROUNDS; round++) {
        const { files, targetsVersion } = owned.nextRound();
        await publish(owned.gun, files, targetsVersion, home.index);
        done++;
      }
    };
    const load = Promise.allSettled(Array.from({ length: CLIENTS }, (_, i) => runClient(i)));
    // Kill while publishes are in flight on the victim, a quarter of the way through (keys are made).
    const deadline = Date.now() + 30_000;
    while ((created < CLIENTS || done < (CLIENTS * ROUNDS) / 4 || inFlight[victim.index] === 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
    const halfSent = await startPublish(victim, own.caFile, cut.owned.gun, cut.owned.nextRound().files);
    killing = true;
    await victim.kill9();
    await expect(halfSent.response).rejects.toThrow(/ECONNRESET|socket hang up|EPIPE/);
    const results = await load;
    expect(liveFailures).toEqual([]);
    expect(results.flatMap((r, i) => (r.status === 'rejected' ? [`client ${i}: ${String(r.reason)}`] : []))).toEqual([]);
    // The half-sent publish left nothing behind (cut-off publishes of the load were checked above).
    expect(await currentVersion(ownClients[0]!, cut.owned.gun, 'targets'), `cut-off publish; ${cutOff} of the load's were cut too`).toBe(2);

    const expected = Array.from({ length: ROUNDS }, (_, r) => `v${r}`);
    await inBatches([...Array(CLIENTS).keys()], 6, async (i) => {
      const survivor = own.replicas[i % 2 === 0 ? 0 : 2]!;
      expect(await verifiedTags(ownClients[survivor.index]!, gunOf(i), path.join(scratch, `kill-final-${i}`))).toEqual(expected);
    });
    // The survivors kept answering (no publish on them failed, above) and are healthy.
    for (const survivor of [own.replicas[0]!, own.replicas[2]!]) {
      expect((await httpRequest(`${survivor.url}/_notary_server/ready`, { caFile: own.caFile })).status).toBe(200);
    }

    const restartStarted = Date.now();
    await victim.restart();
    const restartMs = Date.now() - restartStarted;
    await inBatches([...Array(CLIENTS).keys()], 6, async (i) => {
      const [restarted, other] = await Promise.all([servedFiles(victim, own.caFile, gunOf(i)), servedFiles(own.replicas[0]!, own.caFile, gunOf(i))]);
      expect(restarted).toEqual(other);
      expect(await verifiedTags(ownClients[victim.index]!, gunOf(i), path.join(scratch, `kill-restarted-${i}`))).toEqual(expected);
    });
    // It takes writes again, seen by the others.
    const owned = owners[victim.index]!;
    await ownClients[victim.index]!.publish(owned.gun, owned.nextRound().files);
    expect(await verifiedTags(ownClients[2]!, owned.gun, path.join(scratch, `kill-final-${victim.index}`))).toEqual([...expected, `v${ROUNDS}`]);
    expect(restartMs, 'restart of the killed replica').toBeLessThan(30_000);
    await own.stop();
  }, 120_000);
}

describe('trust-tui server replicas on one PostgreSQL database', () => {
  replicaSuite('postgres', ['clis', 'load', 'race', 'probes', 'kill']);
});

// Separate processes on one host may also share one SQLite data directory (SQLite's file locks).
describe('trust-tui server replicas sharing one SQLite data directory', () => {
  replicaSuite('sqlite', ['race']);
});
