// The short key ID trust-tui shows everywhere (CLI, UI, errors) and asks to be typed: the first 7 hex
// digits, as notary's passphrase prompts show a key (notary passphrase/passphrase.go). Only
// `inspect --pretty` keeps docker's own 12 (cli/command/trust/inspect_pretty.go), byte for byte.
export const SHORT_KEY_ID_LENGTH = 7;

/** True for a whole hex key or certificate ID (SHA-256: 64 hex digits). */
export function isKeyId(id: string): boolean {
  return /^[0-9a-f]{64}$/.test(id);
}

/** True for a hex key or certificate ID, or a prefix of one as long as a short ID or longer. */
export function isKeyIdPrefix(id: string): boolean {
  return /^[0-9a-f]{7,64}$/.test(id);
}

/** The short form of a hex key or certificate ID (or of a longer prefix of one); anything else is returned unchanged. */
export function shortKeyId(id: string): string {
  return isKeyIdPrefix(id) ? id.slice(0, SHORT_KEY_ID_LENGTH) : id;
}
