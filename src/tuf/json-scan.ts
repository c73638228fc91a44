// One pass over JSON text that the native JSON.parse already accepted, answering the two questions
// JSON.parse cannot: would Go's stricter decoding accept it too (integers only, within float64's
// exact range, bounded nesting), and is the envelope's `signed` member ALREADY in canonical form
// (docker/go MarshalCanonical: sorted keys, no whitespace, no escapes it would not write)? In the
// second case the received text of `signed` is byte for byte the message its signatures cover, and
// need not be rebuilt from the parsed value (notary tuf/signed/verify.go re-marshals it; the result
// would be the same bytes).

export interface JsonScan {
  /**
   * Every number is an integer that float64 carries exactly and nesting stays below `maxDepth`.
   * False only means "not proven": the strict parser then decides (and names the problem).
   */
  goCompatible: boolean;
  /** Code-unit range of the top-level member `signed` when its text is canonical JSON already. */
  canonicalSigned?: { start: number; end: number };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** compareUtf8's order for one code unit: surrogates above U+E000..U+FFFF, i.e. code-point order. */
const utf8Rank = (c: number) => (c < 0xd800 ? c : c <= 0xdfff ? c + 0x2000 : c - 0x800);

/** Whether key text [a, aEnd) sorts strictly before [b, bEnd) by UTF-8 bytes. */
function keyBefore(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < n; i++) {
    const x = text.charCodeAt(a + i);
    const y = text.charCodeAt(b + i);
    if (x !== y) return x < 0xd800 && y < 0xd800 ? x < y : utf8Rank(x) < utf8Rank(y);
  }
  return aEnd - a < bEnd - b;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Scans `text`, which MUST be valid JSON (JSON.parse accepted it); see JsonScan. */
export function scanJson(text: string, maxDepth: number): JsonScan {
  const length = text.length;
  // Per nesting level: whether it is an object, and the range of its previous key (for the order check).
  const isObject: boolean[] = [];
  const prevKeyStart: number[] = [];
  const prevKeyEnd: number[] = [];
  let depth = 0;
  let expectKey = false;
  // The top-level member `signed`: where its value starts, whether it is still canonical, where it ends.
  let signedSeen = 0;
  let nextValueIsSigned = false;
  let signedDepth = -1;
  let signedStart = -1;
  let signedEnd = -1;
  let canonical = false;
  const inSigned = () => signedDepth >= 0 && depth >= signedDepth;

  // Without a backslash anywhere, every string ends at the next quote: found natively, not char by char.
  const noEscapes = !text.includes('\\');
  let pos = 0;
  while (pos < length) {
    const c = text.charCodeAt(pos);
    if (c === QUOTE) {
      if (!expectKey) nextValueIsSigned = false;
      const start = pos + 1;
      let escaped = false;
      let p: number;
      if (noEscapes) {
        p = text.indexOf('"', start);
      } else {
        p = start;
        for (;;) {
          const d = text.charCodeAt(p);
          if (d === QUOTE) break;
          if (d === BACKSLASH) {
            escaped = true;
            p += 2;
          } else p++;
        }
      }
      pos = p + 1;
      if (inSigned()) {
        // docker/go writes only `\"` and `\\`; a file without escapes needs no decoding to compare.
        if (escaped) canonical = false;
        if (expectKey && canonical) {
          const level = depth - 1;
          if (prevKeyStart[level]! >= 0 && !keyBefore(text, prevKeyStart[level]!, prevKeyEnd[level]!, start, p)) canonical = false;
          prevKeyStart[level] = start;
          prevKeyEnd[level] = p;
        }
      } else if (expectKey && depth === 1 && p - start === 6 && text.startsWith('signed', start) && !escaped) {
        nextValueIsSigned = true;
        signedSeen++;
      }
      expectKey = false;
      continue;
    }
    switch (c) {
      case 0x7b /* { */:
      case 0x5b /* [ */: {
        if (nextValueIsSigned) {
          nextValueIsSigned = false;
          if (c === 0x7b) {
            signedDepth = depth + 1;
            signedStart = pos;
            canonical = true;
          }
        }
        if (depth + 1 >= maxDepth) return { goCompatible: false };
        isObject[depth] = c === 0x7b;
        prevKeyStart[depth] = -1;
        depth++;
        expectKey = c === 0x7b;
        pos++;
        continue;
      }
      case 0x7d /* } */:
      case 0x5d /* ] */:
        depth--;
        if (depth + 1 === signedDepth) {
          signedEnd = pos + 1;
          signedDepth = -1;
        }
        expectKey = false;
        pos++;
        continue;
      case 0x2c /* , */:
        expectKey = isObject[depth - 1] === true;
        pos++;
        continue;
      case 0x3a /* : */:
        pos++;
        continue;
      case 0x20:
      case 0x09:
      case 0x0a:
      case 0x0d:
        if (inSigned()) canonical = false;
        pos++;
        continue;
      case 0x74 /* true */:
      case 0x6e /* null */:
        nextValueIsSigned = false;
        pos += 4;
        continue;
      case 0x66 /* false */:
        nextValueIsSigned = false;
        pos += 5;
        continue;
      default: {
        // A number: JSON's grammar is -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        nextValueIsSigned = false;
        const start = pos;
        if (c === 0x2d) pos++;
        while (pos < length && isDigit(text.charCodeAt(pos))) pos++;
        const next = text.charCodeAt(pos);
        // Go decodes these fields into int: a fraction or an exponent does not fit.
        if (next === 0x2e || next === 0x65 || next === 0x45) return { goCompatible: false };
        // Up to 15 digits always fit float64 exactly; longer ones are checked.
        if (pos - start > 15 && !Number.isSafeInteger(Number(text.slice(start, pos)))) return { goCompatible: false };
        // `-0` parses to 0, which canonical JSON writes without the sign.
        if (inSigned() && c === 0x2d && pos - start === 2 && text.charCodeAt(start + 1) === 0x30) canonical = false;
      }
    }
  }
  const proven = signedSeen === 1 && canonical && signedEnd > signedStart;
  return { goCompatible: true, ...(proven ? { canonicalSigned: { start: signedStart, end: signedEnd } } : {}) };
}
