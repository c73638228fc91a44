import { Text } from 'ink';
import { useAppStore } from '../state/context.js';
import type { KeyRow } from '../state/services.js';
import type { Column } from '../ui/DataTable.js';
import { fitNames, truncateEnd } from '../ui/columns.js';
import { theme } from '../ui/theme.js';
import { shortId } from './format.js';
import { ListScreen } from './ListScreen.js';
import { useCopy } from './useCopy.js';

const columns: Column<KeyRow>[] = [
  { title: 'Key ID', width: 9, priority: 5, value: (k) => shortId(k.id) },
  { title: 'Name / role', width: 16, priority: 4, shorten: 'middle', value: (k) => k.role, color: (k) => (k.problem ? theme.danger : undefined) },
  { title: 'Type', width: 8, priority: 1, value: (k) => k.type },
  {
    title: 'Trusted by',
    priority: 3,
    minWidth: 26,
    value: (k) => (k.problem ? `unreadable: ${k.problem}` : k.trustedBy.join(', ') || k.gun || '-'),
    fit: (k, width) => (k.problem || k.trustedBy.length === 0 ? truncateEnd(k.problem ? `unreadable: ${k.problem}` : k.gun || '-', width) : fitNames(k.trustedBy, width)),
  },
  { title: 'Tags signed', width: 12, priority: 2, align: 'right', value: (k) => String(k.tagsSigned) },
];

export function KeysScreen({ height }: { height: number }) {
  const store = useAppStore();
  const actions = store.getState();
  const copy = useCopy('keys');
  return (
    <ListScreen
      screen="keys"
      list="keys"
      title="Keys"
      noun="keys"
      columns={columns}
      rowKey={(k) => k.id}
      height={height}
      commands={{
        'nav.open': () => void actions.showSelectedKey(),
        'keys.copy': copy,
        'keys.import': () => actions.startKeyImport(),
        'keys.generate': () => actions.startKeyGenerate(),
        'keys.sweep': () => actions.sweepSelectedKey(),
      }}
      emptyHint={<Text>No keys in the trust directory. Press n to generate one or i to import a key file.</Text>}
    />
  );
}
