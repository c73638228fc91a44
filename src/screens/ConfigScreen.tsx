import { Text } from 'ink';
import { useAppStore } from '../state/context.js';
import type { ConfigRow } from '../state/rows.js';
import type { Column } from '../ui/DataTable.js';
import { ListScreen } from './ListScreen.js';

const columns: Column<ConfigRow>[] = [
  { title: 'Setting', width: 30, priority: 5, shorten: 'middle', value: (c) => c.label },
  { title: 'Value', priority: 4, minWidth: 20, shorten: 'middle', value: (c) => c.value },
];

export function ConfigScreen({ height }: { height: number }) {
  const store = useAppStore();
  const actions = store.getState();
  return (
    <ListScreen
      screen="config"
      list="config"
      title="Config"
      noun="settings"
      columns={columns}
      rowKey={(c) => c.id}
      height={height}
      commands={{
        'nav.open': () => actions.editSelectedConfig(),
        'config.add': () => actions.promptAddConfig(),
        'config.remove': () => actions.confirmRemoveSelectedConfig(),
      }}
      emptyHint={<Text>Loading settings…</Text>}
    />
  );
}
