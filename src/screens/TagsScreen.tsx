import { Text } from 'ink';
import { useApp, useAppStore } from '../state/context.js';
import type { TagRow } from '../state/services.js';
import type { Column } from '../ui/DataTable.js';
import { glyph, theme } from '../ui/theme.js';
import { humanSize } from './format.js';
import { ListScreen } from './ListScreen.js';
import { useCopy } from './useCopy.js';

/** The table's columns; `stale`: the rows are the last ones read (reading again failed), so nothing verifies now. */
function tagColumns(stale: boolean): Column<TagRow>[] {
  return [
    { title: 'Tag', width: 20, priority: 5, value: (t) => t.tag },
    { title: 'Digest', width: 17, priority: 2, value: (t) => t.digest.replace(/^sha256:/, '').slice(0, 16) },
    { title: 'Size', width: 10, priority: 1, align: 'right', value: (t) => humanSize(t.size) },
    // While the repository loads, the signers known so far and … for those still being verified.
    { title: 'Signed by', width: 20, priority: 3, value: (t) => (t.checking ? [...t.signers, '…'] : t.signers).join(', ') || '-' },
    {
      title: 'Verifies',
      priority: 4,
      minWidth: 12,
      // A row listed while the repository is still being verified has no verdict yet.
      value: (t) => (stale ? 'not now' : t.checking ? 'checking…' : t.verified ? `${glyph.ok} yes` : `${glyph.error} ${t.problem ?? 'no'}`),
      color: (t) => (stale || t.checking ? theme.muted : t.verified ? theme.success : theme.danger),
    },
  ];
}
const CURRENT = tagColumns(false);
const STALE = tagColumns(true);

export function TagsScreen({ height }: { height: number }) {
  const store = useAppStore();
  const gun = useApp((s) => s.gun);
  const actions = store.getState();
  const copy = useCopy('tags');
  const stale = useApp((s) => s.lists.tags.status === 'error' && s.lists.tags.rows.length > 0);
  return (
    <ListScreen
      screen="tags"
      list="tags"
      title={gun ? `Tags of ${gun}` : 'Tags'}
      noun="tags"
      columns={stale ? STALE : CURRENT}
      rowKey={(t) => t.tag}
      height={height}
      commands={{
        'nav.open': () => void actions.showSelectedTag(),
        'tags.copy': copy,
        'tags.sign': () => actions.promptSignTag(),
        'tags.revoke': () => void actions.confirmRevokeSelectedTag(),
        'tags.exportReport': () => void actions.showExportReport(),
        'tags.export': () => void actions.chooseExport(),
      }}
      emptyHint={
        gun ? <Text>No signed tags in {gun}. Press s to sign one.</Text> : <Text>No repository chosen: press 1, then Enter on a repository.</Text>
      }
    />
  );
}
