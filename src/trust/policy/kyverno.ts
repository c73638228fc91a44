// Kyverno ClusterPolicy with a verifyImages rule (cosign signatures, the legacy `.sig` tag Kyverno's
// `type: Cosign` reads). The k of n is one attestor set whose entries are nested sets, one per
// signer: Kyverno splits a publicKeys string holding several PEM blocks into sibling entries, so a
// signer's keys sit in their own nested set and can only ever count once.
import { imagePatterns, policyFileName, resourceName, yamlDocument, yamlStream, type BuiltPolicy, type PolicyInput } from './common.js';
import { keysRequired } from './signers.js';

export function kyvernoPolicy(input: PolicyInput): BuiltPolicy {
  const { exact, tagged, digested } = imagePatterns(input.gun);
  const scope = [exact, tagged, digested];
  const n = input.signers.length;
  const signerSets = input.signers.map((s) => ({
    attestor: {
      count: keysRequired(s),
      entries: s.keys.map((k) => ({
        keys: {
          publicKeys: k.pem,
          signatureAlgorithm: 'sha256',
          // No transparency log entry exists for these signatures (see the caveats above).
          rekor: { ignoreTlog: true },
          ctlog: { ignoreSCT: true },
        },
      })),
    },
  }));
  const policy = {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: {
      name: resourceName(input.gun),
      annotations: {
        'policies.kyverno.io/title': `Docker Content Trust signers of ${input.gun}`,
        'policies.kyverno.io/description': `Images of ${input.gun} must carry cosign signatures of ${input.threshold} of ${n} signer(s): ${input.signers.map((s) => s.name).join(', ')}.`,
      },
    },
    spec: {
      validationFailureAction: 'Enforce',
      background: false,
      webhookTimeoutSeconds: 30,
      rules: [
        {
          name: 'dct-signers',
          match: { any: [{ resources: { kinds: ['Pod'] } }] },
          verifyImages: [
            {
              imageReferences: scope,
              type: 'Cosign',
              mutateDigest: true,
              verifyDigest: true,
              required: true,
              attestors: [{ count: input.threshold, entries: signerSets }],
            },
          ],
        },
      ],
    },
  };
  const entries = ['spec', 'rules', 0, 'verifyImages', 0, 'attestors', 0, 'entries'];
  const comments = input.signers.map((s, i) => ({
    path: [...entries, i],
    text: `signer ${s.name}: ${s.keys.length} key(s), ${keysRequired(s)} of them must have signed`,
  }));
  return {
    files: [{ path: policyFileName(input.gun, 'kyverno'), content: yamlStream(input.caveats, [yamlDocument(policy, comments)]), mode: 0o644 }],
    caveatsInline: true,
    scope,
  };
}
