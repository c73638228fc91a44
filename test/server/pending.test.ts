// The pending area of `trust-tui server` over HTTPS: who may use it (htpasswd: push users only),
// junk signatures refused, one open request per roles and base, the size and count limits, and the
// TUF files served byte for byte the same while requests are staged and signed.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { canonicalBytes } from '../../src/tuf/canonical.js';
import { defaultExpires } from '../../src/tuf/expiry.js';
import { Envelope, signerFromPrivateKey } from '../../src/tuf/metadata/envelope.js';
import { FileMeta } from '../../src/tuf/metadata/filemeta.js';
import type { Targets } from '../../src/tuf/metadata/targets.js';
import type { PrivateKey } from '../../src/tuf/private-key.js';
import { signedDigest } from '../../src/tuf/verification.js';
import { TestRepo } from './repo-fixture.js';
import { errorOf, startTestServer, type TestServer } from './server-harness.js';

const GUN = 'example.com/team/pending';
const REQUESTS = `/v2/${GUN}/_trust/requests/`;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const ALICE = basic('alice', 'alice-pass');
const READER = basic('reader', 'reader-pass');
const json = (headers: Record<string, string> = ALICE) => ({ ...headers, 'content-type': 'application/json' });

function signatureOf(key: PrivateKey, signed: unknown) {
  const signer = signerFromPrivateKey(key);
  return { keyid: signer.keyId, method: signer.method, sig: Buffer.from(signer.sign(canonicalBytes(signed))).toString('base64') };
}

describe('the pending area of trust-tui server', () => {
  let server: TestServer;
  let repo: TestRepo;
  let dir: string;
  let releasesKeys: PrivateKey[];
  /** The stored bytes of each role, as published. */
  const stored = new Map<string, Buffer>();

  /** A request changing `role` (its next version with one more tag), signed by `signers`. */
  const requestFor = (id: string, roles: { role: string; model: Targets; signers: PrivateKey[] }[], extra: Record<string, unknown> = {}) => ({
    type: 'trust-tui/signing-request',
    version: 1,
    id,
    gun: GUN,
    created: new Date().toISOString(),
    deadline: new Date(Date.now() + 3600_000).toISOString(),
    note: 'test',
    roles: roles.map(({ role, model, signers }) => {
      const base = stored.get(role)!;
      const next = model.clone().setVersion(model.version + 1);
      next.addTarget(`tag-${id}`, FileMeta.fromBytes(Buffer.from(id)));
      const signed = next.toJSON();
      return { role, base: { version: model.version, sha256: sha256(base) }, signed, signedDigest: signedDigest(signed), threshold: 2, keyids: [], signatures: signers.map((k) => signatureOf(k, signed)) };
    }),
    ...extra,
  });
  const releases = () => repo.delegations.get('targets/releases')!;
  const rawTufFiles = async () => {
    const out: Record<string, string> = {};
    for (const role of ['root', 'targets', 'snapshot', 'timestamp', 'targets/releases']) {
      const res = await server.request('GET', `/v2/${GUN}/_trust/tuf/${role}.json`, { headers: READER });
      expect(res.status).toBe(200);
      out[role] = sha256(res.body);
    }
    return out;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-pending-'));
    const readWrite = path.join(dir, 'htpasswd');
    const readOnly = path.join(dir, 'htpasswd-read');
    writeFileSync(readWrite, `alice:${bcrypt.hashSync('alice-pass', 4)}\n`);
    writeFileSync(readOnly, `reader:${bcrypt.hashSync('reader-pass', 4)}\n`);
    server = await startTestServer({ htpasswd: readWrite, htpasswdReadOnly: readOnly, maxRequestBytes: 32 * 1024, maxOpenRequests: 2 });
    repo = await TestRepo.create(GUN, await server.timestampKey(GUN).catch(async () => {
      // The key route needs push: fetch it as alice.
      const res = await server.request('GET', `/v2/${GUN}/_trust/tuf/timestamp.key`, { headers: ALICE });
      const { PublicKey } = await import('../../src/tuf/key.js');
      return PublicKey.fromJSON(res.json());
    }));
    // targets/releases: 2 of 2 keys.
    const first = await repo.addDelegation('targets/releases');
    const second = await generatePrivateKey('ecdsa');
    repo.targets.updateDelegation('targets/releases', { addKeys: [second.publicKey], threshold: 2 });
    releasesKeys = [first, second];
    const files = repo.firstPublish();
    releases().setVersion(1).setExpires(defaultExpires('targets'));
    const releasesBytes = Envelope.sign(releases(), releasesKeys.map((k) => signerFromPrivateKey(k))).raw;
    const [root, targets] = [files[0]!.data, files[1]!.data];
    repo.snapshotVersion = 0;
    const snapshot = repo.signSnapshot({ root, targets, 'targets/releases': releasesBytes });
    const upload = [files[0]!, files[1]!, { role: 'targets/releases', data: releasesBytes }, { role: 'snapshot', data: snapshot }];
    const res = await server.publish(GUN, upload, ALICE);
    expect(res.status, res.text()).toBe(200);
    for (const f of upload) stored.set(f.role, f.data);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('needs push: anonymous clients are challenged, read-only users refused, push users served', async () => {
    const anonymous = await server.request('GET', REQUESTS);
    expect([anonymous.status, errorOf(anonymous).code, anonymous.headers['www-authenticate']]).toEqual([401, 'UNAUTHORIZED', 'Basic realm="trust-tui"']);
    const reader = await server.request('GET', REQUESTS, { headers: READER });
    expect([reader.status, errorOf(reader).code]).toEqual([403, 'DENIED']);
    const staged = await server.request('POST', REQUESTS, { headers: json(READER), body: JSON.stringify(requestFor('aaaa0001', [{ role: 'targets/releases', model: releases(), signers: [releasesKeys[0]!] }])) });
    expect(staged.status).toBe(403);
    const alice = await server.request('GET', REQUESTS, { headers: ALICE });
    expect([alice.status, alice.json()]).toEqual([200, { requests: [] }]);
  });

  it('stages a request, appends a valid signature, refuses junk, and never changes the TUF files', async () => {
    const before = await rawTufFiles();
    const rowsBefore = server.dump();
    const doc = requestFor('aaaa0001', [{ role: 'targets/releases', model: releases(), signers: [releasesKeys[0]!] }]);
    const staged = await server.request('POST', REQUESTS, { headers: json(), body: JSON.stringify(doc) });
    expect(staged.status, staged.text()).toBe(201);
    expect((await server.request('GET', `${REQUESTS}aaaa0001`, { headers: ALICE })).json()).toMatchObject({ id: 'aaaa0001', roles: [{ signatures: [{ keyid: releasesKeys[0]!.publicKey.id }] }] });

    const signed = doc.roles[0]!.signed;
    // Junk: a signature that does not verify, and one by a key that is not a releases key.
    const good = signatureOf(releasesKeys[1]!, signed);
    const forged = { role: 'targets/releases', ...good, sig: Buffer.from('not a signature').toString('base64') };
    const junk = await server.request('POST', `${REQUESTS}aaaa0001/signatures`, { headers: json(), body: JSON.stringify({ signatures: [forged] }) });
    expect([junk.status, errorOf(junk).code]).toEqual([400, 'REQUEST_INVALID']);
    expect(String(errorOf(junk).detail)).toMatch(/signature by key [0-9a-f]{64} on targets\/releases of request aaaa0001 was refused: signature does not verify/);
    const stranger = await generatePrivateKey('ecdsa');
    const foreign = await server.request('POST', `${REQUESTS}aaaa0001/signatures`, { headers: json(), body: JSON.stringify({ signatures: [{ role: 'targets/releases', ...signatureOf(stranger, signed) }] }) });
    expect([foreign.status, String(errorOf(foreign).detail)]).toEqual([400, expect.stringMatching(/not a key of the role/)]);
    // A staged request whose own signature is junk is refused as a whole.
    const bad = requestFor('aaaa0009', [{ role: 'targets/releases', model: releases(), signers: [stranger] }]);
    expect((await server.request('POST', REQUESTS, { headers: json(), body: JSON.stringify(bad) })).status).toBe(400);

    const appended = await server.request('POST', `${REQUESTS}aaaa0001/signatures`, { headers: json(), body: JSON.stringify({ signatures: [{ role: 'targets/releases', ...good }] }) });
    expect(appended.status, appended.text()).toBe(200);
    expect((appended.json() as { roles: { signatures: unknown[] }[] }).roles[0]!.signatures).toHaveLength(2);

    // Stock clients read exactly what they read before: no byte of a TUF file and no stored version changed.
    expect(await rawTufFiles()).toEqual(before);
    expect(server.dump()).toEqual(rowsBefore);
    expect((await server.request('GET', `/v2/${GUN}/_trust/tuf/2.targets/releases.json`, { headers: READER })).status).toBe(404);
  });

  it('refuses a second open request on the same roles and base, naming the first', async () => {
    const second = requestFor('bbbb0002', [{ role: 'targets/releases', model: releases(), signers: [releasesKeys[1]!] }]);
    const res = await server.request('POST', REQUESTS, { headers: json(), body: JSON.stringify(second) });
    expect([res.status, errorOf(res).code]).toEqual([409, 'REQUEST_CONFLICT']);
    expect(String(errorOf(res).detail)).toMatch(/request aaaa0001 is already open for targets\/releases on the same base/);
  });

  it('enforces the size limit (413) and the open requests per repository (429), saying the limit', async () => {
    const big = requestFor('cccc0003', [{ role: 'targets', model: repo.targets, signers: [] }], { note: 'x'.repeat(40 * 1024) });
    const tooLarge = await server.request('POST', REQUESTS, { headers: json(), body: JSON.stringify(big) });
    expect([tooLarge.status, errorOf(tooLarge).code, String(errorOf(tooLarge).detail)]).toEqual([413, 'REQUEST_TOO_LARGE', expect.stringContaining('limit of 32768 bytes')]);

    const other = requestFor('cccc0004', [{ role: 'targets', model: repo.targets, signers: [repo.targetsKey] }]);
    expect((await server.request('POST', REQUESTS, { headers: json(), body: JSON.stringify(other) })).status).toBe(201);
    const third = requestFor('cccc0005', [{ role: 'targets', model: repo.targets, signers: [] }, { role: 'targets/releases', model: releases(), signers: [] }]);
    const capped = await server.request('POST', REQUESTS, { headers: json(), body: JSON.stringify(third) });
    expect([capped.status, errorOf(capped).code, String(errorOf(capped).detail)]).toEqual([429, 'TOO_MANY_REQUESTS', expect.stringContaining('already has 2 open signing requests')]);
  });

  it('cancels with push only; a cancelled request is gone', async () => {
    expect((await server.request('DELETE', `${REQUESTS}cccc0004`, { headers: READER })).status).toBe(403);
    expect((await server.request('DELETE', `${REQUESTS}cccc0004`, { headers: ALICE })).status).toBe(200);
    const gone = await server.request('GET', `${REQUESTS}cccc0004`, { headers: ALICE });
    expect([gone.status, errorOf(gone).code]).toEqual([404, 'REQUEST_NOT_FOUND']);
    expect(((await server.request('GET', REQUESTS, { headers: ALICE })).json() as { requests: { id: string }[] }).requests.map((r) => r.id)).toEqual(['aaaa0001']);
  });
});
