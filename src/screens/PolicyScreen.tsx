// The repositories a signing policy file covers, each in sync, drifted or violating
// (src/trust/signing-policy/overview.ts says which is which). Enter shows the plan as `policy plan`
// prints it, a applies it behind a confirmation showing the apply plan, f reads another policy file.
import { Text } from 'ink';
import { useAppStore } from '../state/context.js';
import type { PolicyRow } from '../state/services.js';
import type { Column } from '../ui/DataTable.js';
import { theme } from '../ui/theme.js';
import { ListScreen } from './ListScreen.js';

const BADGE = { 'in sync': '✓ in sync', drifted: '~ drifted', violating: '✗ violating', unreadable: '? unreadable' } as const;
const COLOR = { 'in sync': theme.success, drifted: theme.warning, violating: theme.danger, unreadable: theme.danger } as const;

const columns: Column<PolicyRow>[] = [
  { title: 'Repository', priority: 5, minWidth: 14, shorten: 'middle', value: (r) => r.gun },
  { title: 'State', width: 12, priority: 6, value: (r) => BADGE[r.badge], color: (r) => COLOR[r.badge] },
  { title: 'Why', priority: 4, minWidth: 16, shorten: 'end', value: (r) => r.why },
];

export function PolicyScreen({ height }: { height: number }) {
  const store = useAppStore();
  const actions = store.getState();
  return (
    <ListScreen
      screen="policy"
      list="policy"
      title="Signing policy"
      noun="repositories"
      columns={columns}
      rowKey={(r) => r.gun}
      height={height}
      commands={{
        'nav.open': () => actions.showSelectedPolicyPlan(),
        'policy.apply': () => void actions.applySelectedPolicy(),
        'policy.file': () => actions.choosePolicyFile(),
      }}
      emptyHint={
        <Text wrap="wrap">
          No policy file {store.getState().policyFile} here. Write one from a repository with trust-tui policy init --from REPO, or press f to open another file (docs/policy.md).
        </Text>
      }
    />
  );
}
