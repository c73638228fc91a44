// How a tag's per-format results read, for the CLI and the UI alike. No IO here: the plain CLI
// renders with it without loading the export itself.
import type { SignatureFormat } from './verify-signatures.js';

export type FormatAction = 'written' | 'already-present' | 'would-write';

const ACTION_TEXT: Record<FormatAction, string> = { written: 'written and verified', 'already-present': 'already there', 'would-write': 'would write' };

/** `written and verified: .sig, bundle; already there: notation` */
export function formatActions(formats: readonly { format: SignatureFormat; action: FormatAction }[], label: (f: SignatureFormat) => string): string {
  const order: FormatAction[] = ['would-write', 'written', 'already-present'];
  return order
    .map((action) => [action, formats.filter((f) => f.action === action).map((f) => label(f.format))] as const)
    .filter(([, names]) => names.length > 0)
    .map(([action, names]) => `${ACTION_TEXT[action]}: ${names.join(', ')}`)
    .join('; ');
}

