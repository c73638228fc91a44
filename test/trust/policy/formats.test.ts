/**
 * export policy's builders, in-process: the signers read from verified trust data, then each format
 * parsed back (YAML with the `yaml` package, JSON.parse, bash -n) with its public keys compared to
 * the trust data's by SubjectPublicKeyInfo, and its k-of-n structure checked.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { certificateToKey } from '../../../src/tuf/certs.js';
import { PrivateKey } from '../../../src/tuf/private-key.js';
import { RepositoryView } from '../../../src/tuf/repository-view.js';
import { TrustedSet } from '../../../src/tuf/trusted-set.js';
import { InputError } from '../../../src/trust/errors.js';
import { policyCaveats } from '../../../src/trust/policy/caveats.js';
import type { PolicyInput } from '../../../src/trust/policy/common.js';
import { connaisseurValues } from '../../../src/trust/policy/connaisseur.js';
import { cosignScript } from '../../../src/trust/policy/cosign-script.js';
import { kyvernoPolicy } from '../../../src/trust/policy/kyverno.js';
import { policyControllerPolicy } from '../../../src/trust/policy/policy-controller.js';
import { policySigners, selectSigners, type PolicySigner } from '../../../src/trust/policy/signers.js';
import { makeCertificate } from '../../helpers/notation-cert.js';
import { MemoryRepo } from '../../tuf/memory-repo.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const GUN = 'registry.example.com/team/app';

const ecKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const spkiHex = (pemOrKey: string | KeyObject) => createPublicKey(pemOrKey).export({ type: 'spki', format: 'der' }).toString('hex');

/** alice and bob (one key each), team (two keys, DCT threshold 2), carol (a certificate), in docker's layout. */
async function repository(): Promise<{ signers: PolicySigner[]; keys: Record<string, KeyObject[]> }> {
  const keys = { alice: [ecKey()], bob: [ecKey()], team: [ecKey(), ecKey()], carol: [ecKey()] };
  const pk = (k: KeyObject) => PrivateKey.fromKeyObject(k);
  const repo = await MemoryRepo.create(GUN, NOW);
  const carolCert = certificateToKey(new X509Certificate(makeCertificate(keys.carol[0]!, { subject: [['CN', 'carol']] })));
  repo.addDelegation('targets/releases', [...keys.alice, ...keys.bob].map(pk));
  repo.addDelegation('targets/alice', keys.alice.map(pk));
  repo.addDelegation('targets/bob', keys.bob.map(pk));
  repo.addDelegation('targets/team', keys.team.map(pk), { threshold: 2 });
  repo.addDelegation('targets/carol', keys.carol.map(pk), { keys: [carolCert] });
  repo.publish(['targets', 'targets/releases', 'targets/alice', 'targets/bob', 'targets/team']);
  const set = TrustedSet.fromTrustedRoot(repo.file('root'), { gun: GUN, clock: () => NOW });
  set.updateTimestamp(repo.file('timestamp'));
  set.updateSnapshot(repo.file('snapshot'));
  set.updateTargets(repo.file('targets'));
  for (const role of ['targets/releases', 'targets/alice', 'targets/bob', 'targets/team']) set.updateDelegation(role, repo.file(role), 'targets');
  return { signers: policySigners(new RepositoryView(set)), keys };
}

function input(signers: PolicySigner[], names: string[], threshold?: number): PolicyInput {
  const selection = selectSigners(signers, GUN, { names, ...(threshold ? { threshold } : {}) });
  const caveats = policyCaveats({ gun: GUN, format: 'kyverno', selection, offline: false });
  return { gun: GUN, signers: selection.signers, threshold: selection.threshold, caveats };
}

describe('export policy builders', () => {
  let signers: PolicySigner[];
  let keys: Record<string, KeyObject[]>;
  const keySet = (name: string) => keys[name]!.map((k) => spkiHex(k)).sort();

  beforeAll(async () => {
    ({ signers, keys } = await repository());
  });

  it('reads every signer but releases, with clean PEM keys equal to the trust data (a certificate gives its key)', () => {
    expect(signers.map((s) => [s.name, s.threshold, s.keys.length])).toEqual([
      ['alice', 1, 1],
      ['bob', 1, 1],
      ['carol', 1, 1],
      ['team', 2, 2],
    ]);
    for (const s of signers) {
      expect(s.keys.map((k) => spkiHex(k.pem)).sort()).toEqual(keySet(s.name));
      for (const k of s.keys) expect(k.pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    }
    expect(signers.find((s) => s.name === 'carol')!.keys[0]!.keytype).toBe('ecdsa-x509');
  });

  it('refuses unknown signers naming the real ones, and thresholds that cannot be met', () => {
    expect(() => selectSigners(signers, GUN, { names: ['alice', 'mallory'] })).toThrow(/mallory is not a signer of .*: alice, bob, carol, team/);
    expect(() => selectSigners(signers, GUN, { names: ['alice', 'bob'], threshold: 3 })).toThrow(/threshold 3 cannot be met: only 2 signer\(s\) are selected \(alice, bob\)/);
    expect(() => selectSigners([], GUN)).toThrow(InputError);
    const all = selectSigners(signers, GUN);
    expect([all.signers.length, all.threshold]).toEqual([4, 4]);
  });

  it('kyverno: k of n over nested per-signer sets, so two keys of one signer never count as two signers', () => {
    const built = kyvernoPolicy(input(signers, ['alice', 'bob', 'team'], 2));
    const text = built.files[0]!.content;
    expect(text).toMatch(/^# Generated by trust-tui export policy/);
    expect(text).toContain('# No transparency log');
    const docs = parseAllDocuments(text);
    expect(docs.map((d) => d.errors)).toEqual([[]]);
    const policy = docs[0]!.toJS();
    expect(policy).toMatchObject({ apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'dct-registry-example-com-team-app' } });
    const verify = policy.spec.rules[0].verifyImages[0];
    expect(verify.imageReferences).toEqual([GUN, `${GUN}:*`, `${GUN}@*`]);
    expect(verify.attestors).toHaveLength(1);
    expect(verify.attestors[0].count).toBe(2);
    const sets = verify.attestors[0].entries.map((e: { attestor: { count: number; entries: { keys: Record<string, unknown> }[] } }) => e.attestor);
    expect(sets.map((s: { count: number }) => s.count)).toEqual([1, 1, 2]);
    ['alice', 'bob', 'team'].forEach((name, i) => {
      expect(sets[i].entries.map((e: { keys: { publicKeys: string } }) => spkiHex(e.keys.publicKeys)).sort()).toEqual(keySet(name));
      for (const e of sets[i].entries) expect(e.keys).toMatchObject({ rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } });
    });
    expect(text).toMatch(/# signer team: 2 key\(s\), 2 of them must have signed/);
  });

  it('policy-controller: all of them is one policy per signer (AND); k of n is one policy with Rego counting signers', () => {
    const all = parseAllDocuments(policyControllerPolicy(input(signers, ['alice', 'bob'])).files[0]!.content).map((d) => d.toJS());
    expect(all.map((d) => [d.kind, d.metadata.name])).toEqual([
      ['ClusterImagePolicy', 'dct-registry-example-com-team-app-alice'],
      ['ClusterImagePolicy', 'dct-registry-example-com-team-app-bob'],
    ]);
    expect(all[0].spec.images).toEqual([{ glob: `${GUN}:*` }, { glob: `${GUN}@*` }]);
    expect(spkiHex(all[0].spec.authorities[0].key.data)).toBe(keySet('alice')[0]);
    expect(spkiHex(all[1].spec.authorities[0].key.data)).toBe(keySet('bob')[0]);
    for (const d of all) expect(d.spec.authorities[0]).not.toHaveProperty('ctlog'); // no ctlog: no tlog check
    expect(all[0].spec.policy).toBeUndefined();

    const [one, ...rest] = parseAllDocuments(policyControllerPolicy(input(signers, ['alice', 'bob', 'team'], 2)).files[0]!.content).map((d) => d.toJS());
    expect(rest).toEqual([]);
    expect(one.spec.authorities.map((a: { name: string }) => a.name)).toEqual(['alice-key-1', 'bob-key-1', 'team-key-1', 'team-key-2']);
    expect(one.spec.authorities.slice(2).map((a: { key: { data: string } }) => spkiHex(a.key.data)).sort()).toEqual(keySet('team'));
    expect(one.spec.policy.type).toBe('rego');
    const rego: string = one.spec.policy.data;
    expect(rego).toContain('package sigstore');
    expect(rego).toContain('required_keys := {"alice":1,"bob":1,"team":2}');
    expect(rego).toContain('signer_of := {"alice-key-1":"alice","bob-key-1":"bob","team-key-1":"team","team-key-2":"team"}');
    expect(rego).toMatch(/^isCompliant := count\(satisfied\) >= 2$/m);
  });

  it('policy-controller matches Docker Hub images as index.docker.io', () => {
    const docs = parseAllDocuments(policyControllerPolicy({ ...input(signers, ['alice']), gun: 'docker.io/library/alpine' }).files[0]!.content);
    expect(docs[0]!.toJS().spec.images).toEqual([{ glob: 'index.docker.io/library/alpine:*' }, { glob: 'index.docker.io/library/alpine@*' }]);
  });

  it('connaisseur: one trust root per signer, threshold k, required names when all; a signer with two keys is refused', () => {
    const values = parseYaml(connaisseurValues(input(signers, ['alice', 'bob', 'carol'], 2)).files[0]!.content);
    const [validator] = values.application.validators;
    expect(validator.type).toBe('cosign');
    expect(validator.trustRoots.map((t: { name: string }) => t.name)).toEqual(['alice', 'bob', 'carol']);
    for (const t of validator.trustRoots) expect(spkiHex(t.key)).toBe(keySet(t.name)[0]);
    expect(values.application.policy.map((p: { pattern: string }) => p.pattern)).toEqual([`${GUN}:*`, `${GUN}@*`]);
    expect(values.application.policy[0]).toMatchObject({ validator: validator.name, with: { trustRoot: '*', threshold: 2, verifyInTransparencyLog: false } });
    expect(values.application.policy[0].with.required).toBeUndefined();
    const all = parseYaml(connaisseurValues(input(signers, ['alice', 'bob'])).files[0]!.content);
    expect(all.application.policy[0].with).toMatchObject({ threshold: 2, required: ['alice', 'bob'] });
    expect(() => connaisseurValues(input(signers, ['alice', 'team'], 1))).toThrow(/signer team of .* has 2 keys, and Connaisseur counts each key/);
  });

  describe('cosign script', () => {
    let dir: string;
    let script: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'policy-cosign-'));
      script = path.join(dir, 'verify.sh');
      writeFileSync(script, cosignScript(input(signers, ['alice', 'bob', 'team'], 2)).files[0]!.content, { mode: 0o755 });
      // A stand-in for cosign (which cannot run here): `verify --key FILE` succeeds when FILE's key is
      // listed in $SIGNED_KEYS, so the script's counting is what is tested.
      const fake = path.join(dir, 'bin', 'cosign');
      execFileSync('mkdir', ['-p', path.dirname(fake)]);
      writeFileSync(fake, '#!/usr/bin/env bash\nkey="$3"\nbody="$(grep -v -- ----- "$key" | tr -d "\\n")"\n[[ " $SIGNED_KEYS " == *" $body "* ]]\n');
      chmodSync(fake, 0o755);
    });
    const run = (signedBy: KeyObject[], image = `${GUN}@sha256:${'a'.repeat(64)}`) => {
      const body = (k: KeyObject) => createPublicKey(k).export({ type: 'spki', format: 'der' }).toString('base64');
      try {
        const stdout = execFileSync('bash', [script, image], {
          env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, SIGNED_KEYS: signedBy.map(body).join(' ') },
          stdio: ['ignore', 'pipe', 'pipe'],
        }).toString();
        return { code: 0, stdout };
      } catch (e) {
        const err = e as { status: number; stdout: Buffer; stderr: Buffer };
        return { code: err.status, stdout: err.stdout.toString() + err.stderr.toString() };
      }
    };

    it('is valid bash naming each key file and k', () => {
      execFileSync('bash', ['-n', script]);
      const text = cosignScript(input(signers, ['alice', 'bob', 'team'], 2)).files[0]!.content;
      expect(text).toMatch(/^THRESHOLD=2$/m);
      expect(text).toContain("signer 'alice' 1 'alice.pub'");
      expect(text).toContain("signer 'team' 2 'team-1.pub' 'team-2.pub'");
      expect(text).toContain('--insecure-ignore-tlog=true');
      const embedded = [...text.matchAll(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g)].map((m) => spkiHex(m[0]));
      expect(embedded.sort()).toEqual([...keySet('alice'), ...keySet('bob'), ...keySet('team')].sort());
    });

    it("lists its exact cosign commands in docs/export-policy.md, for manual acceptance where cosign runs", () => {
      const text = cosignScript(input(signers, ['alice', 'bob'])).files[0]!.content;
      const commands = text.split('\n').filter((line) => /^\s*cosign /.test(line));
      expect(commands).toHaveLength(2);
      const docs = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/export-policy.md'), 'utf8');
      for (const command of commands) expect(docs).toContain(command);
    });

    it('passes with k signers, fails below k, and one key of a threshold-2 signer does not count', () => {
      expect(run([keys.alice![0]!, keys.bob![0]!])).toMatchObject({ code: 0, stdout: expect.stringContaining('signed by 2 of 3 signer(s); 2 required') });
      expect(run([keys.alice![0]!, keys.team![0]!])).toMatchObject({ code: 1, stdout: expect.stringContaining('not signed by team') });
      expect(run([keys.alice![0]!, ...keys.team!])).toMatchObject({ code: 0 });
      expect(run([keys.alice![0]!, keys.bob![0]!], 'registry.example.com/other/app@sha256:00')).toMatchObject({ code: 2 });
      expect(run([keys.alice![0]!, keys.bob![0]!], '')).toMatchObject({ code: 2, stdout: expect.stringContaining('usage:') });
    });
  });
});
