// Kyverno ClusterPolicy with a verifyImages rule: cosign signatures (the legacy `.sig` tag Kyverno's
// `type: Cosign` reads), or Notation signatures (`type: Notary`, kyverno pkg/notary/notary.go). The k of n is one attestor set whose entries are nested sets, one per
// signer: Kyverno splits a publicKeys string holding several PEM blocks into sibling entries, so a
// signer's keys sit in their own nested set and can only ever count once.
import { InputError } from '../errors.js';
import { imagePatterns, policyFileName, resourceName, yamlDocument, yamlStream, type BuiltPolicy, type PolicyInput } from './common.js';
import type { SignerCertificate } from './notation-certificate.js';
import { keysRequired } from './signers.js';

/** Kyverno verifies a Notation entry with notation-go's MaxSignatureAttempts 10 (kyverno pkg/notary/notary.go). */
export const KYVERNO_NOTATION_ATTEMPTS = 10;

/** The warning for a Notary policy naming more signers than Kyverno tries signatures, if it does. */
export function notationAttemptsWarning(signers: number): string | undefined {
  if (signers <= KYVERNO_NOTATION_ATTEMPTS) return undefined;
  const max = KYVERNO_NOTATION_ATTEMPTS;
  return `Kyverno tries at most ${max} Notation signatures of an image, and this policy names ${signers} signers: a signature past the ${max}th is never checked, so keep at most ${max} Notation signatures per image (fewer signers, or a threshold that some signers need not meet).`;
}

export function kyvernoPolicy(input: PolicyInput): BuiltPolicy {
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
  return kyvernoClusterPolicy(input, 'kyverno', { type: 'Cosign', entries: signerSets, comments: commentsFor(input) });
}

function commentsFor(input: PolicyInput): { index: number; text: string }[] {
  return input.signers.map((s, index) => ({ index, text: `signer ${s.name}: ${s.keys.length} key(s), ${keysRequired(s)} of them must have signed` }));
}

/**
 * Kyverno `type: Notary`: one attestor set with `count: K` and one entry per signer holding that
 * signer's certificates. Kyverno checks an entry with a trust store of just its certificates
 * (trusted identity "*", level strict), so an entry passes only on that signer's signature. A
 * signer whose DCT threshold needs several of its keys gets a nested set, one entry per key.
 */
export function kyvernoNotaryPolicy(input: PolicyInput, certificates: readonly SignerCertificate[]): BuiltPolicy {
  const entries = input.signers.map((s) => {
    const mine = certificates.filter((c) => c.signer === s.name);
    const byKey = new Map<string, SignerCertificate[]>();
    for (const c of mine) byKey.set(c.keyId, [...(byKey.get(c.keyId) ?? []), c]);
    const needed = keysRequired(s);
    const entry = (list: readonly SignerCertificate[]) => ({ certificates: { cert: list.map((c) => c.pem.trimEnd()).join('\n') } });
    if (needed === 1) return entry(mine);
    if (byKey.size < needed) {
      throw new InputError(`signer ${s.name} of ${input.gun} needs ${needed} of its keys, but Notation certificates exist for ${byKey.size} of them`, {
        hint: {
          cli: `each holder of a ${s.name} key runs trust-tui export notation ${input.gun} --as ${s.name}, or leave ${s.name} out with --signers`,
          ui: `each holder of a ${s.name} key exports Notation signatures on their host (Tags screen (2), e)`,
        },
      });
    }
    return { attestor: { count: needed, entries: [...byKey.values()].map(entry) } };
  });
  const comments = input.signers.map((s, index) => ({
    index,
    text: `signer ${s.name}: ${certificates.filter((c) => c.signer === s.name).map((c) => c.subject).filter((v, i, a) => a.indexOf(v) === i).join('; ')}`,
  }));
  return kyvernoClusterPolicy(input, 'kyverno-notary', { type: 'Notary', entries, comments });
}

function kyvernoClusterPolicy(
  input: PolicyInput,
  format: 'kyverno' | 'kyverno-notary',
  rule: { type: 'Cosign' | 'Notary'; entries: object[]; comments: { index: number; text: string }[] },
): BuiltPolicy {
  const { exact, tagged, digested } = imagePatterns(input.gun);
  const scope = [exact, tagged, digested];
  const n = input.signers.length;
  const what = rule.type === 'Cosign' ? 'cosign signatures' : 'Notation signatures';
  const policy = {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: {
      name: resourceName(input.gun),
      annotations: {
        'policies.kyverno.io/title': `Docker Content Trust signers of ${input.gun}`,
        'policies.kyverno.io/description': `Images of ${input.gun} must carry ${what} of ${input.threshold} of ${n} signer(s): ${input.signers.map((s) => s.name).join(', ')}.`,
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
              type: rule.type,
              mutateDigest: true,
              verifyDigest: true,
              required: true,
              attestors: [{ count: input.threshold, entries: rule.entries }],
            },
          ],
        },
      ],
    },
  };
  const entries = ['spec', 'rules', 0, 'verifyImages', 0, 'attestors', 0, 'entries'];
  const comments = rule.comments.map((c) => ({ path: [...entries, c.index], text: c.text }));
  return {
    files: [{ path: policyFileName(input.gun, format), content: yamlStream(input.caveats, [yamlDocument(policy, comments)]), mode: 0o644 }],
    caveatsInline: true,
    scope,
  };
}
