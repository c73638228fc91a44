import { Text } from 'ink';
import { useApp, useAppStore } from '../state/context.js';
import type { SignerRow } from '../state/services.js';
import type { Column } from '../ui/DataTable.js';
import { shortId } from './format.js';
import { ListScreen } from './ListScreen.js';
import { useCopy } from './useCopy.js';

const columns: Column<SignerRow>[] = [
  { title: 'Signer', width: 20, priority: 5, value: (s) => s.name },
  // Narrower than other flexible columns, so that on 60 columns the tag count keeps its heading.
  { title: 'Keys', priority: 4, minWidth: 9, value: (s) => s.keyIds.map(shortId).join(', ') },
  { title: 'Threshold', width: 10, priority: 2, align: 'right', value: (s) => String(s.threshold) },
  // ✓: their signature on the current targets/releases file verifies; ·: it does not (or is absent).
  { title: 'Releases', width: 9, priority: 3, value: (s) => (s.releasesSigned === undefined ? '' : s.releasesSigned ? '✓' : '·') },
  // Not `signer list`'s TAGS (the tags in the signer's own role): approvers count too, as on the Tags screen.
  { title: 'Tags signed/approved', width: 21, priority: 3, align: 'right', value: (s) => String(s.tagsSigned) },
];

export function SignersScreen({ height }: { height: number }) {
  const store = useAppStore();
  const gun = useApp((s) => s.gun);
  const actions = store.getState();
  const copy = useCopy('signers');
  return (
    <ListScreen
      screen="signers"
      list="signers"
      title={gun ? `Signers of ${gun}` : 'Signers'}
      noun="signers"
      columns={columns}
      rowKey={(s) => s.name}
      height={height}
      commands={{
        'nav.open': () => void actions.showSelectedSigner(),
        'signers.copy': copy,
        'signers.add': () => void actions.startSignerSetup(),
        'signers.remove': () => void actions.confirmRemoveSelectedSigner(),
        'signers.removeKey': () => actions.chooseSignerKeyToRemove(),
        'signers.sweep': () => actions.sweepSelectedSigner(),
        'signers.exportPolicy': () => actions.startPolicyExport(),
      }}
      emptyHint={gun ? <Text>No signers yet. Press a to add one.</Text> : <Text>No repository chosen: press 1, then Enter on a repository.</Text>}
    />
  );
}
