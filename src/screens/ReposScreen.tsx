import { Text } from 'ink';
import { useAppStore } from '../state/context.js';
import { selectedRow } from '../state/list.js';
import type { RepoRow } from '../state/services.js';
import type { Column } from '../ui/DataTable.js';
import { theme } from '../ui/theme.js';
import { expiryText, warns } from './format.js';
import { ListScreen } from './ListScreen.js';

// On a narrow terminal the counts go first (the Tags and Signers screens show them); the expiry, the
// column that warns, stays as long as the name and the state.
const columns: Column<RepoRow>[] = [
  { title: 'Repository', priority: 5, minWidth: 24, shorten: 'middle', value: (r) => r.gun },
  { title: 'Tags', width: 6, priority: 2, align: 'right', value: (r) => String(r.tagCount) },
  { title: 'Signers', width: 8, priority: 1, align: 'right', value: (r) => String(r.signerCount) },
  { title: 'Earliest expiry', width: 24, priority: 3, value: (r) => expiryText(r.earliestExpiry, r.expiryState), color: (r) => (warns(r.expiryState) ? theme.warning : undefined) },
  { title: 'State', width: 8, priority: 4, value: (r) => r.state, color: (r) => (r.state === 'offline' || r.state === 'error' ? theme.danger : undefined) },
];

export function ReposScreen({ height }: { height: number }) {
  const store = useAppStore();
  const open = (screen: 'tags' | 'signers') => {
    const repo = selectedRow(store.getState().lists.repos);
    if (repo) store.getState().openRepository(repo.gun, screen);
  };
  return (
    <ListScreen
      screen="repos"
      list="repos"
      title="Repositories"
      noun="repositories"
      columns={columns}
      rowKey={(r) => r.gun}
      height={height}
      commands={{
        'nav.open': () => open('tags'),
        'repos.signers': () => open('signers'),
        'repos.add': () => store.getState().promptWatchRepository(),
        'repos.migrate': () => store.getState().migrateSelectedRepository(),
      }}
      emptyHint={<Text>No repositories yet. Press a to watch one, or sign a tag from the command line.</Text>}
    />
  );
}
