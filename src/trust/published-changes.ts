// One sentence per role a publish changed, from the verified before/after difference (src/tuf/
// repository-diff.ts). The CLI prints these lines and the interactive UI shows the same ones, so both
// faces say exactly what the server now serves.
import { shortKeyId } from '../tuf/short-key-id.js';
import type { PublishedRoleChange } from '../tuf/repository-diff.js';

const ids = (keys: readonly string[]) => keys.map(shortKeyId).join(', ');
const list = (tags: readonly string[]) => tags.join(', ');

const STATE: Record<PublishedRoleChange['outcome'], string> = {
  added: 'added',
  removed: 'deleted, with its signatures',
  're-signed': 're-signed; it verifies',
  'still-valid': 'still verifies',
  unverifiable: 'does NOT verify any more, until a holder of one of its keys signs it again',
  'was-unverifiable': 'did not verify before and still does not',
  unsigned: 'has not signed anything yet',
};

/** e.g. `targets/releases: key 1a2b3c4 removed; re-signed; it verifies`. */
export function describePublishedChange(c: PublishedRoleChange): string {
  if (c.outcome === 'removed') return `${c.role}: ${STATE.removed}`;
  const parts: string[] = [];
  if (c.outcome === 'added') parts.push(`added with key(s) ${ids(c.keyIds)}, threshold ${c.threshold}`);
  else {
    if (c.keysAdded.length) parts.push(`key(s) ${ids(c.keysAdded)} added`);
    if (c.keysRemoved.length) parts.push(`key(s) ${ids(c.keysRemoved)} removed`);
    if (c.previousThreshold !== null && c.threshold !== null && c.previousThreshold !== c.threshold) {
      parts.push(`threshold ${c.previousThreshold} → ${c.threshold}`);
    }
  }
  if (c.tagsAdded.length) parts.push(`signs ${list(c.tagsAdded)}`);
  if (c.tagsChanged.length) parts.push(`signs ${list(c.tagsChanged)} with a new digest`);
  if (c.tagsRemoved.length) parts.push(`no longer signs ${list(c.tagsRemoved)}`);
  if (c.outcome !== 'added') parts.push(STATE[c.outcome]);
  return `${c.role}: ${parts.join('; ')}`;
}

export function describePublishedChanges(changes: readonly PublishedRoleChange[]): string[] {
  return changes.map(describePublishedChange);
}
