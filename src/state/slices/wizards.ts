// The guided flows. Each wizard is a pure reducer (src/state/wizards/); this slice holds the active
// one, feeds it events, and runs the side effect a step asks for (inspect a file, import, publish,
// sweep), turning the result into the next event.
import { describeFailure, isCancellation } from '../failure.js';
import type { SweepTarget } from '../services.js';
import type { SliceContext } from '../store.js';
import { keyGenerateReducer, keyGenerateStart, type KeyGenerateEvent, type KeyGenerateState } from '../wizards/key-generate.js';
import { keyImportReducer, keyImportStart, type KeyImportEvent, type KeyImportState } from '../wizards/key-import.js';
import { signerSetupReducer, signerSetupStart, type SignerSetupEvent, type SignerSetupState } from '../wizards/signer-setup.js';
import { signReducer, signStart, type SignEvent, type SignState } from '../wizards/sign.js';
import { runSignEffect } from './sign-effects.js';
import { sweepInterrupted, sweepReducer, sweepStart, type SweepEvent, type SweepState } from '../wizards/sweep.js';
import { migrateReducer, migrateStart, type MigrateEvent, type MigrateState } from '../wizards/migrate.js';
import { hintOf } from '../../tuf/errors.js';
import { shortKeyId } from '../../tuf/short-key-id.js';

export interface WizardTypes {
  'key-import': { state: KeyImportState; event: KeyImportEvent };
  'key-generate': { state: KeyGenerateState; event: KeyGenerateEvent };
  'signer-setup': { state: SignerSetupState; event: SignerSetupEvent };
  sweep: { state: SweepState; event: SweepEvent };
  sign: { state: SignState; event: SignEvent };
  migrate: { state: MigrateState; event: MigrateEvent };
}

export type WizardKind = keyof WizardTypes;
export type Wizard = { [K in WizardKind]: { kind: K; state: WizardTypes[K]['state'] } }[WizardKind];

export interface WizardSlice {
  wizard: Wizard | null;
  startKeyImport(): void;
  startKeyGenerate(): void;
  startSignerSetup(): Promise<void>;
  startSweep(target: SweepTarget): void;
  /** Signs a tag of `gun`: already in the registry (digest and size from it, else typed), or a local image pushed first. */
  startSign(gun: string, tag?: string): void;
  /** Moves `gun` to another trust server (destination asked first). */
  startMigrate(gun: string): void;
  /** Sends an event to the active wizard of that kind (ignored if another one is active). */
  sendWizard<K extends WizardKind>(kind: K, event: WizardTypes[K]['event']): void;
  /**
   * When the app quits: cancels the sign dialog's push if one runs (nothing is signed after it) and
   * waits for it to end; resolves to what it left behind (undefined: nothing was running).
   */
  stopWork(): Promise<string | undefined>;
}

/** "; targets/releases threshold 1 → 2" when the add changed it. */
const thresholdChange = (r: { from: number; to: number }) => (r.from !== r.to ? `; targets/releases threshold ${r.from} → ${r.to}` : '');

/** A wizard's error line: the cause, and the next step when the operation named one ("cause; what to do"). */
/** A wizard's error line: the cause, and the next step when the error carries one. */
const message = (e: unknown) => {
  const failure = describeFailure(e);
  return hintOf(e, 'ui') ? `${failure.cause}. ${failure.next}` : failure.cause;
};

export function createWizardSlice({ set, get, services, options }: SliceContext): WizardSlice {
  let sweepAbort: AbortController | null = null;
  /** The sign dialog's push while it runs: Esc (or leaving the app) cancels it. */
  let signPush: { abort: AbortController; run: Promise<void> } | null = null;

  function reduce(wizard: Wizard, event: WizardTypes[WizardKind]['event']): Wizard | null {
    switch (wizard.kind) {
      case 'key-import': {
        const state = keyImportReducer(wizard.state, event as KeyImportEvent);
        return state && { kind: 'key-import', state };
      }
      case 'key-generate': {
        const state = keyGenerateReducer(wizard.state, event as KeyGenerateEvent, options.workDir);
        return state && { kind: 'key-generate', state };
      }
      case 'signer-setup': {
        const state = signerSetupReducer(wizard.state, event as SignerSetupEvent);
        return state && { kind: 'signer-setup', state };
      }
      case 'sweep': {
        const state = sweepReducer(wizard.state, event as SweepEvent);
        return state && { kind: 'sweep', state };
      }
      case 'sign': {
        const state = signReducer(wizard.state, event as SignEvent);
        return state && { kind: 'sign', state };
      }
      case 'migrate': {
        const state = migrateReducer(wizard.state, event as MigrateEvent);
        return state && { kind: 'migrate', state };
      }
    }
  }

  function enter(next: Wizard | null, previous: Wizard | null): void {
    set({ wizard: next });
    if (next && next.state.step !== previous?.state.step) void runEffect(next);
  }

  const ports = (signal?: AbortSignal) => ({ passphrases: get().passphrases, ...(signal ? { signal } : {}) });

  /** The work a step stands for; its outcome is sent back as an event. */
  async function runEffect(wizard: Wizard): Promise<void> {
    const send = get().sendWizard;
    if (wizard.kind === 'key-import') {
      const s = wizard.state;
      if (s.step === 'inspecting') {
        await services.inspectKeyFile(s.path).then(
          (preview) => send('key-import', { type: 'inspected', preview }),
          (e) => send('key-import', { type: 'error', message: message(e) }),
        );
      } else if (s.step === 'importing') {
        await services.importKey(s.preview.path, s.preview.role ? undefined : s.name, ports()).then(
          (key) => {
            send('key-import', { type: 'imported', key });
            set({ status: `Imported key ${shortKeyId(key.id)} (${key.role})` });
            void get().load('keys');
          },
          (e) => send('key-import', { type: 'error', message: isCancellation(e) ? 'Cancelled: nothing was stored' : message(e) }),
        );
      }
    } else if (wizard.kind === 'key-generate') {
      const s = wizard.state;
      if (s.step === 'generating') {
        await services.generateKey(s.name, s.type, s.dir, ports()).then(
          (key) => {
            send('key-generate', { type: 'generated', key });
            set({ status: `Generated ${key.type} key ${shortKeyId(key.id)} for ${key.name}` });
            void get().load('keys');
          },
          (e) => send('key-generate', { type: 'error', message: isCancellation(e) ? 'Cancelled: nothing was stored' : message(e) }),
        );
      }
    } else if (wizard.kind === 'signer-setup') {
      const s = wizard.state;
      if (s.step === 'reading-file') {
        await services.inspectKeyFile(s.path).then(
          (preview) =>
            preview.kind === 'private'
              ? send('signer-setup', { type: 'error', message: `${s.path} is a private key: give the signer's .pub file (or import it on the Keys screen)` })
              : send('signer-setup', { type: 'file-read', preview }),
          (e) => send('signer-setup', { type: 'error', message: message(e) }),
        );
      } else if (s.step === 'planning') {
        await services.planAddSigner(s.gun, s.name, s.chosen.map((c) => c.choice), s.threshold).then(
          ({ delivery }) => send('signer-setup', { type: 'planned', delivery }),
          (e) => send('signer-setup', { type: 'error', message: message(e) }),
        );
      } else if (s.step === 'adding') {
        await services.addSigner(s.gun, s.name, s.chosen.map((c) => c.choice), ports(), s.threshold, s.delivery).then(
          (signer) => {
            send('signer-setup', { type: 'added', signer });
            set({
              status: signer.request
                ? `Nothing published: signing request ${signer.request.id} opened for ${s.gun} (${signer.request.status})`
                : `Added signer ${signer.name} to ${s.gun}${thresholdChange(signer.releases)}`,
            });
            if (!signer.request) void get().trustDataChanged(['signers']);
          },
          (e) => send('signer-setup', { type: 'error', message: isCancellation(e) ? 'Cancelled: nothing was published' : message(e) }),
        );
      }
    } else if (wizard.kind === 'sign') {
      const abort = wizard.state.step === 'pushing' ? new AbortController() : undefined;
      const run = runSignEffect(wizard.state, {
        services,
        send: (event) => send('sign', event),
        ports: () => ports(abort?.signal),
        message,
        signed(s, result) {
          const unreleased = result.released ? '' : '; not released: docker pulls only tags signed in targets/releases';
          set({ status: `Signed ${s.gun}:${s.tag} (${result.roles.join(', ')})${unreleased}` });
          void get().trustDataChanged(['tags']);
        },
      });
      if (abort) signPush = { abort, run };
      await run.finally(() => {
        if (signPush?.run === run) signPush = null;
      });
    } else if (wizard.kind === 'migrate') {
      const s = wizard.state;
      if (s.step === 'planning') {
        await services.planMigration(s.request).then(
          (plan) => send('migrate', { type: 'planned', plan }),
          (e) => send('migrate', { type: 'error', message: message(e) }),
        );
      } else if (s.step === 'running') {
        await services.runMigration(s.plan, ports(), (progress) => send('migrate', { type: 'progress', progress })).then(
          (outcomes) => {
            send('migrate', { type: 'finished', outcomes });
            const migrated = outcomes.filter((o) => o.status === 'migrated').length;
            set({ status: `Migrated ${migrated} of ${outcomes.length} repositor${outcomes.length === 1 ? 'y' : 'ies'} to ${s.plan.to}` });
          },
          (e) => send('migrate', { type: 'error', message: isCancellation(e) ? 'Cancelled: nothing was published' : message(e) }),
        );
        void get().trustDataChanged();
      }
    } else {
      const s = wizard.state;
      if (s.step === 'planning') {
        await services.planSweep(s.target).then(
          (plan) => send('sweep', { type: 'planned', plan }),
          (e) => send('sweep', { type: 'error', message: message(e) }),
        );
      } else if (s.step === 'running') {
        sweepAbort = new AbortController();
        const signal = sweepAbort.signal;
        await services
          .runSweep(s.plan, ports(signal), (progress) => send('sweep', { type: 'progress', progress }))
          .then(
            (outcomes) => send('sweep', { type: 'finished', outcomes, interrupted: sweepInterrupted(outcomes) }),
            (e) =>
              signal.aborted || isCancellation(e)
                ? send('sweep', { type: 'finished', outcomes: [], interrupted: true })
                : send('sweep', { type: 'error', message: message(e) }),
          );
        sweepAbort = null;
        void get().trustDataChanged();
      }
    }
  }

  return {
    wizard: null,
    startKeyImport: () => enter({ kind: 'key-import', state: keyImportStart() }, null),
    startKeyGenerate: () => enter({ kind: 'key-generate', state: keyGenerateStart() }, null),
    async startSignerSetup() {
      const gun = get().gun;
      if (!gun) {
        set({ status: 'Choose a repository first (Repositories screen, Enter)' });
        return;
      }
      if (get().lists.keys.status !== 'ready') await get().load('keys');
      // targets/releases now, for the threshold step's rule; unreadable: the add itself applies the rule.
      const releases = await services.listSigners(gun).then((l) => l.releases, () => undefined);
      enter({ kind: 'signer-setup', state: signerSetupStart(gun, get().lists.keys.rows, releases && { threshold: releases.threshold, keyIds: releases.keyIds }) }, null);
    },
    startSweep: (target) => enter({ kind: 'sweep', state: sweepStart(target) }, null),
    startSign: (gun, tag) => enter({ kind: 'sign', state: signStart(gun, tag) }, null),
    startMigrate: (gun) => enter({ kind: 'migrate', state: migrateStart(gun) }, null),
    sendWizard(kind, event) {
      const current = get().wizard;
      if (!current || current.kind !== kind) return;
      if (kind === 'sweep' && current.state.step === 'running' && (event.type === 'stop' || event.type === 'back')) {
        sweepAbort?.abort(); // the sweep stops between repositories (Services contract)
      }
      const next = reduce(current, event);
      if (next?.kind === 'sign' && next.state.step === 'pushing' && next.state.cancelling) signPush?.abort.abort();
      enter(next, current);
    },
    async stopWork() {
      const push = signPush;
      if (!push) return undefined;
      push.abort.abort();
      // No dialog can answer a passphrase prompt any more: each one is cancelled (nothing signed).
      let settled = false;
      void push.run.finally(() => (settled = true));
      while (!settled) {
        if (get().passphrase) get().cancelPassphrase();
        await Promise.race([push.run, new Promise((r) => setTimeout(r, 50))]);
      }
      const wizard = get().wizard;
      return wizard?.kind === 'sign' && wizard.state.step === 'push-failed' ? wizard.state.error : undefined;
    },
  };
}
