/**
 * `export cosign|notation --as SIGNER` and `export status` against the real notary-server and
 * docker-registry 2.8 (no referrers API: the fallback index), on a repository whose two signers
 * were made by `docker trust` and whose tags were signed by the notary CLI with their keys. Every
 * exported signature is checked with verifiers independent of trust-tui (test/helpers/signature-verifiers.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import path from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as x509 from '@peculiar/asn1-x509';
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/expect.js';
import { httpRequest } from '../helpers/http.js';
import { pushTestImage } from '../helpers/images.js';
import {
  dockerCli,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  startRegistry,
  stopAllPeers,
  type DockerRunner,
  type NotaryServer,
  type Registry,
} from '../helpers/peers.js';
import {
  fallbackReferrers,
  getBlob,
  getManifest,
  publicKeyOfPem,
  verifyNotationJws,
  verifySigstoreBundle,
  verifySimpleSigning,
  type OciDescriptor,
} from '../helpers/signature-verifiers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { createTrustServices } from '../../src/state/trust-services.js';

afterAll(stopAllPeers);

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const NOTATION = 'application/vnd.cncf.notary.signature';

describe('export of DCT signatures to cosign and Notation formats', () => {
  let server: NotaryServer;
  let registry: Registry;
  let docker: DockerRunner;
  let tt: TrustTuiRunner;
  let repo: string;
  const path_ = 'team/app';
  const keys: Record<string, KeyObject> = {};
  let v1: { digest: string; size: number };
  let v2Signed: { digest: string; size: number };

  const sigImage = (digest: string) => getManifest(registry, path_, `${digest.replace(':', '-')}.sig`);
  const subjectOf = (image: { digest: string; size: number }): OciDescriptor => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...image });
  const json = (r: { stdout: string }) => JSON.parse(r.stdout);

  /** The layers of the `.sig` image that verify with `key`, with their `optional` annotations. */
  async function verifiedSigLayers(digest: string, key: KeyObject): Promise<Record<string, unknown>[]> {
    const image = await sigImage(digest);
    const out: Record<string, unknown>[] = [];
    for (const layer of (image.json.layers as OciDescriptor[]) ?? []) {
      try {
        out.push(verifySimpleSigning(layer, await getBlob(registry, path_, layer.digest), key, digest, repo));
      } catch {
        // another signer's layer, or a foreign attachment
      }
    }
    return out;
  }

  async function pushBlob(bytes: Buffer): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const upload = await httpRequest(`${registry.url}/v2/${path_}/blobs/uploads/`, { method: 'POST' });
    const location = new URL(String(upload.headers.location), registry.url);
    location.searchParams.set('digest', digest);
    expect((await httpRequest(location.toString(), { method: 'PUT', body: bytes })).status).toBe(201);
    return digest;
  }

  async function putManifest(ref: string, mediaType: string, body: unknown, bytes = Buffer.from(JSON.stringify(body))): Promise<void> {
    const put = await httpRequest(`${registry.url}/v2/${path_}/manifests/${ref}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes });
    expect(put.status, put.text()).toBe(201);
  }

  /** The referrer blobs of one artifact type, from the fallback index. */
  async function referrerBlobs(digest: string, artifactType: string): Promise<Buffer[]> {
    const blobs: Buffer[] = [];
    for (const entry of await fallbackReferrers(registry, path_, digest)) {
      if (entry.artifactType !== artifactType) continue;
      const manifest = await getManifest(registry, path_, entry.digest);
      expect(manifest.json.subject).toMatchObject({ digest });
      expect(manifest.json.artifactType).toBe(artifactType);
      const layers = manifest.json.layers as OciDescriptor[];
      expect(layers).toHaveLength(1);
      blobs.push(await getBlob(registry, path_, layers[0]!.digest));
    }
    return blobs;
  }

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    registry = await startRegistry();
    repo = `${registry.host}/${path_}`;
    const dockerConfig = await makeScratchDir('docker-config');
    docker = dockerCli(dockerConfig, server.url, server.caFile);
    for (const name of ['alice', 'bob']) {
      ok(await docker(['trust', 'key', 'generate', name, '--dir', docker.workDir]));
      ok(await docker(['trust', 'signer', 'add', '--key', path.join(docker.workDir, `${name}.pub`), name, repo]));
      keys[name] = publicKeyOfPem(readFileSync(path.join(docker.workDir, `${name}.pub`), 'utf8'));
    }
    v1 = await pushTestImage(registry, path_, 'v1');
    v2Signed = await pushTestImage(registry, path_, 'v2');
    const notary = notaryCli(docker.trustDir, server.url, server.caFile);
    for (const [tag, image] of [['v1', v1], ['v2', v2Signed]] as const) {
      ok(await notary(['addhash', repo, tag, String(image.size), '--sha256', image.digest.slice(7), '-r', 'targets/releases', '-r', 'targets/alice', '-r', 'targets/bob']));
    }
    ok(await notary(['publish', repo]));
    // v2 moves in the registry after it was signed: its DCT signature no longer describes it.
    await pushTestImage(registry, path_, 'v2', 'something else');
    // The host holds both signers' keys (docker's trust dir); --as picks whose are used.
    tt = trustTui({ trustDir: docker.trustDir, env: { DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
  });
  afterAll(async () => {
    await registry?.stop();
    await server?.stop();
  });

  it('the report starts with everyone missing (exit 6)', async () => {
    const r = await tt(['export', 'status', repo]);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stdout).toContain('v1: 0 of 2 exported — waiting on alice, bob');
    expect(r.stdout).toMatch(/v2: 0 of 2 exported — waiting on alice, bob \(the registry's v2 moved to sha256:/);
  });

  /** No passphrase in the environment and no terminal: unlocking any key fails. */
  const noPassphrase = { env: { DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: '', NOTARY_DELEGATION_PASSPHRASE: '' } };

  it('--dry-run says per tag and format what would be written, asks no passphrase and writes nothing', async () => {
    const r = json(ok(await tt(['--json', 'export', 'cosign', repo, '--as', 'alice', '--dry-run'], noPassphrase)));
    expect(r.dryRun).toBe(true);
    const byTag = Object.fromEntries(r.repositories[0].tags.map((t: { tag: string }) => [t.tag, t]));
    expect(byTag.v1).toMatchObject({ state: 'pending', formats: [{ format: 'sig', action: 'would-write' }, { format: 'bundle', action: 'would-write' }] });
    expect(byTag.v2).toMatchObject({ state: 'skipped' });
    const text = ok(await tt(['export', 'notation', `${repo}:v1`, '--as', 'alice', '--dry-run'], noPassphrase));
    expect(text.stdout).toMatch(/dry run/i);
    expect(text.stdout).toMatch(/v1\s+sha256:\S+\s+would write: notation/);
    expect(text.stdout).toMatch(/Notation certificate \(would be made\)/);
    expect((await sigImage(v1.digest)).status).toBe(404);
    expect(await fallbackReferrers(registry, path_, v1.digest)).toEqual([]);
    expect(readdirSync(tt.trustDir)).not.toContain('notation');
  });

  it("alice's export writes both cosign formats for v1 that verify with her key, and skips the moved v2", async () => {
    const r = json(ok(await tt(['--json', 'export', 'cosign', repo, '--as', 'alice'])));
    const [exported] = r.repositories;
    expect(exported).toMatchObject({ gun: repo, signer: 'alice', role: 'targets/alice', formats: ['sig', 'bundle'] });
    const byTag = Object.fromEntries(exported.tags.map((t: { tag: string }) => [t.tag, t]));
    expect(byTag.v1).toMatchObject({ state: 'exported', formats: [{ format: 'sig', action: 'written' }, { format: 'bundle', action: 'written' }] });
    expect(byTag.v2).toMatchObject({ state: 'skipped' });
    expect(byTag.v2.reason).toMatch(/moved/);

    // legacy .sig: node:crypto + the simple-signing rules, provenance under optional
    const optional = await verifiedSigLayers(v1.digest, keys.alice!);
    expect(optional).toEqual([{ 'dev.trust-tui.dct.gun': repo, 'dev.trust-tui.dct.role': 'targets/alice', 'dev.trust-tui.dct.tag': 'v1' }]);
    // bundle: @sigstore/verify with alice's key, in-toto subject = v1
    const bundles = await referrerBlobs(v1.digest, BUNDLE);
    expect(bundles).toHaveLength(1);
    expect(verifySigstoreBundle(bundles[0]!, keys.alice!, v1.digest)).toMatchObject({ 'dev.trust-tui.dct.tag': 'v1' });
    // Nothing was signed for the moved tag: neither the digest DCT signed nor the one it points to now.
    expect((await sigImage(v2Signed.digest)).status).toBe(404);
    expect(await fallbackReferrers(registry, path_, v2Signed.digest)).toEqual([]);
  });

  it('the verifiers reject a wrong key, a tampered payload and another digest', async () => {
    const image = await sigImage(v1.digest);
    const layer = (image.json.layers as OciDescriptor[])[0]!;
    const payload = await getBlob(registry, path_, layer.digest);
    expect(() => verifySimpleSigning(layer, payload, keys.bob!, v1.digest, repo)).toThrow(/does not verify/);
    const tampered = Buffer.from(payload.toString().replace('"v1"', '"v9"'));
    expect(() => verifySimpleSigning(layer, tampered, keys.alice!, v1.digest, repo)).toThrow(/does not verify/);
    expect(() => verifySimpleSigning(layer, payload, keys.alice!, v2Signed.digest, repo)).toThrow(/digest claim/);

    const [bundle] = await referrerBlobs(v1.digest, BUNDLE);
    expect(() => verifySigstoreBundle(bundle!, keys.bob!, v1.digest)).toThrow();
    const parsed = JSON.parse(bundle!.toString());
    const statement = Buffer.from(parsed.dsseEnvelope.payload, 'base64').toString().replace('"v1"', '"v9"');
    parsed.dsseEnvelope.payload = Buffer.from(statement).toString('base64');
    expect(() => verifySigstoreBundle(Buffer.from(JSON.stringify(parsed)), keys.alice!, v1.digest)).toThrow();
    expect(() => verifySigstoreBundle(bundle!, keys.alice!, v2Signed.digest)).toThrow(/another digest/);
  });

  it('the report shows "1 of 2 … waiting on bob"', async () => {
    const r = await tt(['--json', 'export', 'status', `${repo}:v1`]);
    expect(r.code, r.stderr).toBe(6);
    const [status] = json(r).repositories;
    expect(status.tags[0]).toMatchObject({ tag: 'v1', exported: ['alice'], missing: ['bob'], summary: '1 of 2 exported — waiting on bob', complete: false });
    expect(status.tags[0].signers[0].formats).toEqual([
      { format: 'sig', state: 'verified' },
      { format: 'bundle', state: 'verified' },
      { format: 'notation', state: 'missing' },
    ]);
  });

  it("bob's export keeps alice's signatures and foreign attachments and referrers", async () => {
    // A foreign attachment layer in the .sig image and a foreign referrer (an SBOM) in the fallback index.
    const foreignBlob = Buffer.from('not a signature');
    const foreignDigest = await pushBlob(foreignBlob);
    const foreignLayer = { mediaType: 'application/vnd.example.attachment', digest: foreignDigest, size: foreignBlob.length };
    const sig = await sigImage(v1.digest);
    await putManifest(`${v1.digest.replace(':', '-')}.sig`, 'application/vnd.oci.image.manifest.v1+json', {
      ...sig.json,
      layers: [...(sig.json.layers as OciDescriptor[]), foreignLayer],
    });
    await pushBlob(Buffer.from('{}'));
    const sbom = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/spdx+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
        layers: [foreignLayer],
        subject: subjectOf(v1),
      }),
    );
    const sbomDigest = `sha256:${createHash('sha256').update(sbom).digest('hex')}`;
    await putManifest(sbomDigest, 'application/vnd.oci.image.manifest.v1+json', JSON.parse(sbom.toString()), sbom);
    const foreignReferrer = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sbomDigest, size: sbom.length, artifactType: 'application/spdx+json' };
    const index = await getManifest(registry, path_, v1.digest.replace(':', '-'));
    await putManifest(v1.digest.replace(':', '-'), 'application/vnd.oci.image.index.v1+json', {
      ...index.json,
      manifests: [...(index.json.manifests as OciDescriptor[]), foreignReferrer],
    });

    const r = json(ok(await tt(['--json', 'export', 'cosign', `${repo}:v1`, '--as', 'bob'])));
    expect(r.repositories[0].tags[0]).toMatchObject({ tag: 'v1', state: 'exported' });
    expect(await verifiedSigLayers(v1.digest, keys.alice!)).toHaveLength(1);
    expect(await verifiedSigLayers(v1.digest, keys.bob!)).toHaveLength(1);
    expect(((await sigImage(v1.digest)).json.layers as OciDescriptor[]).map((l) => l.digest)).toContain(foreignDigest);
    const referrers = await fallbackReferrers(registry, path_, v1.digest);
    expect(referrers.map((m) => m.digest)).toContain(foreignReferrer.digest);
    const bundles = await referrerBlobs(v1.digest, BUNDLE);
    expect(bundles).toHaveLength(2);
    const signedBy = (key: KeyObject) => bundles.filter((b) => {
      try {
        verifySigstoreBundle(b, key, v1.digest);
        return true;
      } catch {
        return false;
      }
    }).length;
    expect([signedBy(keys.alice!), signedBy(keys.bob!)]).toEqual([1, 1]);
    // Index entries carry each referrer manifest's own artifactType.
    for (const entry of referrers.filter((m) => m.artifactType === BUNDLE)) {
      expect((await getManifest(registry, path_, entry.digest)).json.artifactType).toBe(BUNDLE);
    }

    const status = await tt(['export', 'status', `${repo}:v1`]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('v1: 2 of 2 exported');
  });

  it('export policy --notation / --kyverno-notary without --certificate names the signers with no Notation signature yet, and how to get one', async () => {
    for (const format of ['--notation', '--kyverno-notary']) {
      const dir = path.join(tt.workDir, `no-certificates${format}`);
      const r = await tt(['export', 'policy', repo, format, '-o', dir]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/no Notation certificate for alice, bob/);
      expect(r.stderr).toContain(`trust-tui export notation ${repo} --as NAME`);
      expect(existsSync(dir)).toBe(false);
    }
  });

  it('Notation signatures verify with jose against each certificate over the DCT key, which has the profile Notation requires', async () => {
    for (const signer of ['alice', 'bob']) {
      const r = json(ok(await tt(['--json', 'export', 'notation', `${repo}:v1`, '--as', signer])));
      const [exported] = r.repositories;
      expect(exported.tags[0]).toMatchObject({ tag: 'v1', state: 'exported', formats: [{ format: 'notation', action: 'written' }] });
      expect(exported.certificate).toMatchObject({ subject: `C=ZZ, ST=Docker Content Trust, O=${repo}, CN=${signer}`, created: true });
      expect(path.relative(tt.trustDir, exported.certificate.path)).not.toMatch(/^\.\./);
      const stored = new X509Certificate(readFileSync(exported.certificate.path));
      const cert = AsnConvert.parse(stored.raw, x509.Certificate);
      const ext = (id: string) => cert.tbsCertificate.extensions!.find((e) => e.extnID === id)!;
      expect(ext(x509.id_ce_keyUsage).critical).toBe(true);
      const usage = AsnConvert.parse(ext(x509.id_ce_keyUsage).extnValue, x509.KeyUsage);
      expect(usage.toJSON()).toEqual(['digitalSignature']);
      expect(AsnConvert.parse(ext(x509.id_ce_basicConstraints).extnValue, x509.BasicConstraints).cA).toBe(false);
      expect([...AsnConvert.parse(ext(x509.id_ce_extKeyUsage).extnValue, x509.ExtendedKeyUsage)]).toEqual([x509.id_kp_codeSigning]);
    }
    const envelopes = await referrerBlobs(v1.digest, NOTATION);
    expect(envelopes).toHaveLength(2);
    const verified: string[] = [];
    for (const envelope of envelopes) {
      for (const signer of ['alice', 'bob']) {
        try {
          const { annotations, certificate } = await verifyNotationJws(envelope, keys[signer]!, subjectOf(v1));
          expect(annotations).toMatchObject({ 'dev.trust-tui.dct.role': `targets/${signer}`, 'dev.trust-tui.dct.tag': 'v1' });
          expect(certificate.subject).toBe(`C=ZZ\nST=Docker Content Trust\nO=${repo}\nCN=${signer}`);
          verified.push(signer);
        } catch {
          // the other signer's envelope
        }
      }
    }
    expect(verified.sort()).toEqual(['alice', 'bob']);
    // Tampered payload: jose refuses it.
    const jws = JSON.parse(envelopes[0]!.toString());
    jws.payload = Buffer.from(Buffer.from(jws.payload, 'base64url').toString().replace('"v1"', '"v9"')).toString('base64url');
    await expect(verifyNotationJws(Buffer.from(JSON.stringify(jws)), keys.alice!, subjectOf(v1))).rejects.toThrow();
    await expect(verifyNotationJws(Buffer.from(JSON.stringify(jws)), keys.bob!, subjectOf(v1))).rejects.toThrow();
    // The referrer manifest carries the certificate thumbprints.
    for (const entry of (await fallbackReferrers(registry, path_, v1.digest)).filter((m) => m.artifactType === NOTATION)) {
      const manifest = await getManifest(registry, path_, entry.digest);
      expect(JSON.parse((manifest.json.annotations as Record<string, string>)['io.cncf.notary.x509chain.thumbprint#S256']!)).toHaveLength(1);
    }
    const status = await tt(['export', 'status', '--notation', `${repo}:v1`]);
    expect(status.code, status.stderr).toBe(0);
  });

  it("export policy --notation and --kyverno-notary take each signer's certificate from its verifying Notation signatures in the registry", async () => {
    const exported = (signer: string) => new X509Certificate(readFileSync(path.join(tt.trustDir, 'notation', ...repo.split('/'), `${signer}.crt`)));
    const dir = path.join(tt.workDir, 'notation-policy');
    const r = ok(await tt(['export', 'policy', repo, '--notation', '-o', dir]));
    expect(r.stderr).toMatch(/NOTE: Certificates found in the registry .*: alice \(v1\), bob \(v1\)\./);
    const store = readdirSync(path.join(dir, 'truststore/x509/ca')).at(0)!;
    for (const signer of ['alice', 'bob']) {
      const inStore = new X509Certificate(readFileSync(path.join(dir, 'truststore/x509/ca', store, `${signer}.crt`)));
      expect(inStore.raw.equals(exported(signer).raw)).toBe(true);
    }
    const policy = JSON.parse(readFileSync(path.join(dir, 'trustpolicy.oci.json'), 'utf8'));
    expect(policy.trustPolicies[0].trustedIdentities).toEqual(['alice', 'bob'].map((s) => `x509.subject: C=ZZ, ST=Docker Content Trust, O=${repo}, CN=${s}`));

    const kyverno = json(ok(await tt(['--json', 'export', 'policy', repo, '--kyverno-notary', '--threshold', '1'])));
    expect(kyverno.signers.map((s: { name: string; certificates: { source: string }[] }) => [s.name, s.certificates.map((c) => c.source)])).toEqual([
      ['alice', [`the Notation signature of ${repo}:v1`]],
      ['bob', [`the Notation signature of ${repo}:v1`]],
    ]);
    const doc = parseAllDocuments(kyverno.files[0].content)[0]!.toJS();
    const rule = doc.spec.rules[0].verifyImages[0];
    expect(rule).toMatchObject({ type: 'Notary', imageReferences: [repo, `${repo}:*`, `${repo}@*`] });
    expect(rule.attestors).toHaveLength(1);
    expect(rule.attestors[0].count).toBe(1);
    const certs = rule.attestors[0].entries.map((e: { certificates: { cert: string } }) => new X509Certificate(e.certificates.cert));
    expect(certs.map((c: X509Certificate) => c.raw.toString('base64'))).toEqual(['alice', 'bob'].map((s) => exported(s).raw.toString('base64')));
    expect(kyverno.files[0].content).toMatch(/^# .*dev\.trust-tui\.dct\.tag/m);
  });

  it('a second run adds nothing: the .sig image and the referrers index stay byte-identical', async () => {
    const before = [(await sigImage(v1.digest)).bytes, (await getManifest(registry, path_, v1.digest.replace(':', '-'))).bytes];
    // Everything is there: no key is unlocked, so no passphrase is needed.
    for (const signer of ['alice', 'bob']) {
      const cosign = json(ok(await tt(['--json', 'export', 'cosign', repo, '--as', signer], noPassphrase)));
      expect(cosign.repositories[0].tags.find((t: { tag: string }) => t.tag === 'v1').formats.map((f: { action: string }) => f.action)).toEqual(['already-present', 'already-present']);
      const notation = json(ok(await tt(['--json', 'export', 'notation', `${repo}:v1`, '--as', signer], noPassphrase)));
      expect(notation.repositories[0].tags[0].formats).toEqual([{ format: 'notation', action: 'already-present' }]);
      expect(notation.repositories[0].certificate.created).toBe(false);
    }
    const after = [(await sigImage(v1.digest)).bytes, (await getManifest(registry, path_, v1.digest.replace(':', '-'))).bytes];
    expect(after[0]!.equals(before[0]!)).toBe(true);
    expect(after[1]!.equals(before[1]!)).toBe(true);
  });

  it("the UI's report (Tags screen, x) reads the same registry and trust data", async () => {
    const services = createTrustServices({
      trustDir: tt.trustDir,
      configDir: tt.configDir,
      env: { ...process.env, DOCKER_CONFIG: docker.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url, TRUST_TUI_ALLOW_HTTP_LOOPBACK: '0' },
    });
    const report = await services.exportReport(repo);
    expect(report.lines).toContain(`v1 (${v1.digest.slice(0, 19)}…): 2 of 2 exported`);
    expect(report.lines).toContain('  alice: .sig verified, bundle verified, notation verified');
    expect(report.held.sort()).toEqual(['Repo Admin', 'alice', 'bob']);
    expect(report.pending.alice).toEqual({ cosign: [], notation: [] });
  });

  it('refuses an unknown signer, naming the signers, and a signer whose key is not on this host', async () => {
    const unknown = await tt(['export', 'cosign', repo, '--as', 'carol']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/has no signer carol .*its signers: alice, bob/);
    const noKey = trustTui({ env: { DOCKER_CONFIG: docker.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
    const r = await noKey(['export', 'cosign', repo, '--as', 'alice']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds no key of signer alice/);
  });
});
