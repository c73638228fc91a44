// Renders every command's help with commander, for scripts/build.mjs (src/cli/help-texts.ts says why).
import type { Command } from 'commander';
import { buildProgram, REGISTRARS } from './program.js';
import type { HelpText, HelpTexts } from './help-texts.js';

/** Beyond this width, a text equal to its 80-column rendering is taken as unwrapped (checked once more at a huge width). */
const SCAN_LIMIT = 400;
const HUGE_WIDTH = 1_000_000;

/**
 * Commands whose help depends on the machine it runs on, never pre-rendered: `server --workers`
 * shows a default taken from the number of CPUs.
 */
const MACHINE_DEPENDENT = new Set(['server']);

/** Every command's help text with the range of widths it holds for. */
export async function renderHelpTexts(): Promise<HelpTexts> {
  let out = '';
  let err = '';
  let width = 80;
  const program = buildProgram({ stdout: (s) => (out += s), stderr: (s) => (err += s) });
  const fixWidth = (cmd: Command): void => {
    cmd.configureOutput({ getOutHelpWidth: () => width, getErrHelpWidth: () => width });
    for (const sub of cmd.commands) fixWidth(sub);
  };
  fixWidth(program);

  const render = async (path: readonly string[], at: number): Promise<string | undefined> => {
    out = '';
    err = '';
    width = at;
    await program.parseAsync([...path, '--help'], { from: 'user' }).catch(() => undefined);
    return err === '' && out !== '' ? out : undefined;
  };

  const paths: string[][] = [[]];
  const walk = (cmd: Command, prefix: readonly string[]): void => {
    for (const sub of cmd.commands) {
      const path = [...prefix, sub.name()];
      if (MACHINE_DEPENDENT.has(path[0]!)) continue;
      paths.push(path);
      walk(sub, path);
    }
  };
  walk(program, []);

  const texts: Record<string, HelpText> = {};
  for (const path of paths) {
    const text = await render(path, 80);
    if (text === undefined) continue;
    let min = 80;
    while (min > 1 && (await render(path, min - 1)) === text) min--;
    let max: number | null = 80;
    while (max < SCAN_LIMIT && (await render(path, max + 1)) === text) max++;
    if (max === SCAN_LIMIT && (await render(path, HUGE_WIDTH)) === text) max = null;
    texts[path.join(' ')] = { text, widths: [min, max] };
  }
  return texts;
}

/** For scripts/build.mjs: each registrar's function name and the top-level commands it adds. */
export function registrarTable(): { names: string[]; registrar: string }[] {
  return REGISTRARS.map(([names, register]) => ({ names: [...names], registrar: register.name }));
}
