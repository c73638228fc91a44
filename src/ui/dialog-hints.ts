// The footer's key hints while a dialog is open: the dialog's own keys, never the screen's
// underneath (which the dialog captures, so they would not work).
export type DialogKind = 'passphrase' | 'wizard' | 'help' | 'type-to-confirm' | 'plan' | 'confirm' | 'prompt' | 'choose' | 'detail';

const HINTS: Record<DialogKind, { key: string; hint: string }[]> = {
  passphrase: [{ key: 'Enter', hint: 'continue' }, { key: 'Esc', hint: 'cancel' }],
  wizard: [{ key: 'Enter', hint: 'continue' }, { key: 'Esc', hint: 'back / cancel' }],
  help: [{ key: 'j/k', hint: 'scroll' }, { key: 'Esc ? q', hint: 'close' }],
  'type-to-confirm': [{ key: 'Enter', hint: 'confirm (type the name first)' }, { key: 'Esc', hint: 'cancel' }],
  plan: [{ key: 'Enter', hint: 'confirm (type what is asked first)' }, { key: 'Esc', hint: 'cancel' }],
  confirm: [{ key: 'y', hint: 'yes' }, { key: 'n Enter Esc', hint: 'no' }],
  prompt: [{ key: 'Enter', hint: 'OK' }, { key: 'Ctrl-U', hint: 'clear' }, { key: 'Esc', hint: 'cancel' }],
  choose: [{ key: 'j/k', hint: 'move' }, { key: 'Enter', hint: 'choose' }, { key: 'Esc', hint: 'cancel' }],
  detail: [{ key: 'Esc Enter', hint: 'close' }],
};

export function dialogHints(kind: DialogKind): { key: string; hint: string }[] {
  return HINTS[kind];
}
