// `y` on a list: the selected row's digest or key ID goes to the terminal's clipboard (OSC 52).
import { useStdout } from 'ink';
import { useAppStore } from '../state/context.js';
import { osc52 } from '../ui/clipboard.js';

export function useCopy(list: 'tags' | 'signers' | 'keys'): () => void {
  const store = useAppStore();
  const { write } = useStdout();
  return () => {
    const copied = store.getState().clipboardText(list);
    if (!copied) return;
    write(osc52(copied.text));
    store.getState().setStatus(`Copied the ${copied.what} to the clipboard`);
  };
}
