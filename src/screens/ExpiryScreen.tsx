// What runs out when, soonest first, across every repository this host knows (as `trust-tui expiry`),
// with who can renew each; w narrows to a window, R renews the row's repository after showing the plan,
// A everything this host can renew (one plan, one confirmation).
import { Text } from 'ink';
import { useApp, useAppStore } from '../state/context.js';
import { selectedRow } from '../state/list.js';
import type { ExpiryRow, Renewer } from '../state/services.js';
import type { Column } from '../ui/DataTable.js';
import { theme } from '../ui/theme.js';
import { ListScreen } from './ListScreen.js';

function renewedBy(r: Renewer): string {
  return r.kind === 'this-host' ? 'this host' : r.kind === 'server' ? 'server (auto)' : r.who;
}

const urgent = (e: ExpiryRow) => e.needsAction && (e.state === 'expired' || e.state === 'expires-soon' || e.state === 'not-yet-valid');

// On a narrow terminal the date goes first (the time left says the same), then who renews it (Enter
// shows it); the repository, the role and the time left stay.
const columns: Column<ExpiryRow>[] = [
  { title: 'Repository', priority: 5, minWidth: 16, shorten: 'middle', value: (e) => e.gun + (e.offline ? ' (cached)' : '') },
  { title: 'Role', width: 17, priority: 6, shorten: 'middle', value: (e) => e.role },
  { title: 'Left', width: 19, priority: 7, value: (e) => `${urgent(e) ? '⚠ ' : ''}${e.timeLeft}`, color: (e) => (urgent(e) ? (e.state === 'expired' ? theme.danger : theme.warning) : undefined) },
  { title: 'Expires', width: 11, priority: 1, value: (e) => e.expires.slice(0, 10) },
  { title: 'Renewed by', width: 14, priority: 4, shorten: 'end', value: (e) => renewedBy(e.renewer) },
];

function detailLines(e: ExpiryRow): string[] {
  const r = e.renewer;
  // What the server re-signs, the user can only read about: the explanation comes first, so it is
  // whole on a small terminal, and the row's facts scroll in below it.
  if (r.kind === 'server') {
    return [
      'Renewed by the trust server itself, not by this host:',
      r.note,
      `Expires: ${e.expires} (${e.timeLeft})`,
      `Role ${e.role}, version ${e.version ?? '-'}`,
      `Repository: ${e.gun}${e.offline ? ' (read from the cache: its server is unreachable)' : ''}`,
    ];
  }
  return [
    `Repository: ${e.gun}${e.offline ? ' (read from the cache: its server is unreachable)' : ''}`,
    `${e.kind === 'certificate' ? `Root certificate ${e.keyId?.slice(0, 12) ?? ''}` : `Role ${e.role}, version ${e.version ?? '-'}`}`,
    `Expires: ${e.expires} (${e.timeLeft})`,
    ...(r.kind === 'this-host'
      ? ['Renewed by: this host (R on the list shows the plan)']
      : [`Renewed by: ${r.who}${r.keyIds.length ? ` (keys ${r.keyIds.map((k) => k.slice(0, 12)).join(', ')})` : ''}, who runs`, r.command]),
  ];
}

export function ExpiryScreen({ height }: { height: number }) {
  const store = useAppStore();
  const within = useApp((s) => s.expiryWithinDays);
  const actions = store.getState();
  return (
    <ListScreen
      screen="expiry"
      list="expiry"
      title={within === null ? 'Expiry' : `Expiry within ${within}d`}
      noun="expiries"
      columns={columns}
      rowKey={(e) => `${e.gun}\u0000${e.role}\u0000${e.keyId ?? ''}`}
      height={height}
      commands={{
        'nav.open': () => {
          const row = selectedRow(store.getState().lists.expiry);
          if (row) actions.openModal({ kind: 'detail', title: `${row.role} of ${row.gun}`, lines: detailLines(row) });
        },
        'expiry.window': () => actions.cycleExpiryWindow(),
        'expiry.renew': () => void actions.renewSelectedRepository(),
        'expiry.renewAll': () => void actions.renewEverything(),
      }}
      emptyHint={
        <Text>{within === null ? 'No repositories known yet: sign or watch one first.' : `Nothing ends within ${within} days. Press w for another window.`}</Text>
      }
    />
  );
}
