/**
 * Every metadata file the real notary 0.7 client and server write — root (also after a root key
 * rotation), targets, delegations (also after the last one is removed: `"roles":null`), snapshot made
 * by the client and by the server, timestamp — parses, verifies against its signing role and
 * re-serialises to the same bytes.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetadata, type Envelope, type Root, type Targets } from '../../src/tuf/metadata/index.js';
import { verifyRoleSignatures } from '../../src/tuf/threshold.js';
import { httpRequest, makeScratchDir, notaryCli, runCommand, startNotaryServer, stopAllPeers, type NotaryServer } from '../helpers/peers.js';
import { ok } from '../helpers/expect.js';

afterAll(stopAllPeers);


async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesBelow(p)));
    else if (e.name.endsWith('.json')) out.push(p);
  }
  return out;
}

describe('metadata written by notary 0.7 round-trips byte for byte', () => {
  let server: NotaryServer;
  const gun = 'example.com/roundtrip';
  const seen = new Map<string, Buffer>();

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'remote' });
    const trustDir = await makeScratchDir('roundtrip-trust');
    const notary = notaryCli(trustDir, server.url, server.caFile);
    const w = notary.workDir;
    await writeFile(path.join(w, 'a.txt'), 'hello <&> world\n');
    await runCommand('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'd.key', '-out', 'd.crt', '-days', '30', '-subj', '/CN=d'], { cwd: w });
    ok(await notary(['init', gun, '-p']));
    ok(await notary(['add', gun, 'plain', 'a.txt', '-p']));
    ok(await notary(['key', 'import', 'd.key', '-r', 'targets/releases']));
    ok(await notary(['delegation', 'add', gun, 'targets/releases', 'd.crt', '--all-paths', '-p']));
    ok(await notary(['delegation', 'add', gun, 'targets/qa', 'd.crt', '--paths', 'qa/', '-p']));
    ok(await notary(['add', gun, 'v1&<x>', 'a.txt', '-r', 'targets/releases', '-p']));
    // Server-managed snapshot from here on, then a root key rotation (old certificate stays in keys).
    ok(await notary(['key', 'rotate', gun, 'snapshot', '-r']));
    ok(await notary(['add', gun, 'qa/one', 'a.txt', '-r', 'targets/qa', '-p']));
    ok(await notary(['key', 'rotate', gun, 'root'], { input: 'yes\n' }));
    ok(await notary(['delegation', 'remove', gun, 'targets/qa', '-y', '-p']));
    ok(await notary(['list', gun]));
    // The last delegation removed: Go then writes `"roles":null`.
    ok(await notary(['init', `${gun}-nulls`, '-p']));
    ok(await notary(['delegation', 'add', `${gun}-nulls`, 'targets/releases', 'd.crt', '--all-paths', '-p']));
    ok(await notary(['delegation', 'remove', `${gun}-nulls`, 'targets/releases', '-y', '-p']));
    ok(await notary(['list', `${gun}-nulls`]));
    seen.set('nulls:targets', await readFile(path.join(trustDir, 'tuf', `${gun}-nulls`, 'metadata', 'targets.json')));
    for (const file of await filesBelow(path.join(trustDir, 'tuf', gun, 'metadata'))) {
      const role = path.relative(path.join(trustDir, 'tuf', gun, 'metadata'), file).replace(/\.json$/, '');
      seen.set(`cache:${role}`, await readFile(file));
    }
    // Every root version the server keeps, as served.
    for (let v = 1; ; v++) {
      const r = await httpRequest(`${server.url}/v2/${gun}/_trust/tuf/${v}.root.json`, { caFile: server.caFile });
      if (r.status !== 200) break;
      seen.set(`server:${v}.root`, r.body);
    }
  });

  it('covers every role, nulls and rotations', () => {
    const names = [...seen.keys()];
    expect(names).toEqual(expect.arrayContaining(['cache:root', 'cache:targets', 'cache:snapshot', 'cache:timestamp', 'cache:targets/releases', 'server:1.root', 'server:2.root', 'server:3.root']));
    expect(seen.get('cache:targets')!.toString()).toContain('"roles":[{'); // releases remains
    expect(seen.get('nulls:targets')!.toString()).toContain('"roles":null');
  });

  it('parses and re-serialises every file to identical bytes', () => {
    for (const [name, bytes] of seen) {
      const role = name.split(':')[1]!.replace(/^\d+\./, '');
      const envelope = parseMetadata(bytes, role);
      expect(envelope.toBytes().equals(bytes), `${name} re-serialised differently`).toBe(true);
    }
  });

  it('verifies each file with the keys its role names, and rejects any changed byte', () => {
    const root = parseMetadata(seen.get('cache:root')!, 'root') as Envelope<Root>;
    const targets = parseMetadata(seen.get('cache:targets')!, 'targets') as Envelope<Targets>;
    const check = (role: string, envelope: Envelope, keyids: readonly string[], threshold: number, keys: ReadonlyMap<string, import('../../src/tuf/key.js').PublicKey>) =>
      verifyRoleSignatures(role, envelope.signedCanonicalBytes(), envelope.signatures, { keyids: [...keyids], threshold }, keys);
    for (const base of ['root', 'targets', 'snapshot', 'timestamp'] as const) {
      const env = base === 'root' ? root : parseMetadata(seen.get(`cache:${base}`)!, base);
      check(base, env, root.signed.role(base).keyIds, root.signed.role(base).threshold, root.signed.keys);
    }
    const releases = targets.signed.getDelegation('targets/releases')!;
    const relEnv = parseMetadata(seen.get('cache:targets/releases')!, 'targets/releases');
    check('targets/releases', relEnv, releases.keyIds, releases.threshold, targets.signed.delegationKeys);
    // Root v3 is signed by the old (v2) and the new root keys: the chain a client follows.
    const v2 = parseMetadata(seen.get('server:2.root')!, 'root') as Envelope<Root>;
    const v3 = parseMetadata(seen.get('server:3.root')!, 'root') as Envelope<Root>;
    check('root', v3, v2.signed.role('root').keyIds, v2.signed.role('root').threshold, v3.signed.keys);

    // Tampering any signed byte breaks verification (a few positions inside `signed`).
    const bytes = seen.get('cache:targets/releases')!;
    const signedEnd = bytes.indexOf(',"signatures":');
    for (const at of [12, Math.floor(signedEnd / 2), signedEnd - 3]) {
      const tampered = Buffer.from(bytes);
      tampered[at] = tampered[at] === 0x61 ? 0x62 : 0x61;
      let env: Envelope;
      try {
        env = parseMetadata(tampered, 'targets/releases');
      } catch {
        continue; // no longer parses: refused all the same
      }
      expect(() => check('targets/releases', env, releases.keyIds, releases.threshold, targets.signed.delegationKeys)).toThrow(/threshold/);
    }
  });
});
