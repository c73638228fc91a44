// ink-testing-library helpers: wait for React to commit between keys, strip ANSI.
import { render as inkRenderReal } from 'ink';
import { render as inkRender } from 'ink-testing-library';
import { EventEmitter } from 'node:events';
import { stripVTControlCharacters } from 'node:util';
import { createElement, type ReactElement } from 'react';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import type { Services } from '../../src/state/services.js';
import { createAppStore } from '../../src/state/store.js';

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
export const KEYS = { up: '\u001B[A', down: '\u001B[B', enter: '\r', esc: '\u001B', tab: '\t', backspace: '\u007F', pageDown: '\u001B[6~', pageUp: '\u001B[5~' };

const flush = () => new Promise((res) => setImmediate(() => setTimeout(res, 0)));

export function renderTui(element: ReactElement) {
  const r = inkRender(element);
  const frame = () => stripVTControlCharacters(r.lastFrame() ?? '');
  const settle = async (before: string | undefined, capMs = 100) => {
    const started = Date.now();
    while (r.lastFrame() === before && Date.now() - started < capMs) await flush();
    await flush(); // let effects re-subscribe input handlers with fresh closures
  };
  const ready = () => tick(20);
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      const before = r.lastFrame();
      r.stdin.write(k);
      await settle(before);
    }
  };
  const type = async (text: string) => {
    for (const ch of text) await press(ch);
  };
  /** Waits until the frame contains `text` (async work such as loading). */
  const waitFor = async (text: string | RegExp, capMs = 2000) => {
    const started = Date.now();
    const has = () => (typeof text === 'string' ? frame().includes(text) : text.test(frame()));
    while (!has() && Date.now() - started < capMs) await tick(10);
    if (!has()) throw new Error(`timed out waiting for ${String(text)} in:\n${frame()}`);
  };
  return { ...r, frame, press, type, ready, waitFor };
}

/** A terminal of a fixed size (ink-testing-library's is always 100 columns, with no rows). */
class SizedStdout extends EventEmitter {
  frames: string[] = [];
  private last: string | undefined;
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
    this.last = frame;
    return true;
  };
  lastFrame = () => this.last;
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = () => {
    const { data } = this;
    this.data = null;
    return data;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

/** renderTui's helpers on a `columns`×`rows` terminal. */
export function renderSized(element: ReactElement, columns: number, rows: number) {
  const stdout = new SizedStdout(columns, rows);
  const stdin = new FakeStdin();
  const instance = inkRenderReal(element, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: new SizedStdout(columns, rows) as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const frame = () => stripVTControlCharacters(stdout.lastFrame() ?? '');
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      stdin.write(k);
      await flush();
      await tick(15);
    }
  };
  const waitFor = async (text: string | RegExp, capMs = 2000) => {
    const started = Date.now();
    const has = () => (typeof text === 'string' ? frame().includes(text) : text.test(frame()));
    while (!has() && Date.now() - started < capMs) await tick(10);
    if (!has()) throw new Error(`timed out waiting for ${String(text)} in:\n${frame()}`);
  };
  return { frame, press, waitFor, stdin, unmount: () => instance.unmount() };
}

/**
 * The whole app over `services` on a `columns`×`rows` terminal, with its store; `open` starts on a
 * repository's Tags or Signers screen.
 */
export function renderAppSized(services: Services, columns: number, rows: number, open?: { gun: string; screen: 'tags' | 'signers' }) {
  const store = createAppStore(services, { workDir: '/work' });
  if (open) store.getState().openRepository(open.gun, open.screen);
  const ui = renderSized(createElement(StoreProvider, { store }, createElement(App)), columns, rows);
  /** Types `text` a key at a time. */
  const type = async (text: string) => {
    for (const ch of text) await ui.press(ch);
  };
  return { ...ui, type, store };
}
