// The screens' mutating actions. Each one shows what will change and asks first (type-to-confirm for
// high impact, y/N for low), then runs the trust operation through Services with a spinner.
import { shortKeyId } from '../../keys/errors.js';
import { selectedRow } from '../list.js';
import type { ConfigChange, DestructivePlan } from '../services.js';
import type { SliceContext } from '../store.js';

export interface OperationSlice {
  promptWatchRepository(): void;
  promptSignTag(): void;
  confirmRevokeSelectedTag(): Promise<void>;
  showSelectedTag(): void;
  confirmRemoveSelectedSigner(): Promise<void>;
  chooseSignerKeyToRemove(): void;
  /** Carries out a confirmed plan (the one its dialog showed) and reloads what it changed. */
  executePlan(plan: DestructivePlan): Promise<boolean>;
  sweepSelectedKey(): void;
  sweepSelectedSigner(): void;
  /** Enter on a Config row: toggle TOFU (asks first), edit a server URL. */
  editSelectedConfig(): void;
  promptAddConfig(): void;
  confirmRemoveSelectedConfig(): void;
  changeConfig(change: ConfigChange, done: string): Promise<boolean>;
}

/** The lines a confirmation shows for a plan. */
export function planLines(plan: DestructivePlan): string[] {
  const lost = plan.tagsLosingLastSignature;
  return [
    ...plan.changes,
    lost.length ? `These tags lose their last valid signature: ${lost.join(', ')}` : 'Every tag keeps a valid signature.',
    plan.refusal ? `Refused: ${plan.refusal}.` : 'This is published to the server and cannot be undone.',
  ];
}

export function createOperationSlice({ set, get, services, options }: SliceContext): OperationSlice {
  const ports = (signal: AbortSignal) => ({ passphrases: get().passphrases, signal });
  const refuseReadOnly = () => {
    if (options.readOnly) set({ status: 'Read-only mode: changes are disabled' });
    return options.readOnly;
  };

  /** Plans with a spinner, then shows the plan for confirmation (nothing happens when planning fails). */
  async function showPlan(label: string, load: () => Promise<DestructivePlan>): Promise<void> {
    let plan: DestructivePlan | undefined;
    await get().runTask(label, async () => {
      plan = await load();
    });
    if (plan) get().openModal({ kind: 'plan', plan });
  }

  return {
    promptWatchRepository() {
      get().openModal({
        kind: 'prompt',
        title: 'Watch a repository',
        label: 'Repository (GUN)',
        initial: '',
        hint: 'e.g. registry.example.com/team/app',
        submit: async (gun) => {
          const trimmed = gun.trim();
          if (!trimmed) return;
          if (await get().changeConfig({ kind: 'watch', gun: trimmed }, `Watching ${trimmed}`)) await get().load('repos');
        },
      });
    },

    promptSignTag() {
      const gun = get().gun;
      if (!gun || refuseReadOnly()) return;
      get().startSign(gun, selectedRow(get().lists.tags)?.tag ?? '');
    },

    async confirmRevokeSelectedTag() {
      const gun = get().gun;
      const tag = selectedRow(get().lists.tags);
      if (!gun || !tag || refuseReadOnly()) return;
      await showPlan(`Checking what revoking ${tag.tag} changes`, () => services.planRevokeTag(gun, tag.tag));
    },

    showSelectedTag() {
      const tag = selectedRow(get().lists.tags);
      if (!tag) return;
      get().openModal({
        kind: 'detail',
        title: `${get().gun}:${tag.tag}`,
        lines: [
          `Digest   ${tag.digest}`,
          `Size     ${tag.size} bytes`,
          `Signers  ${tag.signers.join(', ') || '(none)'}`,
          tag.verified ? 'Verifies: yes' : `Verifies: NO, ${tag.problem ?? 'no valid signature'}`,
        ],
      });
    },

    async confirmRemoveSelectedSigner() {
      const gun = get().gun;
      const signer = selectedRow(get().lists.signers);
      if (!gun || !signer || refuseReadOnly()) return;
      await showPlan(`Checking what removing ${signer.name} changes`, () => services.planRemoveSigner(gun, signer.name));
    },

    chooseSignerKeyToRemove() {
      const gun = get().gun;
      const signer = selectedRow(get().lists.signers);
      if (!gun || !signer || refuseReadOnly()) return;
      get().openModal({
        kind: 'choose',
        title: `Remove which key of ${signer.name}?`,
        options: signer.keyIds.map((id) => ({ label: id, value: id })),
        choose: (keyId) => {
          void showPlan(`Checking what removing key ${shortKeyId(keyId)} from ${signer.name} changes`, () =>
            services.planRemoveSigner(gun, signer.name, keyId),
          );
        },
      });
    },

    async executePlan(plan) {
      return get().runTask(plan.title, async (signal) => {
        const done = await services.executePlan(plan, ports(signal));
        await get().trustDataChanged([done.kind === 'revoke-tag' ? 'tags' : 'signers']);
        return done.doneMessage;
      });
    },

    sweepSelectedKey() {
      const key = selectedRow(get().lists.keys);
      if (key && !refuseReadOnly()) get().startSweep({ kind: 'key', keyId: key.id });
    },

    sweepSelectedSigner() {
      const signer = selectedRow(get().lists.signers);
      // Like `trust-tui sweep signer NAME`: every repository this host knows, not only the open one.
      if (signer && !refuseReadOnly()) get().startSweep({ kind: 'signer', name: signer.name });
    },

    editSelectedConfig() {
      const row = selectedRow(get().lists.config);
      if (!row || refuseReadOnly()) return;
      if (row.id === 'tofu') {
        const enable = row.value !== 'on';
        get().openModal({
          kind: 'confirm',
          title: enable ? 'Turn trust on first use ON?' : 'Turn trust on first use OFF?',
          changes: enable
            ? ['The first root a server sends is trusted for repositories without a pin.']
            : ['Repositories without a pin or cached root will be refused.'],
          run: async () => {
            await get().changeConfig({ kind: 'tofu', enabled: enable }, `TOFU is now ${enable ? 'on' : 'off'}`);
          },
        });
      } else if (row.section === 'server' && row.subject) {
        const prefix = row.subject;
        get().openModal({
          kind: 'prompt',
          title: `Server for ${prefix}`,
          label: 'URL',
          initial: row.value.split(' ')[0] ?? '',
          submit: async (url) => {
            if (url.trim()) await get().changeConfig({ kind: 'server', prefix, url: url.trim() }, `Server for ${prefix} is ${url.trim()}`);
          },
        });
      } else {
        set({ status: row.section === 'general' ? `${row.label} is set on the command line (--trust-dir, --config-dir)` : 'Press d to remove it, a to add another' });
      }
    },

    promptAddConfig() {
      if (refuseReadOnly()) return;
      get().openModal({
        kind: 'choose',
        title: 'Add to the configuration',
        options: [
          { label: 'A server for a GUN prefix', value: 'server' },
          { label: 'A trust pin (certificate IDs) for a GUN prefix', value: 'pin' },
          { label: 'A watched repository', value: 'watch' },
        ],
        choose: (what) => {
          if (what === 'watch') return get().promptWatchRepository();
          const server = what === 'server';
          get().openModal({
            kind: 'prompt',
            title: server ? 'Add a server' : 'Add a trust pin',
            label: server ? 'PREFIX=URL' : 'PREFIX=CERTID[,CERTID…]',
            initial: '',
            hint: server ? 'e.g. registry.example.com/=https://notary.example.com:4443' : 'the root certificate IDs this GUN prefix must use',
            submit: async (value) => {
              const eq = value.indexOf('=');
              const prefix = value.slice(0, eq).trim();
              const rest = value.slice(eq + 1).trim();
              if (eq <= 0 || !rest) {
                set({ banner: { cause: `"${value}" is not PREFIX=${server ? 'URL' : 'CERTID'}`, next: 'Press a to try again.' } });
                return;
              }
              const change: ConfigChange = server
                ? { kind: 'server', prefix, url: rest }
                : { kind: 'pin', prefix, certs: rest.split(',').map((c) => c.trim()).filter(Boolean) };
              await get().changeConfig(change, `Added ${server ? 'server' : 'pin'} for ${prefix}`);
            },
          });
        },
      });
    },

    confirmRemoveSelectedConfig() {
      const row = selectedRow(get().lists.config);
      if (!row || refuseReadOnly()) return;
      const subject = row.subject;
      if (!subject) {
        set({ status: `${row.label} cannot be removed` });
        return;
      }
      const change: ConfigChange =
        row.section === 'server'
          ? { kind: 'server', prefix: subject, url: null }
          : row.section === 'pin'
            ? { kind: 'pin', prefix: subject, certs: null }
            : { kind: 'unwatch', gun: subject };
      get().openModal({
        kind: 'confirm',
        title: `Remove "${row.label}: ${row.value}"?`,
        changes: ['Only trust-tui settings change; no trust data is touched.'],
        run: async () => {
          await get().changeConfig(change, `Removed ${row.label.toLowerCase()} ${subject}`);
        },
      });
    },

    async changeConfig(change, done) {
      return get().runTask('Saving settings', async () => {
        await services.updateConfig(change);
        await get().load('config');
        if (change.kind === 'watch' || change.kind === 'unwatch') void get().load('repos');
        return done;
      });
    },
  };
}
