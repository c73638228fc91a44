// The Requests screen's actions: Enter shows a request, a approves it (after showing the change),
// m merges a file someone sent, s submits a ready one, x cancels (asks first), b rebases a stale one.
// Each reloads the list after.
import { resolveTypedPath } from '../../config/paths.js';
import { checkFilePath, problemOf } from '../../trust/config-rules.js';
import { selectedRow } from '../list.js';
import { requestDetailLines } from '../requests-view.js';
import type { ListedRequest, RequestView } from '../services.js';
import type { SliceContext } from '../store.js';

export interface RequestSlice {
  showSelectedRequest(): Promise<void>;
  approveSelectedRequest(): Promise<void>;
  /** Asks for a file (a request copy, a detached signature, or a new request) and merges it. */
  promptMergeRequestFile(initial?: string): void;
  submitSelectedRequest(): Promise<void>;
  cancelSelectedRequest(): void;
  rebaseSelectedRequest(): Promise<void>;
}

export function createRequestSlice({ set, get, services, options }: SliceContext): RequestSlice {
  const ports = (signal: AbortSignal) => ({ passphrases: get().passphrases, signal });
  /** The selected request, unless read-only mode forbids the change. */
  const selected = (mutating: boolean): ListedRequest | undefined => {
    const row = selectedRow(get().lists.requests);
    if (!row) return undefined;
    if (mutating && options.readOnly) {
      set({ status: 'Read-only mode: changes are disabled' });
      return undefined;
    }
    return row;
  };
  /** The request checked against its repository as verified now, with the change computed here. */
  const view = async (row: ListedRequest): Promise<RequestView | undefined> => {
    let shown: RequestView | undefined;
    await get().runTask(`Checking request ${row.id} against ${row.gun}`, async () => {
      shown = await services.showRequest(row.id);
    });
    return shown;
  };
  const reload = () => get().trustDataChanged(['requests']);

  return {
    async showSelectedRequest() {
      const row = selected(false);
      const shown = row && (await view(row));
      if (shown) get().openModal({ kind: 'detail', title: `Request ${shown.request.id} for ${shown.request.gun}`, lines: requestDetailLines(shown) });
    },
    async approveSelectedRequest() {
      const row = selected(true);
      const shown = row && (await view(row));
      if (!row || !shown) return;
      get().openModal({
        kind: 'confirm',
        title: `Sign request ${row.id} with this host's keys?`,
        changes: requestDetailLines(shown),
        run: async () => {
          let ok = false;
          await get().runTask(`Signing request ${row.id}`, async (signal) => {
            const result = await services.approveRequest(row.id, ports(signal));
            ok = true;
            return `Signed request ${row.id}: ${result.evaluation.status}`;
          });
          if (ok) await reload();
        },
      });
    },
    promptMergeRequestFile(initial = '') {
      if (options.readOnly) {
        set({ status: 'Read-only mode: changes are disabled' });
        return;
      }
      get().openModal({
        kind: 'prompt',
        title: 'Merge a signing request file',
        label: 'File',
        initial,
        hint: 'a request, a signed copy or a detached signature; ~ is your home',
        validate: (value) => problemOf(checkFilePath(value, 'the request or signature file')),
        submit: async (typed) => {
          const file = resolveTypedPath(typed, options.workDir);
          let ok = false;
          // The line said is the merged request re-evaluated against the verified repository.
          await get().runTask(`Merging ${typed.trim()}`, async () => {
            const result = await services.mergeRequestFiles([file]).catch((e: unknown) => {
              // The banner has one line: name the file as it was typed, not its long absolute path.
              if (e instanceof Error) e.message = e.message.replaceAll(file, typed.trim());
              throw e;
            });
            ok = true;
            return result.summary;
          });
          if (ok) await reload();
        },
      });
    },
    async submitSelectedRequest() {
      const row = selected(true);
      if (!row) return;
      if (row.evaluation?.state !== 'ready') {
        set({ status: `Not ready to submit: ${row.evaluation?.status ?? row.problem ?? 'not checked'}` });
        return;
      }
      const shown = await view(row);
      if (!shown) return;
      get().openModal({
        kind: 'confirm',
        title: `Submit request ${row.id}?`,
        changes: [...requestDetailLines(shown), 'This is published to the server.'],
        run: async () => {
          await get().runTask(`Submitting request ${row.id}`, async (signal) => {
            const result = await services.submitRequest(row.id, ports(signal));
            return `Submitted request ${row.id}: ${result.published.join(', ')} published to ${result.gun} (read back and verified)`;
          });
          await get().trustDataChanged(['requests']);
        },
      });
    },
    cancelSelectedRequest() {
      const row = selected(true);
      if (!row) return;
      get().openModal({
        kind: 'confirm',
        title: `Cancel request ${row.id}?`,
        changes: [`Status: ${row.evaluation?.status ?? 'not checked'}`, `Repository: ${row.gun}`, 'It is forgotten here with every signature it collected; the server is not changed.'],
        run: async () => {
          let ok = false;
          await get().runTask(`Cancelling request ${row.id}`, async () => {
            await services.cancelRequest(row.id);
            ok = true;
            return `Cancelled request ${row.id}`;
          });
          if (ok) await reload();
        },
      });
    },
    async rebaseSelectedRequest() {
      const row = selected(true);
      if (!row) return;
      if (row.evaluation?.state !== 'stale' && row.evaluation?.state !== 'expired') {
        set({ status: `Request ${row.id} is not stale: nothing to rebase` });
        return;
      }
      let ok = false;
      await get().runTask(`Rebasing request ${row.id}`, async (signal) => {
        const result = await services.rebaseRequest(row.id, ports(signal));
        ok = true;
        return `Rebased request ${row.id} as ${result.id}: ${result.status}`;
      });
      if (ok) await reload();
    },
  };
}
