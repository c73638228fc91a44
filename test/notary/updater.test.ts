/**
 * The updater over a scripted metadata source backed by an in-memory repository: cache use, root
 * rotation, rollback and freeze refusals, offline answers, skipped delegations, remembered publishes.
 * The same flows against the real notary-server are in test/interop/client-*.test.ts.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrustCache } from '../../src/notary/cache.js';
import { MetadataNotFoundError, RepositoryNotInitialisedError, ServerUnreachableError } from '../../src/notary/http-errors.js';
import { CachedRootError, refresh, rememberPublished, type MetadataSource, type RefreshOptions } from '../../src/notary/updater.js';
import { Envelope, parseMetadata, signerFromPrivateKey } from '../../src/tuf/metadata/index.js';
import { DAY_MS, imageMeta, MemoryRepo, newEcdsaKey, newEd25519Key } from '../tuf/memory-repo.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const URL_ = 'https://notary.test:4443';

/** Serves a MemoryRepo like notary-server; records every request; can be switched off or tampered with. */
class FakeServer implements MetadataSource {
  readonly baseUrl = URL_;
  requests: string[] = [];
  down = false;
  /** Replaces what the server sends for a role (by any route). */
  override = new Map<string, Buffer>();
  /** Answers after this long, so that requests can overlap; `maxInFlight` is the most at once. */
  delayMs = 0;
  maxInFlight = 0;
  #inFlight = 0;

  constructor(public repo: MemoryRepo) {}

  async #answer(serve: () => Buffer): Promise<Buffer> {
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      return serve();
    } finally {
      this.#inFlight--;
    }
  }

  #serve(role: string, what: string, maxBytes?: number): Buffer {
    this.requests.push(what);
    if (this.down) throw new ServerUnreachableError(URL_, 'ECONNREFUSED');
    const bytes = this.override.get(role) ?? this.repo.files.get(role);
    if (!bytes) throw role === 'root' ? new RepositoryNotInitialisedError(URL_, this.repo.gun) : new MetadataNotFoundError(URL_, this.repo.gun, role);
    if (maxBytes !== undefined && bytes.length > maxBytes) throw new Error(`${what}: over the limit`);
    return bytes;
  }

  getMetadata(_gun: string, role: string, maxBytes?: number): Promise<Buffer> {
    return this.#answer(() => this.#serve(role, `${role}.json`, maxBytes));
  }

  getMetadataByChecksum(_gun: string, role: string, sha: string, maxBytes: number): Promise<Buffer> {
    return this.#answer(() => this.#serve(role, `${role}.${sha.slice(0, 6)}.json`, maxBytes));
  }

  async getMetadataByVersion(_gun: string, role: string, version: number): Promise<Buffer> {
    this.requests.push(`${version}.${role}.json`);
    if (this.down) throw new ServerUnreachableError(URL_, 'ECONNREFUSED');
    const bytes = this.repo.rootVersions.get(version);
    if (!bytes) throw new MetadataNotFoundError(URL_, this.repo.gun, role);
    return bytes;
  }
}

describe('refresh', () => {
  let dir: string;
  let cache: TrustCache;
  let repo: MemoryRepo;
  let server: FakeServer;
  let now: Date;
  const opts = (extra: Partial<RefreshOptions> = {}): RefreshOptions => ({
    client: server,
    cache,
    trustPolicy: { tofu: true },
    clock: () => now,
    ...extra,
  });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'updater-'));
    cache = new TrustCache(path.join(dir, 'trust'));
    repo = await MemoryRepo.create('example.com/app', NOW);
    server = new FakeServer(repo);
    now = NOW;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('bootstraps by TOFU, verifies everything and caches the exact bytes; the next run downloads only the timestamp', async () => {
    const alice = newEcdsaKey();
    repo.addDelegation('targets/releases', [alice]);
    repo.addDelegation('targets/releases/ci', [alice]);
    repo.addDelegation('targets/alice', [alice]);
    repo.addTarget('targets/releases', 'v1');
    repo.publish(['targets', 'targets/releases', 'targets/releases/ci', 'targets/alice']);

    const first = await refresh(repo.gun, opts());
    expect(first.offline).toBe(false);
    expect(first.view.releasedTags().map((t) => t.tag)).toEqual(['v1']);
    // The children of a trusted role are fetched together, a grandchild once its parent is trusted…
    expect(server.requests.map((r) => r.replace(/\.[0-9a-f]{6}\./, '.#.'))).toEqual([
      'root.json',
      'timestamp.json',
      'snapshot.#.json',
      'targets.#.json',
      'targets/releases.#.json',
      'targets/alice.#.json',
      'targets/releases/ci.#.json',
    ]);
    // …and trusted in pre-order: a role's children before its later siblings.
    expect([...first.trusted.delegations.keys()]).toEqual(['targets/releases', 'targets/releases/ci', 'targets/alice']);
    for (const role of ['root', 'timestamp', 'snapshot', 'targets', 'targets/releases', 'targets/releases/ci']) {
      expect(await cache.read(repo.gun, role), role).toEqual(repo.file(role));
    }

    server.requests = [];
    const timestampFile = cache.filePath(repo.gun, 'timestamp');
    const cachedTimestamp = (await stat(timestampFile)).ino;
    await refresh(repo.gun, opts());
    expect(server.requests).toEqual(['timestamp.json']);
    // The same timestamp as cached is not written again (atomic writes replace the file).
    expect((await stat(timestampFile)).ino).toBe(cachedTimestamp);
    // A re-signed one is.
    repo.signTimestamp();
    await refresh(repo.gun, opts());
    expect(await cache.read(repo.gun, 'timestamp')).toEqual(repo.file('timestamp'));
  });

  it('says the repository is not initialised when the server has no root', async () => {
    repo.files.delete('root');
    await expect(refresh(repo.gun, opts())).rejects.toBeInstanceOf(RepositoryNotInitialisedError);
  });

  it('follows a root rotation through every version and keeps working after the timestamp key changed', async () => {
    await refresh(repo.gun, opts());
    await repo.rotateRootKey(); // v2
    repo.timestampKey = newEd25519Key();
    repo.root = repo.root.clone().bumpVersion(repo.expiresIn(3650)); // v3 with a new timestamp key
    repo.root.replaceRoleKeys('timestamp', [repo.timestampKey.publicKey]);
    repo.signRoot();
    repo.publish([]);

    server.requests = [];
    const result = await refresh(repo.gun, opts());
    expect(result.trusted.root.signed.version).toBe(3);
    expect(server.requests.slice(0, 4)).toEqual(['timestamp.json', 'root.json', '2.root.json', 'timestamp.json']);
    expect(await cache.read(repo.gun, 'root')).toEqual(repo.rootVersions.get(3));
  });

  it('TUF 5.3.11: a root that rotates the timestamp and snapshot keys lifts their version floor (a repository moved to another server)', async () => {
    repo.addTarget('targets', 'v1');
    for (let i = 0; i < 3; i++) repo.publish(['targets']);
    await refresh(repo.gun, opts()); // caches timestamp and snapshot at version 4
    const moved = (newKeys: boolean) => {
      if (newKeys) {
        repo.timestampKey = newEd25519Key();
        repo.snapshotKey = newEd25519Key();
      }
      repo.root = repo.root.clone().bumpVersion(repo.expiresIn(3650));
      repo.root.replaceRoleKeys('timestamp', [repo.timestampKey.publicKey]);
      repo.root.replaceRoleKeys('snapshot', [repo.snapshotKey.publicKey]);
      repo.signRoot();
      // The new server numbers its snapshot and timestamp from 1.
      repo.snapshotVersion = 0;
      repo.timestampVersion = 0;
      repo.signSnapshotAndTimestamp();
    };
    // Same keys, lower versions: still a rollback.
    moved(false);
    await expect(refresh(repo.gun, opts())).rejects.toMatchObject({ kind: 'rollback' });
    // New keys: the old timestamp and snapshot no longer count; the new ones are trusted and cached.
    moved(true);
    const result = await refresh(repo.gun, opts());
    expect(result.trusted.timestamp!.signed.version).toBe(1);
    expect(result.view.releasedTags().map((t) => t.tag)).toEqual(['v1']);
    expect(await cache.read(repo.gun, 'timestamp')).toEqual(repo.file('timestamp'));
    expect(await cache.read(repo.gun, 'snapshot')).toEqual(repo.file('snapshot'));
    // ...and from now on they are the floor again.
    repo.signTimestamp();
    await refresh(repo.gun, opts());
    repo.timestampVersion = 0;
    repo.signTimestamp();
    await expect(refresh(repo.gun, opts())).rejects.toMatchObject({ kind: 'rollback' });
  });

  it('a cached timestamp and snapshot that the cached root no longer vouches for set no floor (notary or docker cached the moved root but kept them)', async () => {
    repo.addTarget('targets', 'v1');
    for (let i = 0; i < 3; i++) repo.publish(['targets']);
    await refresh(repo.gun, opts()); // timestamp and snapshot cached at version 4
    const oldTimestamp = await cache.read(repo.gun, 'timestamp');
    const oldSnapshot = await cache.read(repo.gun, 'snapshot');
    // The repository moves: new timestamp and snapshot keys, numbered from 1 again.
    repo.timestampKey = newEd25519Key();
    repo.snapshotKey = newEd25519Key();
    repo.root = repo.root.clone().bumpVersion(repo.expiresIn(3650));
    repo.root.replaceRoleKeys('timestamp', [repo.timestampKey.publicKey]);
    repo.root.replaceRoleKeys('snapshot', [repo.snapshotKey.publicKey]);
    repo.signRoot();
    repo.snapshotVersion = 0;
    repo.timestampVersion = 0;
    repo.signSnapshotAndTimestamp();
    // notary 0.7 against the new server stores the new root, then refuses the timestamp (and keeps the old one).
    await cache.write(repo.gun, 'root', repo.file('root'));
    await cache.write(repo.gun, 'timestamp', oldTimestamp!);
    await cache.write(repo.gun, 'snapshot', oldSnapshot!);
    const result = await refresh(repo.gun, opts());
    expect(result.trusted.timestamp!.signed.version).toBe(1);
    expect(result.view.releasedTags().map((t) => t.tag)).toEqual(['v1']);
    expect(await cache.read(repo.gun, 'timestamp')).toEqual(repo.file('timestamp'));
    // A timestamp signed by the current key still is the floor.
    repo.signTimestamp();
    await refresh(repo.gun, opts());
    repo.timestampVersion = 0;
    repo.signTimestamp();
    await expect(refresh(repo.gun, opts())).rejects.toMatchObject({ kind: 'rollback' });
  });

  it('cacheOnly: verifies the cached files without asking the server; tolerateExpiry reports expired roles instead of refusing them', async () => {
    repo.addTarget('targets', 'v1');
    repo.publish(['targets']);
    await refresh(repo.gun, opts());
    server.requests = [];
    now = new Date(NOW.getTime() + 30 * DAY_MS); // timestamp expired
    await expect(refresh(repo.gun, opts({ cacheOnly: true }))).rejects.toMatchObject({ kind: 'expired' });
    const result = await refresh(repo.gun, opts({ cacheOnly: true, tolerateExpiry: true }));
    expect(server.requests).toEqual([]);
    expect(result.offline).toBe(true);
    expect([...result.trusted.expiredRoles.keys()]).toEqual(['timestamp']);
    expect(result.view.releasedTags().map((t) => t.tag)).toEqual(['v1']);
    // A cached file that is not the one the snapshot names: refused, naming it (a delegation too).
    const alice = newEcdsaKey();
    repo.addDelegation('targets/alice', [alice]);
    repo.publish(['targets', 'targets/alice']);
    now = NOW;
    await refresh(repo.gun, opts());
    await cache.remove(repo.gun, 'targets/alice');
    await expect(refresh(repo.gun, opts({ cacheOnly: true }))).rejects.toMatchObject({
      message: expect.stringContaining('the cache is incomplete: targets/alice is not cached'),
      // Missing on this host: completing the cache or restoring it, not asking the server's operator.
      hint: { cli: `read the repository from its server once to complete this host's cache (trust-tui inspect ${repo.gun}), or restore the trust directory from a backup` },
    });
    const targets = repo.file('targets');
    await cache.write(repo.gun, 'targets', Buffer.concat([targets, Buffer.from(' ')]));
    await expect(refresh(repo.gun, opts({ cacheOnly: true, tolerateExpiry: true }))).rejects.toMatchObject({
      name: 'TrustDataRefusedError',
      kind: 'tampered',
      message: expect.stringContaining('the cached targets.json does not match the hash the trusted snapshot names for it: it was damaged or tampered with'),
      hint: { cli: expect.stringContaining('restore targets.json from a backup of the trust directory') },
    });
    await expect(refresh('example.com/never', opts({ cacheOnly: true }))).rejects.toMatchObject({ name: 'NothingCachedError' });
  });

  it('alwaysFetchRoot asks for root.json first, and notices a repository deleted on the server', async () => {
    await refresh(repo.gun, opts());
    server.requests = [];
    await refresh(repo.gun, opts({ alwaysFetchRoot: true }));
    expect(server.requests).toEqual(['root.json', 'timestamp.json']);
    repo.files.clear();
    // This host cached it: the server lost it (RepositoryMissingOnServerError), it is not "not initialised".
    const cached = await cache.read(repo.gun, 'snapshot');
    for (const extra of [{ alwaysFetchRoot: true }, {}]) {
      await expect(refresh(repo.gun, opts(extra))).rejects.toMatchObject({
        name: 'RepositoryMissingOnServerError',
        message: expect.stringContaining(`has no trust data for ${repo.gun}, but this host trusted version 1 of it`),
      });
    }
    expect(await cache.read(repo.gun, 'snapshot')).toEqual(cached);
    await expect(refresh(repo.gun, opts({ cache: new TrustCache(path.join(dir, 'fresh')) }))).rejects.toBeInstanceOf(RepositoryNotInitialisedError);
  });

  it('walks at most maxRootRotations root versions in one update (32 by default)', async () => {
    await refresh(repo.gun, opts());
    for (let i = 0; i < 33; i++) await repo.rotateRootKey();
    repo.publish(['targets']);
    server.requests = [];
    await expect(refresh(repo.gun, opts())).rejects.toThrow(/root: version 34 is more than 32 rotations past the trusted version 1/);
    expect(server.requests.filter((r) => /^\d+\.root\.json$/.test(r))).toEqual([]);
    // within the limit, every version is walked
    const walked = await refresh(repo.gun, opts({ limits: { maxRootRotations: 40 } }));
    expect(walked.trusted.root.signed.version).toBe(34);
  });

  it('uses the time the update began for every expiry check in it (TUF 5.1)', async () => {
    // The timestamp expires 14 days after NOW; the clock moves past that while the update runs.
    let calls = 0;
    const clock = () => (calls++ === 0 ? NOW : new Date(NOW.getTime() + 30 * 86_400_000));
    const r = await refresh(repo.gun, opts({ clock }));
    expect(r.trusted.timestamp?.signed.version).toBe(1);
  });


  it('checks the cached root while the server answers the timestamp request, not before that request is on the wire', async () => {
    await refresh(repo.gun, opts());
    const events: string[] = [];
    // A connection that takes 5 ms to carry the request (a TLS handshake on loopback), then answers
    // at once. (The check waits at most 20 ms for it: the next test.)
    const slowWire: MetadataSource = {
      baseUrl: URL_,
      getMetadata: async (gun, role, maxBytes, hooks) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`${role} request sent`);
        hooks?.onSent?.();
        return server.getMetadata(gun, role, maxBytes);
      },
      getMetadataByChecksum: (gun, role, sha, maxBytes) => server.getMetadataByChecksum(gun, role, sha, maxBytes),
      getMetadataByVersion: (gun, role, version) => server.getMetadataByVersion(gun, role, version),
    };
    const read = cache.read.bind(cache);
    cache.read = async (gun, role) => {
      // The cached timestamp is read right after the root check (5.4's rollback floor).
      if (role === 'timestamp') events.push('root checked');
      return read(gun, role);
    };
    await refresh(repo.gun, opts({ client: slowWire }));
    expect(events).toEqual(['timestamp request sent', 'root checked']);
  });
  it('refuses a damaged cached root at once when the timestamp request never gets on the wire (a handshake that hangs)', async () => {
    await refresh(repo.gun, opts());
    await writeFile(cache.filePath(repo.gun, 'root'), '{"signed": {"_type": "Root"');
    let aborted = false;
    const hungHandshake: MetadataSource = {
      baseUrl: URL_,
      // Never sent, never answered, until the update gives up on it.
      getMetadata: (_gun, _role, _maxBytes, hooks) =>
        new Promise<Buffer>((_resolve, reject) =>
          hooks?.signal?.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          }),
        ),
      getMetadataByChecksum: (gun, role, sha, maxBytes) => server.getMetadataByChecksum(gun, role, sha, maxBytes),
      getMetadataByVersion: (gun, role, version) => server.getMetadataByVersion(gun, role, version),
    };
    const refused = await refresh(repo.gun, opts({ client: hungHandshake })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CachedRootError);
    expect(aborted).toBe(true);
    // Damaged on this host: restoring it is the first thing to try.
    expect((refused as CachedRootError).hint?.cli).toMatch(/^restore root\.json there from a backup of the trust directory, or forget the local trust data \(revoke example\.com\/app --local-only\)/);
  }, 5_000);

  it('refuses a root the cached root does not vouch for (repository re-created with new keys)', async () => {
    await refresh(repo.gun, opts());
    server.repo = await MemoryRepo.create(repo.gun, NOW);
    server.repo.publish([]);
    server.repo.publish([]); // timestamp v3: above the cached version
    // Named as what it is (a root the trusted one does not vouch for), never as a timestamp problem.
    await expect(refresh(repo.gun, opts())).rejects.toThrow(/could not rotate trust to a new trusted root: the server's root is version 1, as the one trusted so far, but not the same root/);
    expect(await cache.read(repo.gun, 'root')).toEqual(repo.file('root')); // the anchor is unchanged
  });

  it('rollback: refuses a server that replays an older timestamp, and keeps the cache', async () => {
    const old = repo.file('timestamp');
    repo.publish(['targets']);
    await refresh(repo.gun, opts());
    server.override.set('timestamp', old);
    await expect(refresh(repo.gun, opts())).rejects.toMatchObject({
      name: 'TrustDataRefusedError',
      kind: 'rollback',
      message: expect.stringMatching(/^trust data for example.com\/app from https:\/\/notary.test:4443 was refused: timestamp: version 1 is older/),
    });
    expect(await cache.read(repo.gun, 'timestamp')).toEqual(repo.file('timestamp'));
  });

  it('a refused update changes nothing in the cache, although the timestamp before the bad file verified', async () => {
    const alice = newEcdsaKey();
    repo.addDelegation('targets/alice', [alice]);
    repo.publish(['targets', 'targets/alice']);
    await refresh(repo.gun, opts());
    const before = await Promise.all(['timestamp', 'snapshot', 'targets', 'targets/alice'].map((r) => cache.read(repo.gun, r)));
    repo.addTarget('targets/alice', 'v9');
    repo.publish(['targets/alice']);
    server.override.set('targets/alice', Buffer.from(repo.file('targets/alice').toString().replace('"v9"', '"v8"')));
    await expect(refresh(repo.gun, opts())).rejects.toMatchObject({ kind: 'tampered' });
    const after = await Promise.all(['timestamp', 'snapshot', 'targets', 'targets/alice'].map((r) => cache.read(repo.gun, r)));
    expect(after).toEqual(before);
  });

  it('freeze: refuses an expired timestamp from the server', async () => {
    now = new Date(NOW.getTime() + 20 * DAY_MS);
    await expect(refresh(repo.gun, opts())).rejects.toMatchObject({ kind: 'expired' });
  });

  it('tampering: refuses a snapshot that does not match the timestamp, after retrying with a fresh root', async () => {
    server.override.set('snapshot', Buffer.from(repo.file('snapshot').toString().replace('"version":1', '"version":9')));
    await expect(refresh(repo.gun, opts())).rejects.toMatchObject({ kind: 'tampered' });
    expect(server.requests.filter((r) => r === 'root.json')).toHaveLength(2); // bootstrap + refresh before the retry
    expect(await cache.read(repo.gun, 'snapshot')).toBeUndefined();
  });

  it('fetches the delegations a trusted role declares at the same time, and still refuses one whose hash is not the snapshot\'s', async () => {
    const [alice, bob] = [newEcdsaKey(), newEcdsaKey()];
    repo.addDelegation('targets/releases', [alice, bob]);
    repo.addDelegation('targets/alice', [alice]);
    repo.addDelegation('targets/bob', [bob]);
    for (const role of ['targets/releases', 'targets/alice', 'targets/bob']) repo.addTarget(role, 'v1');
    repo.publish(['targets', 'targets/releases', 'targets/alice', 'targets/bob']);
    // alice's file, validly signed by alice and of the same length, but not the one the snapshot names (v1 re-pointed).
    const other = parseMetadata(repo.file('targets/alice'), 'targets/alice').signed.clone();
    other.addTarget('v1', imageMeta('v1-other'));
    server.override.set('targets/alice', Envelope.sign(other, [signerFromPrivateKey(alice)]).raw);
    server.delayMs = 20;

    await expect(refresh(repo.gun, opts())).rejects.toMatchObject({ kind: 'tampered', message: expect.stringContaining('targets/alice') });
    expect(server.maxInFlight).toBe(3);
    for (const role of ['timestamp', 'snapshot', 'targets', 'targets/releases', 'targets/alice', 'targets/bob']) {
      expect(await cache.read(repo.gun, role), role).toBeUndefined();
    }

    // The file the snapshot names: every delegation is trusted, in file order.
    server.override.clear();
    const fixed = await refresh(repo.gun, opts());
    expect([...fixed.trusted.delegations.keys()]).toEqual(['targets/releases', 'targets/alice', 'targets/bob']);
    expect(fixed.view.releasedTags()).toMatchObject([{ tag: 'v1', signers: ['alice', 'bob'] }]);
  });

  it('skips a below-threshold delegation with a warning and shows the rest', async () => {
    const [alice, bob] = [newEcdsaKey(), newEcdsaKey()];
    repo.addDelegation('targets/releases', [alice], { keys: [alice.publicKey, bob.publicKey], threshold: 2 });
    repo.addDelegation('targets/bob', [bob]);
    repo.addTarget('targets/releases', 'v1');
    repo.addTarget('targets', 'v0');
    repo.publish(['targets', 'targets/releases', 'targets/bob']);
    const warnings: string[] = [];
    const result = await refresh(repo.gun, opts({ onWarning: (w) => warnings.push(w) }));
    expect(warnings).toEqual([expect.stringMatching(/skipping targets\/releases: valid signatures did not meet threshold/)]);
    expect(result.warnings).toEqual(warnings);
    expect(result.view.releasedTags().map((t) => t.tag)).toEqual(['v0']);
    expect(await cache.read(repo.gun, 'targets/releases')).toBeUndefined();
  });

  it('offline: answers from the unexpired cache and says so; refuses an expired one', async () => {
    repo.addTarget('targets', 'v1');
    repo.publish(['targets']);
    await refresh(repo.gun, opts());
    server.down = true;
    const offline = await refresh(repo.gun, opts());
    expect(offline.offline).toBe(true);
    expect(offline.view.releasedTags().map((t) => t.tag)).toEqual(['v1']);
    expect(offline.warnings[0]).toMatch(/^cannot reach the trust server at https:\/\/notary.test:4443: ECONNREFUSED; showing the trust data cached/);

    now = new Date(NOW.getTime() + 15 * DAY_MS);
    await expect(refresh(repo.gun, opts())).rejects.toThrow(
      /^cannot reach the trust server at .*: ECONNREFUSED, and the cached trust data for example.com\/app cannot be used \(timestamp: expired/,
    );
  });

  it('offline: a cached delegation that no longer matches the snapshot is named as damaged, not as missing', async () => {
    const alice = newEcdsaKey();
    repo.addDelegation('targets/alice', [alice]);
    repo.addTarget('targets/alice', 'v1');
    repo.publish(['targets', 'targets/alice']);
    await refresh(repo.gun, opts());
    const file = cache.filePath(repo.gun, 'targets/alice');
    const bytes = await readFile(file);
    await writeFile(file, Buffer.concat([bytes, Buffer.from(' ')]));
    server.down = true;
    const offline = await refresh(repo.gun, opts());
    expect(offline.offline).toBe(true);
    expect(offline.warnings.join('\n')).toContain('the cached targets/alice.json does not match the hash the trusted snapshot names (damaged or tampered with)');
    expect(offline.warnings.join('\n')).not.toContain('is not in the local cache');
  });

  it('offline without any cache reports the server as unreachable', async () => {
    server.down = true;
    await expect(refresh(repo.gun, opts())).rejects.toThrow('cannot reach the trust server at https://notary.test:4443: ECONNREFUSED');
  });

  it('refuses a first root that the pins do not allow, and with TOFU disabled', async () => {
    await expect(refresh(repo.gun, opts({ trustPolicy: { tofu: true, pinnedCerts: ['00'.repeat(32)] } }))).rejects.toMatchObject({
      kind: 'pinning',
    });
    await expect(refresh(repo.gun, opts({ trustPolicy: { tofu: false } }))).rejects.toThrow(/trust on first use is disabled/);
    const pinned = await refresh(repo.gun, opts({ trustPolicy: { tofu: false, pinnedCerts: [repo.rootSigners[0]!.certKey.id] } }));
    expect(pinned.trusted.root.signed.version).toBe(1);
    expect(await cache.read(repo.gun, 'root')).toBeDefined();
  });

  it("a signing policy's root anchor: a first root it does not pin is refused with nothing cached; the pinned one needs no TOFU", async () => {
    const anchor = (keyIds: string[]) => ({ tofu: false, rootAnchor: { keyIds, source: 'trust-policy.yaml' } });
    await expect(refresh(repo.gun, opts({ trustPolicy: anchor(['ab'.repeat(32)]) }))).rejects.toThrow(
      /the root of example\.com\/app is not signed by the root key trust-policy\.yaml pins \(pinned: abababa\); nothing from it was used or cached/,
    );
    expect(await cache.read(repo.gun, 'root')).toBeUndefined();
    // The canonical ID (the public key inside the certificate), as policy init writes it.
    const canonical = repo.rootSigners[0]!.privateKey.publicKey.canonicalId;
    const pinned = await refresh(repo.gun, opts({ trustPolicy: anchor([canonical]) }));
    expect(pinned.trusted.root.signed.version).toBe(1);
    expect(await cache.read(repo.gun, 'root')).toBeDefined();
  });

  it('rememberPublished caches what we uploaded so the next refresh downloads only the timestamp', async () => {
    await refresh(repo.gun, opts());
    repo.addTarget('targets', 'v2');
    repo.publish(['targets']);
    await rememberPublished(
      repo.gun,
      [
        { role: 'targets', bytes: repo.file('targets') },
        { role: 'snapshot', bytes: repo.file('snapshot') },
        { role: 'root', bytes: Buffer.from('not trusted by our word') },
      ],
      cache,
    );
    expect(await cache.read(repo.gun, 'root')).toEqual(repo.file('root'));
    server.requests = [];
    const result = await refresh(repo.gun, opts());
    expect(server.requests).toEqual(['timestamp.json']);
    expect(result.view.releasedTags().map((t) => t.tag)).toEqual(['v2']);
  });

  it('forgets cached delegations the snapshot no longer lists (so a re-created one is not a rollback)', async () => {
    const alice = newEcdsaKey();
    repo.addDelegation('targets/alice', [alice]);
    repo.publish(['targets', 'targets/alice']);
    await refresh(repo.gun, opts());
    expect(await cache.read(repo.gun, 'targets/alice')).toBeDefined();
    repo.targets.removeDelegation('targets/alice');
    repo.files.delete('targets/alice');
    repo.publish(['targets']);
    await refresh(repo.gun, opts());
    expect(await cache.read(repo.gun, 'targets/alice')).toBeUndefined();
  });

  it('a cached timestamp or snapshot that is the very file the server sends is still verified: signed by a key root does not list, it is refused', async () => {
    repo.addTarget('targets', 'v1');
    repo.publish(['targets']);
    await refresh(repo.gun, opts());
    const snapshotKey = repo.snapshotKey;
    // A snapshot signed by another key, named by a timestamp of the right key, cached as the server has it.
    repo.snapshotKey = newEd25519Key();
    repo.publish(['targets']);
    for (const role of ['targets', 'snapshot', 'timestamp']) await cache.write(repo.gun, role, repo.file(role));
    await expect(refresh(repo.gun, opts())).rejects.toThrow(/valid signatures did not meet threshold for snapshot/);
    // A timestamp signed by another key, cached as the server has it.
    repo.snapshotKey = snapshotKey;
    repo.publish(['targets']);
    const timestampKey = repo.timestampKey;
    repo.timestampKey = newEd25519Key();
    repo.signTimestamp();
    repo.timestampKey = timestampKey;
    for (const role of ['targets', 'snapshot', 'timestamp']) await cache.write(repo.gun, role, repo.file(role));
    await expect(refresh(repo.gun, opts())).rejects.toThrow(/valid signatures did not meet threshold for timestamp/);
    // Signed again with the right keys, the same repository reads (the refusals were the signatures').
    repo.signSnapshotAndTimestamp();
    const result = await refresh(repo.gun, opts());
    expect(result.view.releasedTags().map((t) => t.tag)).toEqual(['v1']);
  });

  it('a wrong-role signature on the timestamp is refused even after the root refresh', async () => {
    const forged = Envelope.sign(
      (await import('../../src/tuf/metadata/index.js')).Timestamp.fromSnapshot(repo.file('snapshot'), repo.expiresIn(14), 7),
      [signerFromPrivateKey(repo.targetsKey)],
    ).raw;
    server.override.set('timestamp', forged);
    await expect(refresh(repo.gun, opts())).rejects.toThrow(/valid signatures did not meet threshold for timestamp/);
  });
});
