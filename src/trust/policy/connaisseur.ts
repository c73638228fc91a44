// Connaisseur (v3) Helm values: one `cosign` validator whose trust roots are the signers' keys, and
// policy rules for the repository's images with `trustRoot: "*"` plus `threshold` (k) and, when all
// are required, `required` (every signer by name). Connaisseur counts trust roots, so a signer with
// several keys cannot be expressed without counting twice: such a selection is refused.
import { InputError } from '../errors.js';
import { imagePatterns, policyFileName, resourceName, yamlDocument, yamlStream, type BuiltPolicy, type PolicyInput } from './common.js';

export function connaisseurValues(input: PolicyInput): BuiltPolicy {
  const several = input.signers.find((s) => s.keys.length > 1);
  if (several) {
    throw new InputError(
      `signer ${several.name} of ${input.gun} has ${several.keys.length} keys, and Connaisseur counts each key as a signer of its own`,
      { hint: { cli: `use --kyverno or --policy-controller, or leave ${several.name} out with --signers`, ui: `choose Kyverno or policy-controller, or leave ${several.name} out` } },
    );
  }
  const validator = resourceName(input.gun);
  const { tagged, digested } = imagePatterns(input.gun);
  const scope = [tagged, digested];
  const all = input.threshold === input.signers.length;
  const values = {
    application: {
      validators: [
        {
          name: validator,
          type: 'cosign',
          trustRoots: input.signers.map((s) => ({ name: s.name, key: s.keys[0]!.pem })),
        },
      ],
      policy: scope.map((pattern) => ({
        pattern,
        validator,
        with: {
          trustRoot: '*',
          threshold: input.threshold,
          ...(all ? { required: input.signers.map((s) => s.name) } : {}),
          verifyInTransparencyLog: false,
        },
      })),
    },
  };
  const header = [
    ...input.caveats,
    'Merge into the values of the Connaisseur Helm chart: the validator goes into application.validators, the rules into application.policy (keep your other entries).',
  ];
  return {
    files: [{ path: policyFileName(input.gun, 'connaisseur'), content: yamlStream(header, [yamlDocument(values)]), mode: 0o644 }],
    caveatsInline: true,
    scope,
  };
}
