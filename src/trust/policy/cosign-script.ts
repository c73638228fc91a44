// A bash gate for CI: runs `cosign verify --key <signer key> --insecure-ignore-tlog=true IMAGE` for
// each key and counts the signers whose keys verified against k (cosign has no threshold of its own).
// cosign v3 reads only Sigstore bundles once any exists for a digest; a key whose signature is a
// legacy `.sig` layer is retried with --new-bundle-format=false.
import { commentLines, keyFileNames, policyFileName, type BuiltPolicy, type PolicyInput } from './common.js';
import { keysRequired } from './signers.js';

/** Single-quoted for bash. */
function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function cosignScript(input: PolicyInput): BuiltPolicy {
  const n = input.signers.length;
  const keyFiles = input.signers.map((s) => keyFileNames(s.name, s.keys.length));
  const lines = [
    '#!/usr/bin/env bash',
    commentLines(input.caveats).trimEnd(),
    '#',
    `# Usage: $0 IMAGE   (IMAGE is ${input.gun}@sha256:<digest>, or ${input.gun}:<tag>)`,
    `# Exit 0 when at least ${input.threshold} of the ${n} signer(s) signed IMAGE, 1 when not, 2 on bad use.`,
    'set -euo pipefail',
    '',
    `REPOSITORY=${sh(input.gun)}`,
    `THRESHOLD=${input.threshold}`,
    '',
    'usage() { echo "usage: $0 $REPOSITORY@sha256:<digest> (or $REPOSITORY:<tag>)" >&2; exit 2; }',
    '[ "$#" -eq 1 ] || usage',
    'image="$1"',
    'case "$image" in',
    '  "$REPOSITORY"@sha256:* | "$REPOSITORY":*) ;;',
    '  *) usage ;;',
    'esac',
    'command -v cosign >/dev/null || { echo "cosign is not installed" >&2; exit 2; }',
    '',
    'keys="$(mktemp -d)"',
    "trap 'rm -rf \"$keys\"' EXIT",
    ...input.signers.flatMap((s, i) =>
      s.keys.flatMap((k, j) => [`# ${s.name}, key ${k.id}`, `cat >"$keys/${keyFileNames(s.name, s.keys.length)[j]}" <<'PUBLIC_KEY'`, k.pem.trimEnd(), 'PUBLIC_KEY']).concat(i === n - 1 ? [''] : []),
    ),
    '# verified_by KEYFILE: did the holder of this key sign IMAGE? (bundle format first, then legacy .sig)',
    'verified_by() {',
    '  cosign verify --key "$keys/$1" --insecure-ignore-tlog=true "$image" >/dev/null 2>&1 ||',
    '    cosign verify --key "$keys/$1" --insecure-ignore-tlog=true --new-bundle-format=false "$image" >/dev/null 2>&1',
    '}',
    '',
    '# signer NAME NEEDED KEYFILE...: a signer counts once, when NEEDED of its own keys verified.',
    'signed=0',
    'signer() {',
    '  local name="$1" needed="$2" got=0 key',
    '  shift 2',
    '  for key in "$@"; do',
    '    if verified_by "$key"; then got=$((got + 1)); fi',
    '  done',
    '  if [ "$got" -ge "$needed" ]; then',
    '    echo "signed by $name"',
    '    signed=$((signed + 1))',
    '  else',
    '    echo "not signed by $name"',
    '  fi',
    '}',
    '',
    ...input.signers.map((s, i) => `signer ${sh(s.name)} ${keysRequired(s)} ${keyFiles[i]!.map(sh).join(' ')}`),
    '',
    'if [ "$signed" -ge "$THRESHOLD" ]; then',
    `  echo "$image: signed by $signed of ${n} signer(s); $THRESHOLD required"`,
    '  exit 0',
    'fi',
    `echo "$image: signed by only $signed of ${n} signer(s); $THRESHOLD required" >&2`,
    'exit 1',
    '',
  ];
  return {
    files: [{ path: policyFileName(input.gun, 'cosign-cmd'), content: lines.join('\n'), mode: 0o755 }],
    caveatsInline: true,
    scope: [`${input.gun}@sha256:*`, `${input.gun}:*`],
  };
}
