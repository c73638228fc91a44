import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/notary/api-errors.js';
import { TrustService } from '../../src/server/service.js';
import { Keyring } from '../../src/server/signer.js';
import { SqliteStorage } from '../../src/server/stores/sqlite.js';
import { PublicKey } from '../../src/tuf/key.js';
import { parseMetadata } from '../../src/tuf/metadata/parse.js';
import { GoTime } from '../../src/tuf/time.js';
import { TestRepo } from './repo-fixture.js';

const GUN = 'example.com/app';
const DAY = 86_400;

/** A service over an in-memory store whose clock the test moves. */
function setup() {
  const storage = SqliteStorage.open({ file: ':memory:' });
  let now = GoTime.now();
  const service = new TrustService({ storage, keyring: new Keyring('passphrase'), clock: () => now });
  return {
    service,
    storage,
    advanceDays: (days: number) => (now = now.plusSeconds(days * DAY)),
    upload: (files: { role: string; data: Buffer }[]) =>
      service.update(
        GUN,
        files.map((f) => ({ ...f, version: (JSON.parse(f.data.toString()) as { signed: { version: number } }).signed.version })),
      ),
  };
}

async function version(service: TrustService, role: string): Promise<number> {
  const file = await service.currentMetadata(GUN, role);
  return parseMetadata(file!.data, role).signed.version;
}

describe('TrustService', () => {
  it('renews an expired timestamp on read, once (14 days, as notary)', async () => {
    const { service, storage, advanceDays, upload } = setup();
    const repo = await TestRepo.create(GUN, PublicKey.fromJSON(await service.serverKey(GUN, 'timestamp')));
    await upload(repo.firstPublish());
    expect(await version(service, 'timestamp')).toBe(1);

    advanceDays(13);
    expect(await version(service, 'timestamp')).toBe(1);
    advanceDays(2);
    expect(await version(service, 'timestamp')).toBe(2);
    expect(await version(service, 'timestamp')).toBe(2); // no new version per read
    const renewed = parseMetadata((await service.currentMetadata(GUN, 'timestamp'))!.data, 'timestamp');
    expect(renewed.signed.isExpired(GoTime.now().plusSeconds(15 * DAY + 13 * DAY))).toBe(false);
    expect(renewed.signed.snapshotMeta.hex('sha256')).toBe((await storage.getCurrent(GUN, 'snapshot'))?.sha256);
    await storage.close();
  });

  it('re-signs an expired snapshot on read when it holds the snapshot key', async () => {
    const { service, storage, advanceDays, upload } = setup();
    const tsKey = PublicKey.fromJSON(await service.serverKey(GUN, 'timestamp'));
    const snapKey = PublicKey.fromJSON(await service.serverKey(GUN, 'snapshot'));
    const repo = await TestRepo.create(GUN, tsKey, snapKey);
    await upload(repo.firstPublish().filter((f) => f.role !== 'snapshot'));
    expect(await version(service, 'snapshot')).toBe(1);

    advanceDays(3 * 365 + 1);
    expect(await version(service, 'snapshot')).toBe(2);
    const timestamp = parseMetadata((await service.currentMetadata(GUN, 'timestamp'))!.data, 'timestamp');
    expect(timestamp.signed.snapshotMeta.hex('sha256')).toBe((await storage.getCurrent(GUN, 'snapshot'))?.sha256);
    await storage.close();
  });

  it('leaves an expired client-made snapshot alone and renews the timestamp only once', async () => {
    const { service, storage, advanceDays, upload } = setup();
    const repo = await TestRepo.create(GUN, PublicKey.fromJSON(await service.serverKey(GUN, 'timestamp')));
    await upload(repo.firstPublish());
    advanceDays(3 * 365 + 1);
    expect(await version(service, 'snapshot')).toBe(2); // the client's, not re-signed
    expect(await version(service, 'timestamp')).toBe(2);
    for (let i = 0; i < 3; i++) expect(await version(service, 'timestamp')).toBe(2);
    await storage.close();
  });

  it('maps storage version conflicts to VERSION', async () => {
    const { service, storage, upload } = setup();
    const repo = await TestRepo.create(GUN, PublicKey.fromJSON(await service.serverKey(GUN, 'timestamp')));
    const files = repo.firstPublish();
    await upload(files);
    await expect(upload(files)).rejects.toSatisfy((e) => e instanceof ApiError && e.code === 'VERSION');
    await storage.close();
  });

  it('hands out one pending key to concurrent first calls', async () => {
    const { service, storage } = setup();
    const keys = await Promise.all(Array.from({ length: 5 }, () => service.serverKey('example.com/new', 'timestamp')));
    expect(new Set(keys.map((k) => k.keyval.public)).size).toBe(1);
    expect(await storage.listKeys('example.com/new', 'timestamp')).toHaveLength(1);
    await storage.close();
  });

  it('stores server keys encrypted and reads them back with the passphrase only', async () => {
    const { service, storage } = setup();
    await service.serverKey(GUN, 'timestamp');
    const [record] = await storage.listKeys(GUN, 'timestamp');
    expect(record?.encryptedPrivateKey).toMatch(/^-----BEGIN TRUST-TUI WRAPPED KEY-----/);
    await expect(new Keyring('wrong passphrase').privateKey(record!)).rejects.toThrow();
    expect((await new Keyring('passphrase').privateKey(record!)).id).toBe(record?.keyId);
    await storage.close();
  });
});
