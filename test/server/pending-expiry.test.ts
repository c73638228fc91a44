// Past-deadline requests in the pending area: still listed (clients report them as expired), no
// longer blocking a new request on the same base nor counting toward the cap, and deleted a day later.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PendingArea } from '../../src/server/pending.js';
import { SqliteStorage } from '../../src/server/stores/sqlite.js';
import { signedDigest } from '../../src/tuf/verification.js';

const GUN = 'example.com/app';
const HOUR = 3600_000;
const BASE = { version: 1, sha256: createHash('sha256').update('releases-1').digest('hex') };

function documentOf(id: string, deadline: Date): Buffer {
  const signed = { _type: 'Targets', version: 2, expires: '2030-01-01T00:00:00Z', targets: {}, delegations: { keys: {}, roles: [] } };
  return Buffer.from(
    JSON.stringify({
      type: 'trust-tui/signing-request',
      version: 1,
      id,
      gun: GUN,
      created: '2026-01-01T00:00:00Z',
      deadline: deadline.toISOString(),
      note: '',
      roles: [{ role: 'targets/releases', base: BASE, signed, signedDigest: signedDigest(signed), threshold: 2, keyids: [], signatures: [] }],
    }),
  );
}

describe('PendingArea deadlines', () => {
  let storage: SqliteStorage;
  let now: Date;
  let area: PendingArea;

  beforeEach(async () => {
    storage = SqliteStorage.open({ file: ':memory:' });
    // Only the existence of the repository and the releases file (the requests' base) matter here.
    await storage.transaction((tx) =>
      tx.putMetadata(GUN, [
        { role: 'root', version: 1, data: Buffer.from('root') },
        { role: 'targets/releases', version: 1, data: Buffer.from('releases-1') },
      ]),
    );
    now = new Date('2026-06-01T12:00:00Z');
    area = new PendingArea({ storage, limits: { maxOpenRequests: 1 }, clock: () => now });
  });
  afterEach(() => storage.close());

  const ids = async () => ((await area.list(GUN)) as { id: string }[]).map((r) => r.id);

  it('an expired request is listed, blocks nothing, counts toward no cap, and is deleted a day later', async () => {
    await area.stage(GUN, documentOf('aaaa0001', new Date(now.getTime() + HOUR)));
    // Open and on the same roles and base: refused; over the cap of 1 as well.
    await expect(area.stage(GUN, documentOf('bbbb0002', new Date(now.getTime() + 2 * HOUR)))).rejects.toMatchObject({ code: 'REQUEST_CONFLICT' });

    now = new Date(now.getTime() + 2 * HOUR); // aaaa0001 is past its deadline
    await area.stage(GUN, documentOf('bbbb0002', new Date(now.getTime() + 2 * HOUR)));
    expect(await ids()).toEqual(['aaaa0001', 'bbbb0002']);

    now = new Date(now.getTime() + 26 * HOUR); // both past their deadline, aaaa0001 for over a day
    await area.stage(GUN, documentOf('cccc0003', new Date(now.getTime() + HOUR)));
    expect(await ids()).toEqual(['bbbb0002', 'cccc0003']);
    // cccc0003 is open: it blocks as aaaa0001 did.
    await expect(area.stage(GUN, documentOf('dddd0004', new Date(now.getTime() + HOUR)))).rejects.toMatchObject({ code: 'REQUEST_CONFLICT' });
  });
});
