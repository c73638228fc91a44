/**
 * `trust-tui export policy` on a real notary-server repository whose two signers were added by the
 * docker CLI (keys from `docker trust key generate`): every format, run through the built CLI, parses
 * (yaml, JSON.parse, bash -n) and carries exactly the signers' public keys; Notation takes
 * certificates made by openssl from the signers' decrypted DCT keys, and refuses notary-style ones.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { ok } from '../helpers/expect.js';
import {
  dockerCli,
  makeScratchDir,
  requireBinary,
  runCommand,
  startNotaryServer,
  stopAllPeers,
  TEST_PASSPHRASES,
  type DockerRunner,
  type NotaryServer,
} from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

afterAll(stopAllPeers);

const REPO = 'registry.example.com/team/policy';
const spkiHex = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex');
/** docker's .pub and key files carry PEM header lines (`role: alice`) that OpenSSL refuses: strip them. */
const stripHeaders = (pem: string) => pem.replace(/^[A-Za-z-]+: .*\n/gm, '').replace(/\n\n/g, '\n');

describe('export policy on a repository made by docker trust', () => {
  let server: NotaryServer;
  let docker: DockerRunner;
  let tt: TrustTuiRunner;
  let work: string;
  const spki: Record<string, string> = {};

  /** openssl certificate over a signer's DCT key: Notation's profile, or notary's (keyEncipherment). */
  async function certificate(name: string, keyUsage = 'critical, digitalSignature'): Promise<string> {
    const openssl = requireBinary('openssl');
    const privateDir = path.join(docker.trustDir, 'private');
    let keyFile = '';
    for (const f of await readdir(privateDir)) {
      if (new RegExp(`^role: ${name}$`, 'm').test(await readFile(path.join(privateDir, f), 'utf8'))) keyFile = path.join(privateDir, f);
    }
    const encrypted = path.join(work, `${name}.enc.pem`);
    await writeFile(encrypted, stripHeaders(await readFile(keyFile, 'utf8')));
    const plain = path.join(work, `${name}.key`);
    ok(await runCommand(openssl, ['pkcs8', '-in', encrypted, '-passin', `pass:${TEST_PASSPHRASES.repository}`, '-out', plain]));
    const config = path.join(work, `${name}.cnf`);
    await writeFile(
      config,
      ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', 'C = ZZ', 'ST = Docker Content Trust', `O = ${REPO}`, `CN = ${name}`,
        '[v3]', `keyUsage = ${keyUsage}`, 'basicConstraints = critical, CA:FALSE', 'extendedKeyUsage = codeSigning', ''].join('\n'),
    );
    const cert = path.join(work, `${name}-${keyUsage.length}.crt`);
    ok(await runCommand(openssl, ['req', '-new', '-x509', '-key', plain, '-config', config, '-extensions', 'v3', '-days', '30', '-out', cert]));
    return cert;
  }

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    docker = dockerCli(path.join(await makeScratchDir('docker-home'), 'config'), server.url, server.caFile);
    tt = trustTui({ env: { DOCKER_CONFIG: docker.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
    work = await makeScratchDir('export-policy');
    await mkdir(path.join(docker.workDir, 'keys'));
    for (const name of ['alice', 'bob']) {
      ok(await docker(['trust', 'key', 'generate', name, '--dir', 'keys']));
      ok(await docker(['trust', 'signer', 'add', '--key', `keys/${name}.pub`, name, REPO]));
      spki[name] = spkiHex(stripHeaders(await readFile(path.join(docker.workDir, 'keys', `${name}.pub`), 'utf8')));
    }
  });
  afterAll(() => server?.stop());

  it('kyverno: two signers, 2 of 2 by default, keys equal to the ones docker generated', async () => {
    const r = ok(await tt(['export', 'policy', REPO, '--kyverno']));
    expect(r.stdout).toMatch(/^# .*No transparency log/m);
    const policy = parseAllDocuments(r.stdout).map((d) => d.toJS())[0];
    const attestors = policy.spec.rules[0].verifyImages[0].attestors;
    expect(attestors[0].count).toBe(2);
    const keys = attestors[0].entries.map((e: { attestor: { entries: { keys: { publicKeys: string } }[] } }) => e.attestor.entries.map((k) => spkiHex(k.keys.publicKeys)));
    expect(keys).toEqual([[spki.alice], [spki.bob]]);
  });

  it('policy-controller 1 of 2, connaisseur and --json: keys and k as asked', async () => {
    const cip = parseAllDocuments(ok(await tt(['export', 'policy', REPO, '--policy-controller', '--threshold', '1'])).stdout).map((d) => d.toJS());
    expect(cip).toHaveLength(1);
    expect(cip[0].spec.authorities.map((a: { key: { data: string } }) => spkiHex(a.key.data))).toEqual([spki.alice, spki.bob]);
    expect(cip[0].spec.policy.data).toMatch(/isCompliant := count\(satisfied\) >= 1/);

    const values = parseYaml(ok(await tt(['export', 'policy', REPO, '--connaisseur', '--signers', 'bob'])).stdout);
    expect(values.application.validators[0].trustRoots.map((t: { name: string; key: string }) => [t.name, spkiHex(t.key)])).toEqual([['bob', spki.bob]]);

    const json = JSON.parse(ok(await tt(['--json', 'export', 'policy', REPO, '--kyverno', '--signers', 'alice,bob', '--threshold', '1'])).stdout);
    expect(json).toMatchObject({ gun: REPO, format: 'kyverno', threshold: 1, leftOut: [] });
    expect(json.signers.map((s: { name: string; keys: { publicKey: string }[] }) => [s.name, spkiHex(s.keys[0]!.publicKey)])).toEqual([
      ['alice', spki.alice],
      ['bob', spki.bob],
    ]);
    expect(parseAllDocuments(json.files[0].content)[0]!.errors).toEqual([]);
  });

  it('cosign script: valid bash naming each key file and k, written executable with --output', async () => {
    const file = path.join(work, 'gate.sh');
    const r = ok(await tt(['export', 'policy', REPO, '--cosign-cmd', '--threshold', '2', '--output', file]));
    expect(r.stdout).toContain(file);
    const text = await readFile(file, 'utf8');
    execFileSync('bash', ['-n', file]);
    expect(text).toMatch(/^THRESHOLD=2$/m);
    expect(text).toContain("signer 'alice' 1 'alice.pub'");
    expect(text).toContain("signer 'bob' 1 'bob.pub'");
    expect([...text.matchAll(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g)].map((m) => spkiHex(m[0]))).toEqual([spki.alice, spki.bob]);
    expect(execFileSync('stat', ['-c', '%a', file]).toString().trim()).toBe('755');
  });

  it('notation: a trust store of openssl-made certificates over the DCT keys, identities from their subjects, one-of said on stderr', async () => {
    const dir = path.join(work, 'notation');
    const [alice, bob] = [await certificate('alice'), await certificate('bob')];
    const r = ok(await tt(['export', 'policy', REPO, '--notation', '--certificate', `alice=${alice}`, '--certificate', `bob=${bob}`, '--output', dir]));
    expect(r.stderr).toMatch(/NOTE: Requires 1 of 2 signer\(s\)/);
    expect(r.stderr).toMatch(/NOTE: Notation accepts an image when ANY ONE signature verifies: this policy means "signed by one of alice, bob"\./);
    // Notation cannot require two signers: asking for it is refused, naming the way that can.
    const two = await tt(['export', 'policy', REPO, '--notation', '--threshold', '2', '--certificate', `alice=${alice}`, '--certificate', `bob=${bob}`, '--output', `${dir}-2`]);
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/accepts an image on any one signature: it cannot require 2 signers — use --kyverno-notary/);
    const policy = JSON.parse(await readFile(path.join(dir, 'trustpolicy.oci.json'), 'utf8'));
    const store = 'dct-registry-example-com-team-policy';
    expect(policy.trustPolicies).toEqual([
      {
        name: store,
        registryScopes: [REPO],
        signatureVerification: { level: 'strict' },
        trustStores: [`ca:${store}`],
        trustedIdentities: [`x509.subject: C=ZZ, ST=Docker Content Trust, O=${REPO}, CN=alice`, `x509.subject: C=ZZ, ST=Docker Content Trust, O=${REPO}, CN=bob`],
      },
    ]);
    for (const name of ['alice', 'bob']) {
      const pem = await readFile(path.join(dir, 'truststore/x509/ca', store, `${name}.crt`), 'utf8');
      expect(spkiHex(pem)).toBe(spki[name]);
    }
  });

  it('notation refuses a notary-style certificate (keyEncipherment), one over another signer\'s key, and a missing one', async () => {
    const dir = path.join(work, 'refused');
    const notaryStyle = await certificate('bob', 'critical, digitalSignature, keyEncipherment');
    const alice = await certificate('alice');
    let r = await tt(['export', 'policy', REPO, '--notation', '--certificate', `alice=${alice}`, '--certificate', `bob=${notaryStyle}`, '-o', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/certificate .* for signer bob cannot be used: its keyUsage allows keyEncipherment/);
    r = await tt(['export', 'policy', REPO, '--notation', '--certificate', `bob=${alice}`, '--signers', 'bob', '-o', dir]);
    expect(r.stderr).toMatch(/its public key is not a key of bob in the trust data/);
    r = await tt(['export', 'policy', REPO, '--notation', '--certificate', `alice=${alice}`, '-o', dir]);
    // No --certificate for bob, and no released tag whose Notation signature could carry one.
    expect(r.stderr).toMatch(/no Notation certificate for bob: none was given .*trust-tui export notation registry.example.com\/team\/policy --as NAME/);
    await expect(readdir(dir)).rejects.toThrow(); // nothing written
  });

  it('refuses unknown signers (listing the real ones), an unsatisfiable threshold, and no or two formats', async () => {
    let r = await tt(['export', 'policy', REPO, '--kyverno', '--signers', 'alice,mallory']);
    expect([r.code, r.stderr.trim()]).toEqual([1, expect.stringMatching(/mallory is not a signer of registry.example.com\/team\/policy; its signers are: alice, bob$/)]);
    r = await tt(['export', 'policy', REPO, '--kyverno', '--threshold', '3']);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toMatch(/threshold 3 cannot be met: only 2 signer\(s\) are selected/);
    expect((await tt(['export', 'policy', REPO])).code).toBe(2);
    expect((await tt(['export', 'policy', REPO, '--kyverno', '--connaisseur'])).code).toBe(2);
  });
});
