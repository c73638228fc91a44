// One stdin consumer for the whole app (gemini-cli's KeypressContext): handlers subscribe with a
// priority; a key goes to the highest priority first and, within a level, to the newest subscriber.
// A handler returning true consumes the key; a `capture` layer (a modal) consumes every key, so
// nothing underneath ever sees keys typed into it.
// Ink hands a run of plain characters that arrived together ("jjjjj", a paste) to useInput as one
// string; the router splits it so every keypress counts (escape sequences Ink already separates).
import { useInput, type Key } from 'ink';
import { createContext, useContext, useEffect, useMemo, useRef, type ReactNode } from 'react';

export const Priority = {
  Global: 0,
  Screen: 10,
  Text: 20,
  Modal: 30,
  ModalText: 40,
} as const;

export type KeyHandler = (input: string, key: Key) => boolean | void;

interface Subscription {
  handler: { current: KeyHandler };
  priority: number;
  capture: boolean;
  order: number;
}

interface Router {
  subscribe(sub: Omit<Subscription, 'order'>): () => void;
}

const RouterContext = createContext<Router | null>(null);

/** Dispatch order: priority descending, then newest first. Exported for tests. */
export function dispatchKey(subs: readonly Subscription[], input: string, key: Key): void {
  const ordered = [...subs].sort((a, b) => b.priority - a.priority || b.order - a.order);
  for (const sub of ordered) {
    const consumed = sub.handler.current(input, key);
    if (consumed === true || sub.capture) return;
  }
}

const SPECIAL_FLAGS = [
  'upArrow', 'downArrow', 'leftArrow', 'rightArrow', 'pageDown', 'pageUp', 'home', 'end',
  'return', 'escape', 'tab', 'backspace', 'delete',
] as const;

const noKey = (key: Key): Key => {
  const plain = { ...key, ctrl: false, shift: false, meta: false };
  for (const flag of SPECIAL_FLAGS) plain[flag] = false;
  return plain;
};

/** One character of a run as the keypress a terminal would have sent alone. */
function keypressOf(ch: string, base: Key): [string, Key] {
  const key = noKey(base);
  if (ch === '\r' || ch === '\n') return ['', { ...key, return: true }];
  if (ch === '\t') return ['', { ...key, tab: true }];
  if (ch === '\u007f' || ch === '\b') return ['', { ...key, backspace: true }];
  const code = ch.codePointAt(0)!;
  if (code >= 1 && code <= 26) return [String.fromCharCode(code + 96), { ...key, ctrl: true }];
  return [ch, { ...key, shift: /^[A-Z]$/.test(ch) }];
}

/** The keypresses in one input event: a multi-character run of plain text becomes one per character. */
export function splitKeypresses(input: string, key: Key): [string, Key][] {
  const chars = [...input];
  const special = key.ctrl || (key.meta && !key.escape) || SPECIAL_FLAGS.some((flag) => key[flag]);
  if (chars.length <= 1 || special) return [[input, key]];
  return chars.map((ch) => keypressOf(ch, key));
}

export function InputProvider({ children }: { children: ReactNode }) {
  const subs = useRef<Subscription[]>([]);
  const counter = useRef(0);
  const router = useMemo<Router>(
    () => ({
      subscribe(sub) {
        const entry = { ...sub, order: counter.current++ };
        subs.current.push(entry);
        return () => {
          subs.current = subs.current.filter((s) => s !== entry);
        };
      },
    }),
    [],
  );
  useInput((input, key) => {
    for (const [one, oneKey] of splitKeypresses(input, key)) dispatchKey(subs.current, one, oneKey);
  });
  return <RouterContext.Provider value={router}>{children}</RouterContext.Provider>;
}

/** Subscribes `handler` while `isActive`; the latest handler closure is always used. */
export function useKeypress(
  handler: KeyHandler,
  options: { priority: number; isActive?: boolean; capture?: boolean },
): void {
  const router = useContext(RouterContext);
  if (!router) throw new Error('useKeypress needs an <InputProvider>');
  const ref = useRef(handler);
  ref.current = handler;
  const { priority, isActive = true, capture = false } = options;
  useEffect(() => {
    if (!isActive) return undefined;
    return router.subscribe({ handler: ref, priority, capture });
  }, [router, priority, isActive, capture]);
}
