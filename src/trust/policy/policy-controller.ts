// sigstore policy-controller ClusterImagePolicy (policy.sigstore.dev/v1beta1). Inside one policy
// the authorities are OR and every policy matching an image must pass (AND), so "all of them, one
// key each" is one policy per signer whose authorities are that signer's keys. Anything else (k of
// n, or a signer whose DCT threshold needs several of its keys) is one policy with every key as an
// authority plus a Rego `spec.policy` counting signers over `authorityMatches` (which lists the
// authorities that verified). A key authority without `ctlog` skips the transparency log
// (policy-controller pkg/webhook/validator.go, checkOptsFromAuthority).
import { imagePatterns, policyFileName, resourceName, yamlDocument, yamlStream, type BuiltPolicy, type PolicyInput } from './common.js';
import { keysRequired, type PolicySigner } from './signers.js';

/** policy-controller matches globs against Docker Hub images as index.docker.io/… */
function hubHost(gun: string): string {
  return gun.startsWith('docker.io/') ? `index.${gun}` : gun;
}

function authorities(s: PolicySigner): { name: string; key: { data: string; hashAlgorithm: string } }[] {
  return s.keys.map((k, i) => ({ name: authorityName(s, i), key: { data: k.pem, hashAlgorithm: 'sha256' } }));
}

function authorityName(s: PolicySigner, index: number): string {
  return `${s.name}-key-${index + 1}`;
}

/** A JSON string is a valid Rego string literal. */
const rego = (v: unknown) => JSON.stringify(v);

/** Rego (valid with and without OPA 1.0's keywords: no rule bodies) counting satisfied signers. */
export function countingRego(input: PolicyInput): string {
  const required = Object.fromEntries(input.signers.map((s) => [s.name, keysRequired(s)]));
  const signerOf = Object.fromEntries(input.signers.flatMap((s) => s.keys.map((_, i) => [authorityName(s, i), s.name])));
  return [
    'package sigstore',
    '',
    '# How many of its keys each signer needs, and whose key each authority is.',
    `required_keys := ${rego(required)}`,
    `signer_of := ${rego(signerOf)}`,
    '',
    '# A signer counts once, when enough of its own keys verified.',
    'satisfied := {s | required_keys[s] = k; count({a | signer_of[a] == s; count(input.authorityMatches[a].signatures) > 0}) >= k}',
    '',
    `isCompliant := count(satisfied) >= ${input.threshold}`,
    '',
  ].join('\n');
}

export function policyControllerPolicy(input: PolicyInput): BuiltPolicy {
  const { tagged, digested } = imagePatterns(hubHost(input.gun));
  const scope = [tagged, digested];
  const images = scope.map((glob) => ({ glob }));
  const everyone = input.threshold === input.signers.length && input.signers.every((s) => keysRequired(s) === 1);
  const cip = (name: string, spec: object) => ({ apiVersion: 'policy.sigstore.dev/v1beta1', kind: 'ClusterImagePolicy', metadata: { name }, spec });
  const documents = everyone
    ? input.signers.map((s) =>
        yamlDocument(cip(resourceName(input.gun, s.name), { images, authorities: authorities(s) }), [
          { path: ['spec'], text: `signer ${s.name}: an image needs a signature by one of its ${s.keys.length} key(s)` },
        ]),
      )
    : [
        yamlDocument(
          cip(resourceName(input.gun), {
            images,
            authorities: input.signers.flatMap(authorities),
            policy: { type: 'rego', data: countingRego(input) },
          }),
          [{ path: ['spec', 'policy'], text: `${input.threshold} of ${input.signers.length} signers (${input.signers.map((s) => s.name).join(', ')}) must have signed` }],
        ),
      ];
  return {
    files: [{ path: policyFileName(input.gun, 'policy-controller'), content: yamlStream(input.caveats, documents), mode: 0o644 }],
    caveatsInline: true,
    scope,
  };
}
