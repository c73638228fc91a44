/**
 * The export against what others leave in a real docker-registry 2.8 (no referrers API, no
 * If-Match): signatures that claim to be a signer's but do not verify (the report's INVALID), and
 * two signers exporting to the same digests at the same moment (the `.sig` image and the fallback
 * index are read-modify-write; neither signer may lose the other's signature).
 */
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
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
  TEST_PASSPHRASES,
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

afterAll(stopAllPeers);

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const NOTATION = 'application/vnd.cncf.notary.signature';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
const RACE_TAGS = ['r1', 'r2', 'r3'];
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('export against a registry shared with others', () => {
  let server: NotaryServer;
  let registry: Registry;
  let docker: DockerRunner;
  let tt: TrustTuiRunner;
  let repo: string;
  const path_ = 'team/shared';
  const publicKeys: Record<string, KeyObject> = {};
  const images: Record<string, { digest: string; size: number }> = {};

  async function pushBlob(bytes: Buffer): Promise<OciDescriptor> {
    const upload = await httpRequest(`${registry.url}/v2/${path_}/blobs/uploads/`, { method: 'POST' });
    const location = new URL(String(upload.headers.location), registry.url);
    location.searchParams.set('digest', sha256(bytes));
    expect((await httpRequest(location.toString(), { method: 'PUT', body: bytes })).status).toBe(201);
    return { mediaType: 'application/octet-stream', digest: sha256(bytes), size: bytes.length };
  }

  async function putManifest(ref: string, mediaType: string, bytes: Buffer): Promise<void> {
    const put = await httpRequest(`${registry.url}/v2/${path_}/manifests/${ref}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes });
    expect(put.status, put.text()).toBe(201);
  }

  /** alice's DCT private key, decrypted from docker's trust directory (PEM headers stripped). */
  function dctPrivateKey(name: string): KeyObject {
    const dir = path.join(docker.trustDir, 'private');
    const file = readdirSync(dir).find((f) => new RegExp(`^role: ${name}$`, 'm').test(readFileSync(path.join(dir, f), 'utf8')))!;
    const pem = readFileSync(path.join(dir, file), 'utf8').replace(/^[A-Za-z-]+: .*\n/gm, '').replace(/\n\n/g, '\n');
    return createPrivateKey({ key: pem, format: 'pem', passphrase: TEST_PASSPHRASES.repository });
  }

  /** How many signatures of each kind in the registry verify for `digest` with `key` (independent verifiers). */
  async function verifiedBy(digest: string, key: KeyObject): Promise<{ sig: number; bundle: number; notation: number }> {
    const count = { sig: 0, bundle: 0, notation: 0 };
    const sigImage = await getManifest(registry, path_, `${digest.replace(':', '-')}.sig`);
    for (const layer of sigImage.status === 200 ? ((sigImage.json.layers as OciDescriptor[]) ?? []) : []) {
      try {
        verifySimpleSigning(layer, await getBlob(registry, path_, layer.digest), key, digest, repo);
        count.sig++;
      } catch {
        // another signer's layer
      }
    }
    for (const entry of await fallbackReferrers(registry, path_, digest)) {
      const layer = ((await getManifest(registry, path_, entry.digest)).json.layers as OciDescriptor[])[0]!;
      const blob = await getBlob(registry, path_, layer.digest);
      try {
        if (entry.artifactType === BUNDLE) {
          verifySigstoreBundle(blob, key, digest);
          count.bundle++;
        } else if (entry.artifactType === NOTATION) {
          await verifyNotationJws(blob, key, { mediaType: OCI_MANIFEST, ...images[Object.keys(images).find((t) => images[t]!.digest === digest)!]! });
          count.notation++;
        }
      } catch {
        // another signer's referrer
      }
    }
    return count;
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
      publicKeys[name] = publicKeyOfPem(readFileSync(path.join(docker.workDir, `${name}.pub`), 'utf8'));
    }
    const notary = notaryCli(docker.trustDir, server.url, server.caFile);
    for (const tag of ['forged', 'other', ...RACE_TAGS]) {
      images[tag] = await pushTestImage(registry, path_, tag);
      const { digest, size } = images[tag]!;
      ok(await notary(['addhash', repo, tag, String(size), '--sha256', digest.slice(7), '-r', 'targets/releases', '-r', 'targets/alice', '-r', 'targets/bob']));
    }
    ok(await notary(['publish', repo]));
    tt = trustTui({ trustDir: docker.trustDir, env: { DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
  });
  afterAll(async () => {
    await registry?.stop();
    await server?.stop();
  });

  it("signatures by alice's key that claim tag forged but sign another digest are INVALID, and her export replaces them", async () => {
    const forged = images.forged!;
    const other = images.other!;
    const alice = dctPrivateKey('alice');
    const provenance = { 'dev.trust-tui.dct.gun': repo, 'dev.trust-tui.dct.role': 'targets/alice', 'dev.trust-tui.dct.tag': 'forged' };
    // A .sig layer in forged's .sig image whose payload (signed by alice) names the other image's digest.
    const payload = Buffer.from(
      JSON.stringify({
        critical: { identity: { 'docker-reference': repo }, image: { 'docker-manifest-digest': other.digest }, type: 'cosign container image signature' },
        optional: provenance,
      }),
    );
    const payloadBlob = await pushBlob(payload);
    const layer = {
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      digest: payloadBlob.digest,
      size: payloadBlob.size,
      annotations: { 'dev.cosignproject.cosign/signature': sign('sha256', payload, alice).toString('base64') },
    };
    const config = Buffer.from(JSON.stringify({ architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: [layer.digest] } }));
    const configBlob = await pushBlob(config);
    await putManifest(
      `${forged.digest.replace(':', '-')}.sig`,
      OCI_MANIFEST,
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...configBlob, mediaType: 'application/vnd.oci.image.config.v1+json' }, layers: [layer] })),
    );
    // A bundle referrer of forged, with alice's key hint, whose in-toto subject is the other digest.
    const statement = Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ digest: { sha256: other.digest.slice(7) }, annotations: provenance }],
        predicateType: 'https://sigstore.dev/cosign/sign/v1',
        predicate: {},
      }),
    );
    const type = 'application/vnd.in-toto+json';
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${statement.length} `), statement]);
    const hint = createHash('sha256').update(publicKeys.alice!.export({ type: 'spki', format: 'der' })).digest('base64');
    const bundle = Buffer.from(
      JSON.stringify({
        mediaType: BUNDLE,
        verificationMaterial: { publicKey: { hint } },
        dsseEnvelope: { payload: statement.toString('base64'), payloadType: type, signatures: [{ sig: sign('sha256', pae, alice).toString('base64') }] },
      }),
    );
    const bundleBlob = await pushBlob(bundle);
    await pushBlob(Buffer.from('{}'));
    const referrer = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: BUNDLE,
        config: EMPTY,
        layers: [{ ...bundleBlob, mediaType: BUNDLE }],
        subject: { mediaType: OCI_MANIFEST, ...forged },
      }),
    );
    await putManifest(sha256(referrer), OCI_MANIFEST, referrer);
    await putManifest(
      forged.digest.replace(':', '-'),
      'application/vnd.oci.image.index.v1+json',
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: OCI_MANIFEST, digest: sha256(referrer), size: referrer.length, artifactType: BUNDLE }] })),
    );

    const text = await tt(['export', 'status', `${repo}:forged`]);
    expect(text.code, text.stderr).toBe(6);
    expect(text.stdout).toMatch(/forged\s+sha256:\S+\s+alice\s+INVALID\s+INVALID\s+missing/);
    expect(text.stdout).toContain('alice .sig: the payload signs another manifest digest');
    expect(text.stdout).toContain('alice bundle: the statement signs another manifest digest');
    expect(text.stdout).toContain('forged: 0 of 2 exported — waiting on alice, bob');
    const json = JSON.parse((await tt(['--json', 'export', 'status', `${repo}:forged`])).stdout);
    expect(json.repositories[0].tags[0].signers[0]).toMatchObject({
      signer: 'alice',
      exported: false,
      formats: [
        { format: 'sig', state: 'invalid', problem: 'the payload signs another manifest digest' },
        { format: 'bundle', state: 'invalid', problem: 'the statement signs another manifest digest' },
        { format: 'notation', state: 'missing' },
      ],
    });
    // bob signed nothing here: a signature claiming alice's role is not counted as his.
    expect(json.repositories[0].tags[0].signers[1].formats.map((f: { state: string }) => f.state)).toEqual(['missing', 'missing', 'missing']);

    // An INVALID signature is not "already there": alice's export writes good ones beside it.
    const r = JSON.parse(ok(await tt(['--json', 'export', 'cosign', `${repo}:forged`, '--as', 'alice'])).stdout);
    expect(r.repositories[0].tags[0].formats).toEqual([
      { format: 'sig', action: 'written' },
      { format: 'bundle', action: 'written' },
    ]);
    expect(await verifiedBy(forged.digest, publicKeys.alice!)).toMatchObject({ sig: 1, bundle: 1 });
    const after = await tt(['export', 'status', `${repo}:forged`]);
    expect(after.stdout).toMatch(/forged\s+sha256:\S+\s+alice\s+verified\s+verified\s+missing/);
  });

  it('alice and bob exporting cosign and Notation at the same moment both end up in every .sig image and referrers index', async () => {
    const refs = RACE_TAGS.map((t) => `${repo}:${t}`);
    // Four processes started together, all reading and rewriting the same .sig images and indexes.
    const runs = await Promise.all(
      (['alice', 'bob'] as const).flatMap((signer) => (['cosign', 'notation'] as const).map((target) => tt(['--json', 'export', target, ...refs, '--as', signer]))),
    );
    for (const run of runs) ok(run);
    for (const tag of RACE_TAGS) {
      for (const signer of ['alice', 'bob']) {
        expect({ tag, signer, ...(await verifiedBy(images[tag]!.digest, publicKeys[signer]!)) }).toEqual({ tag, signer, sig: 1, bundle: 1, notation: 1 });
      }
    }
    const status = await tt(['export', 'status', '--notation', ...refs]);
    expect(status.code, status.stdout).toBe(0);
    for (const tag of RACE_TAGS) expect(status.stdout).toContain(`${tag}: 2 of 2 exported`);
  });
});
