// The screens' mutating actions. Each one shows what will change and asks first (type-to-confirm for
// high impact, y/N for low), then runs the trust operation through Services with a spinner.
import { checkFilePath, checkRepositoryName, checkScope, checkServerUrl, problemOf } from '../../trust/config-rules.js';
import { customDataGroups } from '../../trust/custom-data.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import { selectedRow } from '../list.js';
import type { ConfigChange, DestructivePlan, SignerDetail, TagDetail } from '../services.js';
import type { SliceContext } from '../store.js';

export interface OperationSlice {
  promptWatchRepository(): void;
  promptSignTag(): void;
  confirmRevokeSelectedTag(): Promise<void>;
  /** Enter on a tag, signer or key: everything about it (roles, signatures with key IDs, expiry). */
  showSelectedTag(): Promise<void>;
  showSelectedSigner(): Promise<void>;
  showSelectedKey(): Promise<void>;
  /** What `y` copies from the list: a tag's digest, a signer's key IDs, a key's ID. */
  clipboardText(list: 'tags' | 'signers' | 'keys'): { text: string; what: string } | undefined;
  confirmRemoveSelectedSigner(): Promise<void>;
  chooseSignerKeyToRemove(): void;
  /** Carries out a confirmed plan (the one its dialog showed) and reloads what it changed. */
  executePlan(plan: DestructivePlan): Promise<boolean>;
  sweepSelectedKey(): void;
  sweepSelectedSigner(): void;
  /** Moves the selected repository to another trust server (guided). */
  migrateSelectedRepository(): void;
  /** Enter on a Config row: toggle TOFU (asks first), edit a server URL. */
  editSelectedConfig(): void;
  promptAddConfig(): void;
  confirmRemoveSelectedConfig(): void;
  changeConfig(change: ConfigChange, done: string): Promise<boolean>;
}

const pinFiles = (value: string) => value.split(',').map((f) => f.trim()).filter(Boolean);

/** The lines a confirmation shows for a plan. */
export function planLines(plan: DestructivePlan): string[] {
  const lost = plan.tagsLosingLastSignature;
  return [
    ...plan.changes,
    lost.length ? `These tags lose their last valid release signature: ${lost.join(', ')}` : 'Every released tag stays released.',
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

  /** Server URL, then its CA file (optional), each checked as typed by the rules `trust-tui config` uses. */
  function promptServer(prefix: string, url: string, ca: string): void {
    get().openModal({
      kind: 'prompt',
      title: `Trust server for ${prefix} (2 of 3)`,
      label: 'URL',
      initial: url,
      hint: 'https://notary.example.com:4443 (plain http is refused)',
      validate: (value) => problemOf(checkServerUrl(value)),
      submit: (newUrl) => promptServerCa(prefix, newUrl.trim(), ca),
    });
  }

  /**
   * What only the file itself can tell (missing, a directory, not a certificate) is found when the
   * change is made: then the form comes back with what was typed, under the error.
   */
  function promptServerCa(prefix: string, url: string, ca: string): void {
    get().openModal({
      kind: 'prompt',
      title: `Trust server for ${prefix} (3 of 3)`,
      label: 'CA file',
      initial: ca,
      hint: "PEM file of the CA that signed the server's certificate; empty: the system's CAs",
      validate: (value) => (value.trim() ? problemOf(checkFilePath(value, 'the CA certificate file')) : undefined),
      submit: async (caFile) => {
        const change: ConfigChange = { kind: 'server', prefix, url, ...(caFile.trim() ? { ca: caFile.trim() } : {}) };
        if (!(await get().changeConfig(change, `Server for ${prefix} is ${url}`))) promptServerCa(prefix, url, caFile);
      },
    });
  }

  function promptPinFiles(prefix: string, initial = ''): void {
    get().openModal({
      kind: 'prompt',
      title: `Trust pin for ${prefix} (2 of 2)`,
      label: 'Certificate file(s)',
      initial,
      hint: 'PEM: root certificates whose keys must be the root, or a CA they must chain to; several: a,b',
      validate: (value) => pinFiles(value).map((f) => problemOf(checkFilePath(f, 'a PEM certificate file'))).find(Boolean) ?? (pinFiles(value).length ? undefined : 'enter the path of a PEM certificate file'),
      submit: async (value) => {
        if (!(await get().changeConfig({ kind: 'pin', prefix, files: pinFiles(value) }, `Pinned ${prefix}`))) promptPinFiles(prefix, value);
      },
    });
  }

  return {
    promptWatchRepository() {
      get().openModal({
        kind: 'prompt',
        title: 'Watch a repository',
        label: 'Repository',
        initial: '',
        hint: 'e.g. registry.example.com/team/app',
        validate: (value) => problemOf(checkRepositoryName(value)),
        submit: async (name) => {
          const checked = checkRepositoryName(name);
          const gun = checked.ok ? checked.value : name.trim();
          if (await get().changeConfig({ kind: 'watch', gun }, `Watching ${gun}`)) await get().load('repos');
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

    async showSelectedTag() {
      const gun = get().gun;
      const tag = selectedRow(get().lists.tags);
      if (!gun || !tag) return;
      let detail: TagDetail | undefined;
      await get().runTask(`Reading the signatures of ${tag.tag}`, async () => {
        detail = await services.describeTag(gun, tag.tag);
      });
      if (!detail) return;
      get().openModal({
        kind: 'detail',
        title: `${gun}:${tag.tag}`,
        lines: [
          `Digest   ${tag.digest}`,
          `Size     ${tag.size} bytes`,
          `Signers  ${tag.signers.join(', ') || '(none)'}`,
          tag.verified ? 'Verifies: yes' : `Verifies: NO, ${tag.problem ?? 'no valid signature'}`,
          ' ',
          detail.signatures.length ? 'Signatures (role: keys that signed it, expiry):' : 'No role with a valid signature holds this tag.',
          ...detail.signatures.map(
            (s) =>
              `  ${s.role}: ${s.keyIds.map(shortKeyId).join(', ') || 'no valid key'} (${s.keyIds.length} valid, ${s.threshold} needed)` +
              `${s.expires ? `, expires ${s.expires.slice(0, 10)}` : ''}` +
              `${`sha256:${s.digest}` !== tag.digest ? `, records sha256:${s.digest.slice(0, 12)}… (${s.size} bytes)` : ''}`,
          ),
          ...customDataGroups(detail.signatures.filter((s) => `sha256:${s.digest}` === tag.digest)).flatMap((g) => [
            ' ',
            `Custom data (${g.roles.join(', ')}):`,
            ...g.lines.map((line) => `  ${line}`),
          ]),
        ],
      });
    },

    async showSelectedSigner() {
      const gun = get().gun;
      const signer = selectedRow(get().lists.signers);
      if (!gun || !signer) return;
      let detail: SignerDetail | undefined;
      await get().runTask(`Reading signer ${signer.name}`, async () => {
        detail = await services.describeSigner(gun, signer.name);
      });
      if (!detail) return;
      get().openModal({
        kind: 'detail',
        title: `Signer ${detail.name} of ${gun}`,
        lines: [
          `Role       ${detail.role}`,
          `Threshold  ${detail.threshold} of ${detail.keys.length} key(s)`,
          // An empty path prefix is notary's "every tag".
          `Paths      ${detail.paths.map((p) => (p === '' ? '(every tag)' : `${p}*`)).join(', ') || '(none)'}`,
          `State      ${detail.state}${detail.problem ? `: ${detail.problem}` : ''}`,
          `Expires    ${detail.expires ? detail.expires.slice(0, 10) : '(never signed)'}`,
          'Keys:',
          ...detail.keys.map((k) => `  ${k.id} ${k.type}${k.held ? ' (held here)' : ''}`),
          `Tags signed (${detail.tags.length}): ${detail.tags.slice(0, 20).join(', ')}${detail.tags.length > 20 ? ', …' : ''}`,
        ],
      });
    },

    async showSelectedKey() {
      const key = selectedRow(get().lists.keys);
      if (!key) return;
      let detail: Awaited<ReturnType<typeof services.describeKey>> | undefined;
      await get().runTask(`Finding every role key ${shortKeyId(key.id)} is in`, async () => {
        detail = await services.describeKey(key.id);
      });
      if (!detail) return;
      get().openModal({
        kind: 'detail',
        title: `Key ${shortKeyId(key.id)}`,
        lines: [
          `Key ID   ${key.id}`,
          `Name     ${key.role}${key.gun ? ` (${key.gun})` : ''}`,
          `Type     ${key.type}`,
          ...(key.problem ? [`Problem  ${key.problem}`] : []),
          detail.roles.length ? `In ${detail.roles.length} role(s):` : 'In no role of any known repository.',
          ...detail.roles.map((r) => `  ${r.gun}  ${r.role}${r.expires ? `  expires ${r.expires.slice(0, 10)}` : ''}`),
          ...detail.unreadable.map((u) => `  ${u.gun}: not read (${u.problem})`),
        ],
      });
    },

    clipboardText(list) {
      if (list === 'tags') {
        const tag = selectedRow(get().lists.tags);
        return tag && { text: tag.digest, what: `digest of ${tag.tag}` };
      }
      if (list === 'signers') {
        const signer = selectedRow(get().lists.signers);
        return signer && { text: signer.keyIds.join(' '), what: `key ID(s) of ${signer.name}` };
      }
      const key = selectedRow(get().lists.keys);
      return key && { text: key.id, what: `key ID ${shortKeyId(key.id)}` };
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
        await get().trustDataChanged([plan.kind === 'revoke-tag' ? 'tags' : 'signers']);
        return done.message;
      });
    },

    sweepSelectedKey() {
      const key = selectedRow(get().lists.keys);
      if (key && !refuseReadOnly()) get().startSweep({ kind: 'key', keyId: key.id });
    },

    migrateSelectedRepository() {
      const repo = selectedRow(get().lists.repos);
      if (repo && !refuseReadOnly()) get().startMigrate(repo.gun);
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
        promptServer(row.subject, row.server?.url ?? '', row.server?.ca ?? '');
      } else if (row.section === 'pin' && row.subject) {
        promptPinFiles(row.subject);
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
          { label: 'A trust server for a repository or prefix', value: 'server' },
          { label: 'A trust pin (root or CA certificate) for a repository or prefix', value: 'pin' },
          { label: 'A watched repository', value: 'watch' },
        ],
        choose: (what) => {
          if (what === 'watch') return get().promptWatchRepository();
          const server = what === 'server';
          get().openModal({
            kind: 'prompt',
            title: server ? 'Add a trust server (1 of 3)' : 'Add a trust pin (1 of 2)',
            label: 'Repository or prefix',
            initial: '',
            hint: 'registry.example.com/team/app, or registry.example.com/* for every repository there',
            validate: (value) => problemOf(checkScope(value)),
            submit: (scope) => (server ? promptServer(scope.trim(), '', '') : promptPinFiles(scope.trim())),
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
            ? { kind: 'pin', prefix: subject, files: null }
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
      const saved = await get().runTask('Saving settings', async () => {
        await services.updateConfig(change);
        return done;
      });
      // Re-read after every attempt: the file is the truth, also when the change was refused.
      await get().load('config');
      if (saved && (change.kind === 'watch' || change.kind === 'unwatch')) void get().load('repos');
      return saved;
    },
  };
}
