// The browsable lists: loading through Services, cursor moves, the filter line, refresh.
import {
  emptyList,
  moveCursor,
  withError,
  withFilter,
  withLoading,
  withPartialRows,
  withRows,
  type CursorMove,
  type ListSpec,
  type ListState,
} from '../list.js';
import { configRows, configSpec, expirySpec, keySpec, policySpec, repoSpec, requestSpec, signerSpec, tagSpec, type ConfigRow } from '../rows.js';
import type { ExpiryRow, KeyRow, ListedRequest, PolicyRow, RepoRow, SignerRow, TagRow } from '../services.js';
import { describeFailure } from '../failure.js';
import { describeSignoff } from '../../trust/releases-signoff.js';
import type { SliceContext } from '../store.js';

export interface Lists {
  repos: ListState<RepoRow>;
  tags: ListState<TagRow>;
  signers: ListState<SignerRow>;
  keys: ListState<KeyRow>;
  config: ListState<ConfigRow>;
  expiry: ListState<ExpiryRow>;
  requests: ListState<ListedRequest>;
  policy: ListState<PolicyRow>;
}

/** The windows the Expiry screen cycles through (days; null: everything). */
export const EXPIRY_WINDOWS: readonly (number | null)[] = [null, 7, 30, 90];

export type ListId = keyof Lists;

export interface ListSlice {
  lists: Lists;
  /** The Expiry screen lists only what ends within this many days (null: everything). */
  expiryWithinDays: number | null;
  /** Next window (all, 7, 30, 90 days) and reload. */
  cycleExpiryWindow(): void;
  /** Loads a list the first time its screen is shown. */
  ensureLoaded(id: ListId): void;
  /** (Re)loads a list; the cursor stays on the same row. Resolves when done (never rejects). */
  load(id: ListId): Promise<void>;
  resetList(id: ListId): void;
  move(id: ListId, move: CursorMove, pageSize?: number): void;
  openFilter(id: ListId): void;
  setFilter(id: ListId, text: string): void;
  /** Enter keeps the filter and gives the keys back to the list. */
  closeFilter(id: ListId): void;
  /** Esc clears it. */
  clearFilter(id: ListId): void;
  /**
   * Trust data was published: reloads the list on screen and `alsoNow` (resolves when done) and marks
   * the other loaded lists of trust data stale, so each reloads when next shown (tag counts, signers, keys).
   */
  trustDataChanged(alsoNow?: readonly ListId[]): Promise<void>;
}

/** The lists that show trust data (Config shows only settings). */
const TRUST_LISTS: readonly ListId[] = ['repos', 'tags', 'signers', 'keys', 'expiry', 'requests', 'policy'];

const SPECS: { [K in ListId]: ListSpec<Lists[K] extends ListState<infer R> ? R : never> } = {
  repos: repoSpec,
  tags: tagSpec,
  signers: signerSpec,
  keys: keySpec,
  config: configSpec,
  expiry: expirySpec,
  requests: requestSpec,
  policy: policySpec,
};

export function createListSlice({ set, get, services }: SliceContext): ListSlice {
  // Responses that arrive after a newer request for the same list are dropped.
  const generation: Record<ListId, number> = { repos: 0, tags: 0, signers: 0, keys: 0, config: 0, expiry: 0, requests: 0, policy: 0 };
  // Lists whose rows predate the last publish; they reload the next time their screen is shown.
  const stale = new Set<ListId>();

  // The list functions are generic over rows; the one cast to the per-list row type is here.
  function update(id: ListId, change: (list: ListState<unknown>) => ListState<unknown>): void {
    set((s) => ({ lists: { ...s.lists, [id]: change(s.lists[id] as ListState<unknown>) } as Lists }));
  }
  const specOf = (id: ListId) => SPECS[id] as ListSpec<unknown>;

  /**
   * The rows so far of a load still under way, shown only on a list that has nothing else to show
   * (a repository opened, not a refresh of rows already verified).
   */
  function showSoFar(id: ListId, mine: number, rows: readonly unknown[], progress: { done: number; total: number }): void {
    const list = get().lists[id];
    if (mine !== generation[id] || (list.rows.length > 0 && !list.progress)) return;
    update(id, (l) => withPartialRows(l, rows, specOf(id), progress));
  }

  async function fetchRows(id: ListId, mine: number): Promise<{ rows: readonly unknown[]; note?: string; summary?: string } | readonly unknown[] | undefined> {
    const gun = get().gun;
    switch (id) {
      case 'repos':
        return services.listRepositories();
      case 'tags':
      case 'signers': {
        if (!gun) return undefined;
        const list =
          id === 'tags'
            ? await services.listTags(gun, (p) => showSoFar(id, mine, p.rows, { done: p.rolesDone, total: p.rolesTotal }))
            : await services.listSigners(gun);
        const releases = 'releases' in list ? list.releases : undefined;
        return {
          rows: list.rows,
          ...(list.offline ? { note: `offline: ${list.server} cannot be reached, showing the cached trust data` } : {}),
          ...(releases ? { summary: describeSignoff(releases) } : {}),
        };
      }
      case 'keys':
        return services.listKeys();
      case 'config':
        return configRows(await services.readConfig());
      case 'expiry': {
        const days = get().expiryWithinDays;
        const list = await services.listExpiries(days ?? undefined);
        const notes = [
          ...(list.rootExpired.length ? [`root expired, the server cannot re-sign the timestamp (R renews it): ${list.rootExpired.join(', ')}`] : []),
          ...(list.unreadable.length ? [`${list.unreadable.length} unreadable: ${list.unreadable.map((u) => u.gun).join(', ')}`] : []),
          ...(list.offline.length ? [`offline, from the cache: ${list.offline.join(', ')}`] : []),
        ];
        return notes.length ? { rows: list.rows, note: notes.join('; ') } : { rows: list.rows };
      }
      case 'requests':
        return services.listRequests();
      case 'policy': {
        const overview = await services.policyOverview(get().policyFile);
        return overview.found ? { rows: overview.rows, summary: overview.file } : { rows: [], note: `no ${overview.file}` };
      }
    }
  }

  return {
    lists: { repos: emptyList(), tags: emptyList(), signers: emptyList(), keys: emptyList(), config: emptyList(), expiry: emptyList(), requests: emptyList(), policy: emptyList() },
    expiryWithinDays: null,
    cycleExpiryWindow() {
      const index = EXPIRY_WINDOWS.indexOf(get().expiryWithinDays);
      const next = EXPIRY_WINDOWS[(index + 1) % EXPIRY_WINDOWS.length] ?? null;
      set({ expiryWithinDays: next, status: next === null ? 'Showing every expiry' : `Showing what ends within ${next} days` });
      void get().load('expiry');
    },
    ensureLoaded(id) {
      if (get().lists[id].status === 'idle' || stale.has(id)) void get().load(id);
    },
    async load(id) {
      const mine = ++generation[id];
      stale.delete(id);
      update(id, withLoading);
      try {
        const fetched = await fetchRows(id, mine);
        if (mine !== generation[id]) return;
        const { rows, note, summary } = fetched === undefined ? { rows: [] } : 'rows' in fetched ? fetched : { rows: fetched };
        update(id, (l) => withRows(l, rows, specOf(id), note, summary));
      } catch (e) {
        if (mine !== generation[id]) return;
        const failure = describeFailure(e);
        update(id, (l) => withError(l, failure.cause));
        get().showFailure(failure);
      }
    },
    resetList(id) {
      generation[id]++;
      stale.delete(id);
      update(id, () => emptyList());
    },
    move(id, move, pageSize) {
      update(id, (l) => moveCursor(l, move, pageSize));
    },
    openFilter(id) {
      update(id, (l) => ({ ...l, filtering: true }));
    },
    setFilter(id, text) {
      update(id, (l) => withFilter(l, text, specOf(id)));
    },
    closeFilter(id) {
      update(id, (l) => ({ ...l, filtering: false }));
    },
    clearFilter(id) {
      update(id, (l) => ({ ...withFilter(l, '', specOf(id)), filtering: false }));
    },
    async trustDataChanged(alsoNow = []) {
      const now = TRUST_LISTS.filter((id) => id === get().screen || alsoNow.includes(id));
      for (const id of TRUST_LISTS) if (!now.includes(id) && get().lists[id].status !== 'idle') stale.add(id);
      await Promise.all(now.map((id) => get().load(id)));
    },
  };
}
