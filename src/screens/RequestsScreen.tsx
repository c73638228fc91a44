// Open signing requests of every repository (as `trust-tui request list`): progress, status in words,
// the deadline and a stale badge. Enter shows the change and who signed; a approves, m merges a file
// someone sent back, s submits a ready one, x cancels, b rebases a stale one.
import { Text } from 'ink';
import { useAppStore } from '../state/context.js';
import { deadlineText, isStale, progressText, statusText } from '../state/requests-view.js';
import type { ListedRequest } from '../state/services.js';
import type { Column } from '../ui/DataTable.js';
import { theme } from '../ui/theme.js';
import { ListScreen } from './ListScreen.js';

const attention = (r: ListedRequest) => r.evaluation?.state === 'stale' || r.evaluation?.state === 'expired' || r.evaluation?.state === 'unsatisfiable' || !r.evaluation;

// On a narrow terminal the status in words stays whole (it says what to do); the ID and the deadline
// go first (Enter shows both).
const columns: Column<ListedRequest>[] = [
  { title: 'Repository', priority: 5, minWidth: 14, shorten: 'middle', value: (r) => r.gun },
  { title: 'Signed', width: 7, priority: 6, value: (r) => progressText(r) },
  {
    title: 'Status',
    priority: 7,
    minWidth: 34,
    shorten: 'end',
    value: (r) => (isStale(r) ? `⚠ STALE ${statusText(r).replace(/^stale: /, '')}` : statusText(r)),
    color: (r) => (attention(r) ? theme.warning : r.evaluation?.state === 'ready' ? theme.success : undefined),
  },
  { title: 'Deadline', width: 13, priority: 3, value: (r) => deadlineText(r.deadline) },
  { title: 'ID', width: 12, priority: 1, value: (r) => r.id },
];

export function RequestsScreen({ height }: { height: number }) {
  const store = useAppStore();
  const actions = store.getState();
  return (
    <ListScreen
      screen="requests"
      list="requests"
      title="Signing requests"
      noun="requests"
      columns={columns}
      rowKey={(r) => r.id}
      height={height}
      commands={{
        'nav.open': () => void actions.showSelectedRequest(),
        'requests.approve': () => void actions.approveSelectedRequest(),
        'requests.merge': () => actions.promptMergeRequestFile(),
        'requests.submit': () => void actions.submitSelectedRequest(),
        'requests.cancel': () => actions.cancelSelectedRequest(),
        'requests.rebase': () => void actions.rebaseSelectedRequest(),
      }}
      emptyHint={<Text>No open signing requests here. A k-of-n role change opens one (see docs/team-signing.md).</Text>}
    />
  );
}
