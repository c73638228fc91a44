// The one place that decides what is on top (gemini-cli's DialogManager): a passphrase request
// first (an operation is waiting on it), then the active wizard, then the modal. Returns null when
// nothing is open and the screen should show.
import { useShallow } from 'zustand/react/shallow';
import { useApp, useAppStore } from '../state/context.js';
import { planLines, planWarning } from '../state/slices/operations.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { HelpOverlay } from '../ui/HelpOverlay.js';
import { TypeToConfirm } from '../ui/TypeToConfirm.js';
import { ChooseDialog } from './dialogs/ChooseDialog.js';
import { DetailDialog } from './dialogs/DetailDialog.js';
import { PassphraseDialog } from './dialogs/PassphraseDialog.js';
import { PromptDialog } from './dialogs/PromptDialog.js';
import { KeyGenerateWizard } from './wizards/KeyGenerateWizard.js';
import { KeyImportWizard } from './wizards/KeyImportWizard.js';
import { SignerSetupWizard } from './wizards/SignerSetupWizard.js';
import { SignWizard } from './wizards/SignWizard.js';
import { SweepWizard } from './wizards/SweepWizard.js';
import { MigrateWizard } from './wizards/MigrateWizard.js';

export function useDialogOpen(): boolean {
  return useApp((s) => s.passphrase !== null || s.wizard !== null || s.modal !== null);
}

export function DialogManager({ height }: { height: number }) {
  const store = useAppStore();
  const { passphrase, wizard, modal, screen } = useApp(useShallow((s) => ({ passphrase: s.passphrase, wizard: s.wizard, modal: s.modal, screen: s.screen })));
  const actions = store.getState();

  if (passphrase) {
    // A fresh dialog per request: nothing typed for one key carries over to the next.
    const key = `${passphrase.keyId}:${passphrase.purpose}:${passphrase.attempt}`;
    return <PassphraseDialog key={key} request={passphrase} height={height} onSubmit={actions.submitPassphrase} onCancel={actions.cancelPassphrase} />;
  }
  if (wizard) {
    switch (wizard.kind) {
      case 'key-import':
        return <KeyImportWizard state={wizard.state} height={height} send={(e) => actions.sendWizard('key-import', e)} />;
      case 'key-generate':
        return <KeyGenerateWizard state={wizard.state} height={height} send={(e) => actions.sendWizard('key-generate', e)} />;
      case 'signer-setup':
        return <SignerSetupWizard state={wizard.state} height={height} send={(e) => actions.sendWizard('signer-setup', e)} />;
      case 'sign':
        return <SignWizard state={wizard.state} height={height} send={(e) => actions.sendWizard('sign', e)} />;
      case 'sweep':
        return <SweepWizard state={wizard.state} height={height} send={(e) => actions.sendWizard('sweep', e)} />;
      case 'migrate':
        return <MigrateWizard state={wizard.state} height={height} send={(e) => actions.sendWizard('migrate', e)} />;
    }
  }
  if (!modal) return null;
  switch (modal.kind) {
    case 'help':
      return <HelpOverlay screen={screen} height={height} onClose={actions.closeModal} />;
    case 'type-to-confirm':
      return <TypeToConfirm title={modal.title} changes={modal.changes} expected={modal.expected} height={height} onConfirm={() => void actions.confirmModal(modal.expected)} onCancel={actions.closeModal} />;
    case 'plan': {
      const { plan } = modal;
      // A plan that would be refused is shown with the reason; there is nothing to confirm.
      if (plan.refusal) return <DetailDialog title={`Cannot: ${plan.title}`} lines={planLines(plan)} height={height} onClose={actions.closeModal} />;
      return <TypeToConfirm title={plan.title} changes={planLines(plan)} warning={planWarning(plan)} expected={plan.confirmText} height={height} onConfirm={() => void actions.confirmModal(plan.confirmText)} onCancel={actions.closeModal} />;
    }
    case 'confirm':
      return <ConfirmDialog title={modal.title} changes={modal.changes} height={height} onConfirm={() => void actions.confirmModal()} onCancel={actions.closeModal} />;
    case 'prompt':
      return (
        <PromptDialog
          // A fresh field for each prompt of a multi-step form.
          key={`${modal.title}\n${modal.label}`}
          title={modal.title}
          height={height}
          label={modal.label}
          initial={modal.initial}
          {...(modal.hint ? { hint: modal.hint } : {})}
          {...(modal.validate ? { validate: modal.validate } : {})}
          onSubmit={(value) => {
            actions.closeModal();
            void modal.submit(value);
          }}
          onCancel={actions.closeModal}
        />
      );
    case 'choose':
      return (
        <ChooseDialog
          title={modal.title}
          height={height}
          options={modal.options}
          onChoose={(value) => {
            actions.closeModal();
            modal.choose(value);
          }}
          onCancel={actions.closeModal}
        />
      );
    case 'detail':
      return <DetailDialog title={modal.title} lines={modal.lines} height={height} onClose={actions.closeModal} />;
  }
}
