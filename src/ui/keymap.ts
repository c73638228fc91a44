// The keymap as data (gemini-cli's keyBindings idea): one table feeds key matching, the footer hints
// and the `?` help overlay, so what the help says is what the keys do.
import type { Key } from 'ink';
import type { ScreenId } from '../state/slices/navigation.js';

/** A key: a printable character, or a named special key, optionally with ctrl/shift. */
export interface KeyBinding {
  input?: string;
  special?: 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab';
  ctrl?: boolean;
  shift?: boolean;
}

/** Where a command applies: everywhere, on every list screen, or on one screen. */
export type Scope = 'global' | 'list' | ScreenId;

export interface CommandSpec {
  bindings: readonly KeyBinding[];
  /** Shown in the help overlay. */
  description: string;
  /** Short footer label; commands without one appear only in the help overlay. */
  hint?: string;
  scope: Scope;
}

const k = (input: string): KeyBinding => ({ input });

export const KEYMAP = {
  'nav.down': { bindings: [k('j'), { special: 'down' }], description: 'move down', scope: 'list' },
  'nav.up': { bindings: [k('k'), { special: 'up' }], description: 'move up', scope: 'list' },
  'nav.top': { bindings: [k('g'), { special: 'home' }], description: 'first row', scope: 'list' },
  'nav.bottom': { bindings: [k('G'), { special: 'end' }], description: 'last row', scope: 'list' },
  'nav.pageDown': { bindings: [{ special: 'pageDown' }, { input: 'd', ctrl: true }], description: 'page down', scope: 'list' },
  'nav.pageUp': { bindings: [{ special: 'pageUp' }, { input: 'u', ctrl: true }], description: 'page up', scope: 'list' },
  'nav.open': { bindings: [{ special: 'return' }], description: 'open / edit the selected row', hint: 'open', scope: 'list' },
  'list.filter': { bindings: [k('/')], description: 'filter rows (Enter keeps, Esc clears)', hint: 'filter', scope: 'list' },
  'list.refresh': { bindings: [k('r'), { input: 'r', ctrl: true }], description: 'refresh, keeping the cursor', hint: 'refresh', scope: 'list' },

  'repos.add': { bindings: [k('a')], description: 'watch a repository', hint: 'add', scope: 'repos' },
  'repos.signers': { bindings: [k('s')], description: "open the repository's signers", hint: 'signers', scope: 'repos' },
  'repos.migrate': { bindings: [k('m')], description: 'move the repository to another trust server, keeping every signature (root key holder)', hint: 'migrate', scope: 'repos' },
  'tags.sign': { bindings: [k('s')], description: 'sign a tag (digest and size from the registry, or typed)', hint: 'sign', scope: 'tags' },
  'tags.revoke': { bindings: [k('d')], description: 'revoke the selected tag (type its name to confirm)', hint: 'revoke', scope: 'tags' },
  'tags.exportReport': { bindings: [k('x')], description: 'the migration report: which signers have exported cosign / Notation signatures of each tag', hint: 'export report', scope: 'tags' },
  'tags.export': { bindings: [k('e')], description: "export this host's signer's signatures to cosign or Notation (asks first)", hint: 'export', scope: 'tags' },
  'tags.copy': { bindings: [k('y')], description: "copy the selected tag's digest to the clipboard (OSC 52)", hint: 'copy', scope: 'tags' },
  'signers.add': { bindings: [k('a')], description: 'add a signer (guided)', hint: 'add', scope: 'signers' },
  'signers.remove': { bindings: [k('d')], description: 'remove the selected signer (type its name to confirm)', hint: 'remove', scope: 'signers' },
  'signers.removeKey': { bindings: [k('x')], description: 'remove one key of the selected signer', hint: 'remove key', scope: 'signers' },
  'signers.sweep': { bindings: [k('S')], description: 'a contributor left: sweep all keys of this signer from every known repository', hint: 'sweep', scope: 'signers' },
  'signers.exportPolicy': { bindings: [k('P')], description: 'export a verification policy (Kyverno, policy-controller, Connaisseur, cosign script) requiring k of the signers', hint: 'policy', scope: 'signers' },
  'signers.copy': { bindings: [k('y')], description: "copy the selected signer's key ID(s) to the clipboard (OSC 52)", hint: 'copy', scope: 'signers' },
  'keys.import': { bindings: [k('i')], description: 'import a private key file (guided)', hint: 'import', scope: 'keys' },
  'keys.generate': { bindings: [k('n')], description: 'generate a new signing key', hint: 'new', scope: 'keys' },
  'keys.sweep': { bindings: [k('S')], description: 'compromised key: sweep it from every repository', hint: 'sweep', scope: 'keys' },
  'keys.copy': { bindings: [k('y')], description: 'copy the selected key ID to the clipboard (OSC 52)', hint: 'copy', scope: 'keys' },
  'config.add': { bindings: [k('a')], description: 'add a server, pin or watched repository', hint: 'add', scope: 'config' },
  'config.remove': { bindings: [k('d')], description: 'remove the selected entry (asks first)', hint: 'remove', scope: 'config' },
  'expiry.window': { bindings: [k('w')], description: 'show what ends within 7, 30 or 90 days, or everything', hint: 'window', scope: 'expiry' },
  'expiry.renew': { bindings: [k('R')], description: "renew the selected row's repository: shows the plan, asks first", hint: 'renew', scope: 'expiry' },
  'expiry.renewAll': { bindings: [k('A')], description: 'renew everything this host can, in every repository: shows the whole plan, asks once', hint: 'renew all', scope: 'expiry' },
  'requests.approve': { bindings: [k('a')], description: "approve: shows the change, asks, signs with this host's keys (passphrase asked)", hint: 'approve', scope: 'requests' },
  'requests.submit': { bindings: [k('s')], description: 'submit a ready request: publishes every role in one upload', hint: 'submit', scope: 'requests' },
  'requests.cancel': { bindings: [k('x')], description: 'cancel: forget the request here (asks first)', hint: 'cancel', scope: 'requests' },
  'policy.apply': { bindings: [k('a')], description: "apply the policy to the selected repository: shows what apply does, asks, publishes or opens signing requests", hint: 'apply', scope: 'policy' },
  'policy.file': { bindings: [k('f')], description: 'read another policy file (default trust-policy.yaml here)', hint: 'file', scope: 'policy' },
  'requests.rebase': { bindings: [k('b')], description: 'rebase a stale request on what the server has now (signatures start over)', hint: 'rebase', scope: 'requests' },
  'requests.merge': { bindings: [k('m')], description: 'merge a file someone sent: a signed copy of a request, a detached signature, or a new request (~ expands)', hint: 'merge', scope: 'requests' },

  'app.nextScreen': { bindings: [{ special: 'tab' }], description: 'next screen', scope: 'global' },
  'app.prevScreen': { bindings: [{ special: 'tab', shift: true }], description: 'previous screen', scope: 'global' },
  'app.screen': { bindings: ['1', '2', '3', '4', '5', '6', '7', '8'].map(k), description: 'jump to screen 1-8', scope: 'global' },
  'app.back': { bindings: [{ special: 'escape' }], description: 'back / cancel / clear filter (never quits)', scope: 'global' },
  'app.errorDetail': { bindings: [k('v')], description: 'the whole error message, when the banner cuts it short', scope: 'global' },
  'app.help': { bindings: [k('?')], description: 'this help', hint: 'help', scope: 'global' },
  'app.quit': { bindings: [k('q'), { input: 'c', ctrl: true }], description: 'quit', hint: 'quit', scope: 'global' },
} as const satisfies Record<string, CommandSpec>;

export type Command = keyof typeof KEYMAP;

export function matchesBinding(b: KeyBinding, input: string, key: Key): boolean {
  if (Boolean(b.ctrl) !== key.ctrl) return false;
  if (b.special) {
    const pressed = {
      up: key.upArrow,
      down: key.downArrow,
      pageUp: key.pageUp,
      pageDown: key.pageDown,
      home: key.home,
      end: key.end,
      return: key.return,
      escape: key.escape,
      tab: key.tab,
    }[b.special];
    return pressed && Boolean(b.shift) === key.shift;
  }
  // Alt+key arrives as meta without escape (Ink's parse-keypress): never mistake it for the plain key.
  return input === b.input && !(key.meta && !key.escape);
}

/** The command `input`/`key` triggers among those in `scopes` (first match in table order). */
export function commandFor(input: string, key: Key, scopes: readonly Scope[]): Command | undefined {
  for (const [name, spec] of Object.entries(KEYMAP) as [Command, CommandSpec][]) {
    if (!scopes.includes(spec.scope)) continue;
    if (spec.bindings.some((b) => matchesBinding(b, input, key))) return name;
  }
  return undefined;
}

export function describeBinding(b: KeyBinding): string {
  const names = { up: '↑', down: '↓', pageUp: 'PgUp', pageDown: 'PgDn', home: 'Home', end: 'End', return: 'Enter', escape: 'Esc', tab: 'Tab' };
  const base = b.special ? names[b.special] : b.input === ' ' ? 'Space' : (b.input ?? '');
  return `${b.ctrl ? 'Ctrl-' : ''}${b.shift ? 'Shift-' : ''}${base}`;
}

export interface HelpEntry {
  keys: string;
  description: string;
}

/** Help rows for a scope, in table order. */
export function helpEntries(scope: Scope): HelpEntry[] {
  return (Object.values(KEYMAP) as CommandSpec[])
    .filter((spec) => spec.scope === scope)
    .map((spec) => ({ keys: describeBindings(spec.bindings), description: spec.description }));
}

/** `1-8` for a run of digit keys (the screen numbers), else each binding. */
function describeBindings(bindings: readonly KeyBinding[]): string {
  const digits = bindings.map((b) => b.input ?? '');
  if (digits.length > 2 && digits.every((d, i) => /^\d$/.test(d) && (i === 0 || Number(d) === Number(digits[i - 1]) + 1))) return `${digits[0]}-${digits.at(-1)}`;
  return bindings.map(describeBinding).join(' ');
}

/** Footer hints for a screen: its own commands, then list and global ones that have a hint. */
export function footerHints(screen: ScreenId): { key: string; hint: string }[] {
  const scopes: Scope[] = [screen, 'list', 'global'];
  return scopes.flatMap((scope) =>
    (Object.values(KEYMAP) as CommandSpec[])
      .filter((spec) => spec.scope === scope && spec.hint)
      .map((spec) => ({ key: describeBinding(spec.bindings[0]!), hint: spec.hint! })),
  );
}
