// What a typed manifest digest and size must look like, for `sign --digest/--size` and the UI's sign
// dialog alike. A tag's target is its manifest: a sha256 digest (notary and docker record sha256
// hashes) and a size that no manifest can have as zero.

/** What `digest` lacks to be a manifest digest (undefined when nothing), phrased to complete "a manifest digest needs …". */
export function digestProblem(digest: string): string | undefined {
  const value = digest.trim();
  if (/^sha256:[0-9a-f]{64}$/.test(value)) return undefined;
  if (!value.startsWith('sha256:')) return 'sha256: followed by 64 hex digits';
  const hex = value.slice('sha256:'.length);
  if (/[^0-9a-f]/.test(hex)) return 'only lowercase hex digits (0-9, a-f) after sha256:';
  return `64 hex digits after sha256: (${hex.length} so far)`;
}

/** Why `size` is not a manifest size in bytes (undefined when it is). */
export function sizeProblem(size: string): string | undefined {
  const value = size.trim();
  if (!/^\d+$/.test(value)) return 'a whole number of bytes';
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) return 'a positive number of bytes';
  return undefined;
}
