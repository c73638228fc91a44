// Registry token auth end to end: the real notary 0.7 CLI and docker CLI follow trust-tui server's
// Bearer challenge to a test token service (test/helpers/token-issuer.ts), fetch a JWT with their
// credentials and publish with it. Bad tokens (other repository, expired, unknown signer, no push,
// wrong aud/iss) are refused and change nothing on the server.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { dockerCli, makePki, makeScratchDir, notaryCli, startRegistry, stopAllPeers, type NotaryRunner, type PkiFiles } from '../helpers/peers.js';
import { makeTokenKeys, mintToken, startTokenIssuer, type Tampering, type TokenIssuer, type TokenKeys } from '../helpers/token-issuer.js';
import { trustTui } from '../helpers/trust-tui.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

const ISSUER = 'test-token-issuer';
const SERVICE = 'trust-tui.test';
// A non-loopback registry name: docker looks up credentials by it (the image's registry host).
const NOTARY_GUN = 'registry.example.com/team/notary-app';
const DOCKER_GUN = 'registry.example.com/team/docker-app';
const OTHER_GUN = 'registry.example.com/team/other';
const TT_GUN = 'registry.example.com/team/tt-app';
const ALICE = { user: 'alice', password: 'alice-token-pass' };

describe('token auth with the real notary and docker CLIs', () => {
  let dir: string;
  let pki: PkiFiles;
  let keys: TokenKeys;
  let issuer: TokenIssuer;
  let server: TestServer;
  let notary: NotaryRunner;
  let manifest: string;

  /** A token straight from the keys, for raw requests. */
  const readToken = (gun: string) => mintToken({ signer: keys.x5c, issuer: ISSUER, audience: SERVICE, access: [{ name: gun, actions: ['pull'] }] });
  const get = async (urlPath: string, token?: string) =>
    httpRequest(server.url + urlPath, { caFile: pki.caCert, headers: token ? { authorization: `Bearer ${token}` } : {} });

  /** Every TUF file of `gun` the server serves, and its changefeed, byte for byte. */
  async function snapshotOf(gun: string): Promise<Map<string, string>> {
    const token = await readToken(gun);
    const files = new Map<string, string>();
    const roles = ['root', 'targets', 'snapshot', 'timestamp', 'targets/releases', 'targets/alice'];
    for (const role of roles) {
      const res = await get(`/v2/${gun}/_trust/tuf/${role}.json`, token);
      files.set(role, `${res.status} ${res.body.toString('base64')}`);
    }
    for (let v = 1; v <= 3; v++) files.set(`${v}.root`, String((await get(`/v2/${gun}/_trust/tuf/${v}.root.json`, token)).status));
    const feed = await get(`/v2/${gun}/_trust/changefeed?change_id=0&records=100`, token);
    files.set('changefeed', `${feed.status} ${feed.text()}`);
    expect(files.get('root')).toMatch(/^200 /);
    return files;
  }

  beforeAll(async () => {
    dir = await makeScratchDir('token-auth-interop');
    pki = await makePki(path.join(dir, 'pki'));
    keys = await makeTokenKeys(dir);
    issuer = await startTokenIssuer({
      keys,
      header: 'x5c',
      issuer: ISSUER,
      service: SERVICE,
      users: { [ALICE.user]: { password: ALICE.password, grants: { [NOTARY_GUN]: ['pull', 'push'], [DOCKER_GUN]: ['pull', 'push'], [TT_GUN]: ['pull', 'push'] } } },
      tlsCert: pki.serverCert,
      tlsKey: pki.serverKey,
    });
    server = await startTestServer({
      tlsCert: pki.serverCert,
      tlsKey: pki.serverKey,
      token: { realm: issuer.realm, service: SERVICE, issuer: ISSUER, rootCertBundle: keys.bundleFile },
    });
    notary = notaryCli(path.join(dir, 'notary-trust'), server.url, pki.caCert);
    manifest = path.join(dir, 'manifest.json');
    writeFileSync(manifest, '{"fake":"manifest"}\n');
  });
  afterAll(async () => {
    await server?.stop();
    await issuer?.stop();
    await stopAllPeers();
  });

  const notaryAuth = { NOTARY_AUTH: Buffer.from(`${ALICE.user}:${ALICE.password}`).toString('base64') };

  it('notary publishes with a token fetched with NOTARY_AUTH; without credentials the publish is refused', async () => {
    // Without NOTARY_AUTH, notary asks for a username on the Bearer challenge; stdin is empty.
    const anonymous = await notary(['init', NOTARY_GUN, '-p']);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stdout).toContain('Enter username');
    expect((await get(`/v2/${NOTARY_GUN}/_trust/tuf/root.json`, await readToken(NOTARY_GUN))).status).toBe(404);

    const init = await notary(['init', NOTARY_GUN, '-p'], { env: notaryAuth });
    expect(init.code, init.stderr).toBe(0);
    // The next publish with tokens that name their key by kid instead of carrying the x5c chain.
    issuer.tamper({ header: 'kid' });
    const issuedBefore = issuer.requests.length;
    const add = await notary(['add', NOTARY_GUN, 'v1', manifest, '-p'], { env: notaryAuth }).finally(() => issuer.tamper({}));
    expect(add.code, add.stderr).toBe(0);
    const kidToken = issuer.requests.slice(issuedBefore).find((r) => r.token)!.token!;
    expect(JSON.parse(Buffer.from(kidToken.split('.')[0]!, 'base64url').toString())).toMatchObject({ kid: expect.stringMatching(/^[A-Z2-7]{4}(:[A-Z2-7]{4}){11}$/) });
    // The token service saw alice ask for push and pull on the GUN, as notary-server's scopes name it.
    expect(issuer.requests.some((r) => r.account === 'alice' && r.status === 200 && r.scopes.some((s) => s.startsWith(`repository:${NOTARY_GUN}:`) && s.includes('push')))).toBe(true);
    expect(server.logs.some((l) => l.includes(` alice "POST /v2/${NOTARY_GUN}/_trust/tuf/" 200 `))).toBe(true);

    const listed = await get(`/v2/${NOTARY_GUN}/_trust/tuf/targets.json`, await readToken(NOTARY_GUN));
    expect(listed.status).toBe(200);
    expect(listed.text()).toContain('"v1"');
  });

  it('notary also answers the Bearer challenge with a username and password typed on stdin', async () => {
    const second = path.join(dir, 'second.json');
    writeFileSync(second, '{"fake":"second"}\n');
    const add = await notary(['add', NOTARY_GUN, 'typed', second, '-p'], { input: `${ALICE.user}\n${ALICE.password}\n` });
    expect(add.code, `${add.stdout}\n${add.stderr}`).toBe(0);
    expect(add.stdout).toContain('Enter username');
    const targets = await get(`/v2/${NOTARY_GUN}/_trust/tuf/targets.json`, await readToken(NOTARY_GUN));
    expect(targets.text()).toContain('"typed"');
  });

  const badTokens: [string, Tampering, RegExp][] = [
    ['a token for another repository', { grants: { [OTHER_GUN]: ['pull', 'push'] } }, /error="insufficient_scope"/],
    ['an expired token', { expiresIn: -300 }, /error="invalid_token",error_description="the token has expired"/],
    ['a token signed by an unknown key (valid chain to another CA)', {}, /does not lead to a certificate in the root bundle/],
    ['a token signed with a kid the bundle does not know', { header: 'kid' }, /kid\) that is not in the root certificate bundle/],
    ['a token without push', { grants: { [NOTARY_GUN]: ['pull'] } }, /error="insufficient_scope"/],
    ['a token for another service (aud)', { audience: 'registry.example.com' }, /audience \(aud\)/],
    ['a token from another issuer (iss)', { issuer: 'someone-else' }, /issuer \(iss\)/],
  ];
  it.each(badTokens)('refuses a notary publish with %s (401, the reason in the challenge) and changes nothing', async (what, tampering, reason) => {
    if (what.includes('unknown key')) tampering = { signer: keys.foreign };
    if (what.includes('kid the bundle')) tampering = { header: 'kid', signer: keys.otherCa };
    const before = await snapshotOf(NOTARY_GUN);
    const file = path.join(dir, 'refused.json');
    writeFileSync(file, `{"fake":"${what}"}\n`);
    issuer.tamper(tampering);
    const issuedBefore = issuer.requests.length;
    try {
      const add = await notary(['add', NOTARY_GUN, 'refused', file, '-p'], { env: notaryAuth });
      expect(add.code).not.toBe(0);
      expect(`${add.stdout}\n${add.stderr}`).toMatch(/unauthorized|authentication required|not authorized/i);
    } finally {
      issuer.tamper({});
      // Drop the staged change, so that the next publish does not carry it.
      await notary(['reset', NOTARY_GUN, '--all']);
    }
    // The CLI did get a token from the service; replayed, the server refuses it for the expected reason.
    const issued = issuer.requests.slice(issuedBefore).filter((r) => r.account === 'alice' && r.token);
    expect(issued.length).toBeGreaterThan(0);
    const replay = await httpRequest(`${server.url}/v2/${NOTARY_GUN}/_trust/tuf/`, {
      method: 'POST',
      caFile: pki.caCert,
      headers: { authorization: `Bearer ${issued.at(-1)!.token}`, 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x--\r\n',
    });
    expect(replay.status).toBe(401);
    expect(replay.headers['www-authenticate']).toMatch(reason);
    expect(JSON.parse(replay.text()).errors[0].code).toBe('UNAUTHORIZED');
    expect(await snapshotOf(NOTARY_GUN)).toEqual(before);
  });

  it('raw requests with a pull,push token cannot delete the repository or rotate a server key (they need *)', async () => {
    const before = await snapshotOf(NOTARY_GUN);
    const token = await mintToken({ signer: keys.kid, header: 'kid', issuer: ISSUER, audience: SERVICE, access: [{ name: NOTARY_GUN, actions: ['pull', 'push'] }] });
    const headers = { authorization: `Bearer ${token}` };
    const remove = await httpRequest(`${server.url}/v2/${NOTARY_GUN}/_trust/tuf/`, { method: 'DELETE', caFile: pki.caCert, headers });
    expect(remove.status).toBe(401);
    expect(remove.headers['www-authenticate']).toContain(`scope="repository:${NOTARY_GUN}:*",error="insufficient_scope"`);
    expect(JSON.parse(remove.text())).toEqual({
      errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: [{ Type: 'repository', Name: NOTARY_GUN, Action: '*' }] }],
    });
    const rotate = await httpRequest(`${server.url}/v2/${NOTARY_GUN}/_trust/tuf/timestamp.key`, { method: 'POST', caFile: pki.caCert, headers });
    expect(rotate.status).toBe(401);
    expect(await snapshotOf(NOTARY_GUN)).toEqual(before);
  });

  it('trust-tui itself follows the challenge with the docker login credentials: init, sign, then reads the tag back', async () => {
    const config = path.join(dir, 'tt-docker-config');
    mkdirSync(config, { recursive: true });
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from(`${ALICE.user}:${ALICE.password}`).toString('base64') } } }));
    const tt = trustTui({ env: { DOCKER_CONFIG: config } });
    const server_ = ['--server', server.url, '--tlscacert', pki.caCert];
    const digest = `sha256:${'a'.repeat(64)}`;
    const init = await tt(['init', TT_GUN, '--signer', 'alice', ...server_]);
    expect(init.code, init.stderr).toBe(0);
    const sign = await tt(['sign', `${TT_GUN}:v1`, '--digest', digest, '--size', '10', ...server_]);
    expect(sign.code, sign.stderr).toBe(0);
    const tags = await get(`/v2/${TT_GUN}/_trust/tuf/targets/releases.json`, await readToken(TT_GUN));
    expect(tags.status).toBe(200);
    expect(tags.text()).toContain('"v1"');
    // Without credentials: one line naming the login to make, nothing published.
    const anonymous = trustTui({ env: { DOCKER_CONFIG: path.join(dir, 'empty-docker-config') } });
    const refused = await anonymous(['init', `${TT_GUN}-2`, '--signer', 'alice', ...server_]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('docker login registry.example.com');
    expect((await get(`/v2/${TT_GUN}-2/_trust/tuf/root.json`, await readToken(`${TT_GUN}-2`))).status).toBe(404);
  });

  it('judges tokens as docker-registry (distribution) does with the same bundle: x5c and libtrust kid accepted, unknown signers refused', async () => {
    const registry = await startRegistry({ token: { realm: issuer.realm, service: SERVICE, issuer: ISSUER, rootCertBundle: keys.bundleFile } });
    try {
      const access = [{ name: NOTARY_GUN, actions: ['pull'] }];
      const cases: [string, Promise<string>, number][] = [
        ['x5c', mintToken({ signer: keys.x5c, issuer: ISSUER, audience: SERVICE, access }), 200],
        ['kid', mintToken({ signer: keys.kid, header: 'kid', issuer: ISSUER, audience: SERVICE, access }), 200],
        ['foreign x5c', mintToken({ signer: keys.foreign, issuer: ISSUER, audience: SERVICE, access }), 401],
        ['foreign kid', mintToken({ signer: keys.otherCa, header: 'kid', issuer: ISSUER, audience: SERVICE, access }), 401],
        ['expired', mintToken({ signer: keys.x5c, issuer: ISSUER, audience: SERVICE, access, expiresIn: -300 }), 401],
        ['other aud', mintToken({ signer: keys.x5c, issuer: ISSUER, audience: 'elsewhere', access }), 401],
      ];
      const seen: string[] = [];
      const expected: string[] = [];
      for (const [what, minted, status] of cases) {
        const headers = { authorization: `Bearer ${await minted}` };
        const theirs = await httpRequest(`${registry.url}/v2/`, { headers });
        const ours = await httpRequest(`${server.url}/v2/`, { caFile: pki.caCert, headers });
        seen.push(`${what}: registry ${theirs.status}, trust-tui ${ours.status}`);
        expected.push(`${what}: registry ${status}, trust-tui ${status}`);
      }
      expect(seen).toEqual(expected);
    } finally {
      await registry.stop();
    }
  });

  describe('docker CLI', () => {
    it('docker trust signer add and docker trust sign publish with a token fetched with the docker login credentials', async () => {
      const docker = dockerCli(path.join(dir, 'docker-config'), server.url, pki.caCert);
      const generated = await docker(['trust', 'key', 'generate', 'alice', '--dir', dir]);
      expect(generated.code, generated.stderr).toBe(0);
      const alicePub = path.join(dir, 'alice.pub');

      const noCredentials = await docker(['trust', 'signer', 'add', '--key', alicePub, 'alice', DOCKER_GUN]);
      expect(noCredentials.code).not.toBe(0);

      // What `docker login registry.example.com` writes (credentials go by the image's registry host).
      const auth = Buffer.from(`${ALICE.user}:${ALICE.password}`).toString('base64');
      writeFileSync(path.join(docker.dockerConfig, 'config.json'), JSON.stringify({ auths: { 'registry.example.com': { auth } } }));
      const added = await docker(['trust', 'signer', 'add', '--key', alicePub, 'alice', DOCKER_GUN]);
      expect(added.code, added.stderr).toBe(0);
      expect(issuer.requests.some((r) => r.account === 'alice' && r.scopes.some((s) => s.startsWith(`repository:${DOCKER_GUN}:`)))).toBe(true);

      // A tag to sign, staged the way the daemon-less docker interop tests do it: notary with the same
      // trust directory (docker's passphrases are the notary runner's).
      const sharedNotary = notaryCli(docker.trustDir, server.url, pki.caCert);
      const staged = await sharedNotary(['add', DOCKER_GUN, 'v1', manifest, '--roles', 'targets/releases', '-p'], { env: notaryAuth });
      expect(staged.code, staged.stderr).toBe(0);
      const signed = await docker(['trust', 'sign', `${DOCKER_GUN}:v1`]);
      expect(signed.code, `${signed.stdout}\n${signed.stderr}`).toBe(0);

      const inspect = await docker(['trust', 'inspect', '--pretty', DOCKER_GUN]);
      expect(inspect.code, inspect.stderr).toBe(0);
      expect(inspect.stdout).toMatch(/v1\s+[0-9a-f]{64}\s+alice/);

      // A token without push: docker trust sign is refused and the repository stays as it was.
      const before = await snapshotOf(DOCKER_GUN);
      issuer.tamper({ grants: { [DOCKER_GUN]: ['pull'] } });
      try {
        const refused = await docker(['trust', 'signer', 'add', '--key', alicePub, 'bob', DOCKER_GUN]);
        expect(refused.code).not.toBe(0);
      } finally {
        issuer.tamper({});
      }
      expect(await snapshotOf(DOCKER_GUN)).toEqual(before);
    });
  });
});
