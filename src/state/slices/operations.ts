// The screens' mutating actions. Each one shows what will change and asks first (type-to-confirm for
// high impact, y/N for low), then runs the trust operation through Services with a spinner.
import path from 'node:path';
import { checkFilePath, checkRepositoryName, checkScope, checkServerUrl, problemOf } from '../../trust/config-rules.js';
import { customDataGroups } from '../../trust/custom-data.js';
import { policyFileName } from '../../trust/policy/common.js';
import { renewOutcomeLine, renewPlanLines } from '../../trust/renew.js';
import { impactLines } from '../../trust/impact.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import { selectedRow } from '../list.js';
import type { ConfigRow } from '../rows.js';
import type {
  ConfigChange,
  DestructivePlan,
  ExportedPolicy,
  ExportFormatChoice,
  ExportReport,
  RenewPlan,
  RenewProgress,
  SignerDetail,
  TagDetail,
  UiPolicyFormat,
} from '../services.js';
import type { SliceContext } from '../store.js';
import { describeSignoff } from '../../trust/releases-signoff.js';

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
  /** Signers screen: format, then k of n, then the file; shows the policy and where it went. */
  startPolicyExport(): void;
  /** R on the Expiry screen: plan the renewal of the row's repository, show it, renew on y. */
  renewSelectedRepository(): Promise<void>;
  /** Moves the selected repository to another trust server (guided). */
  migrateSelectedRepository(): void;
  /** A on the Expiry screen: plan the renewal of everything this host can renew, show it all, renew on y. */
  renewEverything(): Promise<void>;
  /** Enter on a Config row: toggle TOFU (asks first), edit a server URL. */
  editSelectedConfig(): void;
  promptAddConfig(): void;
  confirmRemoveSelectedConfig(): void;
  changeConfig(change: ConfigChange, done: string): Promise<boolean>;
  /** `x` on the Tags screen: the migration report of the repository. */
  showExportReport(): Promise<void>;
  /** `e` on the Tags screen: choose a signer this host holds and a format, confirm, export. */
  chooseExport(): Promise<void>;
}

const pinFiles = (value: string) => value.split(',').map((f) => f.trim()).filter(Boolean);

/** What Enter on a Config row that the UI cannot change says: where it is set instead. */
function generalRowStatus(row: ConfigRow): string {
  if (row.id === 'env-server') return 'Unset DOCKER_CONTENT_TRUST_SERVER and restart to use the servers below';
  return row.section === 'general' ? `${row.label} is set on the command line (--trust-dir, --config-dir)` : 'Press d to remove it, a to add another';
}

/** The lines a confirmation shows for a plan (how it lands is its warning, planWarning). */
export function planLines(plan: DestructivePlan): string[] {
  const lost = plan.tagsLosingLastSignature;
  return [
    ...plan.changes,
    // What docker pull would do per tag, who must sign what, and what happens to running containers.
    ...(plan.impact
      ? impactLines(plan.impact)
      : [lost.length ? `These tags lose their last valid release signature: ${lost.join(', ')}` : 'Every released tag stays released.']),
    ...(plan.refusal ? [`Refused: ${plan.refusal}.`] : []),
  ];
}

/** What confirming a plan does, as the plan will carry it out: published now, or a signing request. */
export function planWarning(plan: DestructivePlan): string {
  switch (plan.delivery) {
    case 'publish':
      return '⚠ WARNING: this is published and cannot be undone.';
    case 'request':
      return '⚠ Nothing is published yet: a signing request collects the signatures this change needs, and it is published once the other signers sign.';
    case 'publish-and-request':
      return '⚠ WARNING: what this host signs alone is published and cannot be undone; the rest waits in a signing request for the other signers.';
  }
}

export function createOperationSlice({ set, get, services, options }: SliceContext): OperationSlice {
  const showPolicy = async (gun: string, format: UiPolicyFormat, threshold: number, output: string | undefined) => {
    let policy: ExportedPolicy | undefined;
    await get().runTask(`Exporting the ${format} policy of ${gun}`, async () => {
      policy = await services.exportPolicy(gun, format, threshold, output);
      return policy.written ? `Wrote ${policy.written}` : undefined;
    });
    if (!policy) return;
    get().openModal({
      kind: 'detail',
      title: `${format} policy: ${policy.threshold} of ${policy.signers.length} signer(s) of ${gun}`,
      lines: [policy.written ? `Written to ${policy.written}` : 'Not written to a file.', '', ...policy.content.trimEnd().split('\n')],
    });
  };
  const ports = (signal: AbortSignal) => ({ passphrases: get().passphrases, signal });
  /** The spinner says which repository of how many a long task is at. */
  const progressLabel = (verb: string) => (p: RenewProgress) =>
    set((s) => (s.busy && p.total > 1 ? { busy: { ...s.busy, label: `${verb} [${p.index}/${p.total}] ${p.gun}` } } : {}));
  /** Plans the renewal of `repositories`, shows the whole plan, and carries out exactly that plan on y. */
  const renew = async (repositories: readonly string[] | 'all', what: string, serverRow?: { role: string; note: string }) => {
    let plan: RenewPlan | undefined;
    const within = get().expiryWithinDays ?? undefined;
    await get().runTask(`Checking what renewing ${what} changes`, async () => {
      plan = await services.planRenewal(repositories, within, progressLabel('Checking'));
    });
    if (!plan) return;
    const confirmed = plan;
    const pending = confirmed.repositories.filter((r) => r.roles.length > 0 && !r.refused);
    const planned = renewPlanLines(confirmed);
    let title = `Renew ${what}`;
    let lines = planned;
    if (serverRow) {
      // R on a row the trust server re-signs: say so first, then what this host could renew instead
      // (the same plan), so the other roles are never planned without saying why they are there.
      const serverLine = `${serverRow.role} is not renewed here: ${serverRow.note}.`;
      title = `${serverRow.role} of ${what} is the trust server's`;
      lines = [
        serverLine,
        pending.length
          ? `This host could renew these other roles of ${what} instead:`
          : `This host has nothing else of ${what} to renew:`,
        ...planned.filter((l) => l !== serverLine),
      ];
    }
    // Nothing this host can sign (or only what a pin forbids): the plan says why, and who can.
    if (pending.length === 0) {
      get().openModal({ kind: 'detail', title, lines });
      return;
    }
    const n = pending.length;
    get().openModal({
      kind: 'confirm',
      title,
      changes: [...lines, `This is published to the server${n > 1 ? `s of ${n} repositories` : ''}.`],
      run: async () => {
        let ok = false;
        await get().runTask(`Renewing ${what}`, async (signal) => {
          // Exactly the plan shown: src/trust plans each repository again and refuses when it changed.
          const outcomes = await services.runRenewal(confirmed, { passphrases: get().passphrases, signal }, progressLabel('Renewing'));
          const failed = outcomes.filter((o) => o.status === 'failed' || o.status === 'refused');
          ok = outcomes.length > failed.length;
          if (failed.length) throw new Error([...failed.map(renewOutcomeLine), ...(ok ? ['the others were renewed'] : [])].join('; '));
          return outcomes.map(renewOutcomeLine).join('; ');
        });
        if (ok) await get().trustDataChanged(['expiry']);
      },
    });
  };
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

  /** The confirmation of one export, then the export and its read-back result. */
  function confirmExport(gun: string, signer: string, format: ExportFormatChoice, tags: readonly string[]): void {
    const what = format === 'cosign' ? 'cosign signatures (.sig image and Sigstore bundle referrer)' : 'Notation signatures (JWS referrer, self-signed certificate over the key)';
    get().openModal({
      kind: 'confirm',
      title: `Export ${signer}'s signatures of ${gun}`,
      changes: [
        tags.length > 0 ? `Tags to export: ${tags.join(', ')}` : 'No tag is missing: nothing new will be written.',
        `Signs each again with ${signer === 'Repo Admin' ? 'the repository key' : `${signer}'s DCT key`} as ${what}, and writes them to the registry.`,
        'Signatures already there (this or other signers\', and foreign ones) are kept.',
      ],
      run: async () => {
        let lines: string[] | undefined;
        await get().runTask(`Exporting ${signer}'s signatures of ${gun}`, async (signal) => {
          lines = await services.exportSignatures(gun, signer, format, ports(signal));
          return `Exported ${signer}'s signatures of ${gun}`;
        });
        if (lines) get().openModal({ kind: 'detail', title: `Exported ${signer}'s signatures of ${gun}`, lines });
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
          ...(detail.releases
            ? [
                ' ',
                `targets/releases: ${describeSignoff(detail.releases)}`,
                `  ${detail.releases.bySigner.map((b) => `${b.signed ? '✓' : '·'} ${b.name}`).join('  ') || '(no signers)'}`,
              ]
            : []),
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
          `Tags signed or approved (${detail.tags.length}): ${detail.tags.slice(0, 20).join(', ')}${detail.tags.length > 20 ? ', …' : ''}`,
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

    async renewSelectedRepository() {
      const row = selectedRow(get().lists.expiry);
      if (row && !refuseReadOnly()) await renew([row.gun], row.gun, row.renewer.kind === 'server' ? { role: row.role, note: row.renewer.note } : undefined);
    },

    async renewEverything() {
      if (!refuseReadOnly()) await renew('all', 'every repository');
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

    startPolicyExport() {
      const gun = get().gun;
      const n = get().lists.signers.rows.length;
      if (!gun || n === 0) {
        set({ status: gun ? 'No signers to require: add one first (a)' : 'No repository chosen' });
        return;
      }
      const formats: { label: string; value: UiPolicyFormat }[] = [
        { label: 'Kyverno ClusterPolicy (cosign signatures)', value: 'kyverno' },
        { label: 'Kyverno ClusterPolicy, type Notary (Notation signatures)', value: 'kyverno-notary' },
        { label: 'sigstore policy-controller ClusterImagePolicy', value: 'policy-controller' },
        { label: 'Connaisseur Helm values', value: 'connaisseur' },
        { label: 'cosign verify script for CI', value: 'cosign-cmd' },
      ];
      get().openModal({
        kind: 'choose',
        title: `Export a policy for ${gun} (a Notation trust policy: trust-tui export policy --notation)`,
        options: formats,
        choose: (value) => {
          const format = value as UiPolicyFormat;
          get().openModal({
            kind: 'prompt',
            title: `How many of the ${n} signer(s) must have signed?`,
            label: 'Threshold',
            initial: String(n),
            validate: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= n ? undefined : `a whole number from 1 to ${n}`),
            submit: (k) => {
              get().openModal({
                kind: 'prompt',
                title: 'Write the policy to a file',
                label: 'File',
                initial: path.join(options.workDir, policyFileName(gun, format)),
                hint: 'Empty: only show it',
                submit: (file) => void showPolicy(gun, format, Number(k), file.trim() || undefined),
              });
            },
          });
        },
      });
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
        set({ status: generalRowStatus(row) });
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
          // Server and pin labels name their scope already ("Server for X/*"); a watched one does not.
          await get().changeConfig(change, row.section === 'watched' ? `Removed ${row.label.toLowerCase()} ${subject}` : `Removed ${row.label.charAt(0).toLowerCase()}${row.label.slice(1)}`);
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

    async showExportReport() {
      const gun = get().gun;
      if (!gun) return;
      let report: ExportReport | undefined;
      await get().runTask(`Checking the exported signatures of ${gun}`, async () => {
        report = await services.exportReport(gun);
      });
      if (report) get().openModal({ kind: 'detail', title: `Migration report of ${gun}`, lines: report.lines });
    },

    async chooseExport() {
      const gun = get().gun;
      if (!gun || refuseReadOnly()) return;
      let report: ExportReport | undefined;
      await get().runTask(`Checking what ${gun} can export`, async () => {
        report = await services.exportReport(gun);
      });
      if (!report) return;
      if (report.held.length === 0) {
        set({ status: `This host holds no signer key of ${gun}: export where the signer's key is` });
        return;
      }
      const found = report;
      const options = found.held.flatMap((signer) =>
        (['cosign', 'notation'] as const).map((format) => ({
          label: `${signer}: ${format === 'cosign' ? 'cosign (.sig + bundle)' : 'Notation (JWS)'} — ${found.pending[signer]?.[format].length ?? 0} tag(s) to export`,
          value: JSON.stringify([signer, format]),
        })),
      );
      get().openModal({
        kind: 'choose',
        title: `Export signatures of ${gun}`,
        options,
        choose: (value) => {
          const [signer, format] = JSON.parse(value) as [string, ExportFormatChoice];
          confirmExport(gun, signer, format, found.pending[signer]?.[format] ?? []);
        },
      });
    },
  };
}
