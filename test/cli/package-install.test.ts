/**
 * The package as npm ships it: `npm pack`, `npm install -g` of the tarball into a scratch prefix, and
 * the installed `trust-tui` run as users run it (by its bin link and by `npx`). A bundle whose
 * chunks, entry points or bin are missing from the package fails here, not in a user's CI.
 * Dependencies come from the npm registry (npm's cache first); install scripts are skipped (the
 * native add-on of the server's SQLite store is not what this checks).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeScratchDirSync, removeScratchDir, runCommand } from '../helpers/proc.js';
import { CLI } from '../helpers/trust-tui.js';

const root = path.resolve(path.dirname(CLI), '..');
const scratch = makeScratchDirSync('package-install');
const prefix = path.join(scratch, 'prefix');
const bin = path.join(prefix, 'bin', 'trust-tui');
const home = path.join(scratch, 'home');
const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

afterAll(() => removeScratchDir(scratch));

beforeAll(async () => {
  const pack = await runCommand('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: root, timeoutMs: 60_000 });
  expect(pack.code, pack.stderr).toBe(0);
  const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
  expect(tarball).toBeDefined();
  const install = await runCommand(
    'npm',
    ['install', '--global', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', path.join(scratch, tarball!)],
    { cwd: scratch, timeoutMs: 150_000 },
  );
  expect(install.code, install.stderr).toBe(0);
}, 180_000);

describe('npm install -g of the packed tarball', () => {
  it('trust-tui --version and --help work from the bin link', async () => {
    const v = await runCommand(bin, ['--version'], { cwd: scratch });
    expect(v).toMatchObject({ code: 0, stdout: `${version}\n` });
    const help = await runCommand(bin, ['--help'], { cwd: scratch });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: trust-tui \[options\] \[command\]/);
    expect(help.stdout).toContain('inspect [options] <name...>');
  });

  it('npx trust-tui --version runs the installed package', async () => {
    const r = await runCommand('npx', ['--no-install', 'trust-tui', '--version'], { cwd: scratch, env: { npm_config_prefix: prefix } });
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('a command loads its bundle, and the whole program its chunks, from the installed package', async () => {
    const dirs = ['--trust-dir', path.join(home, 'trust'), '--config-dir', path.join(home, 'config')];
    const keys = await runCommand(bin, [...dirs, 'key', 'list'], { cwd: scratch });
    expect(keys).toMatchObject({ code: 0, stderr: '' });
    expect(keys.stdout).toMatch(/No signing keys/);
    const inspect = await runCommand(bin, [...dirs, 'inspect', 'registry.example.com/team/app', '--server', 'https://127.0.0.1:9'], { cwd: scratch });
    expect(inspect.code).toBe(1);
    expect(inspect.stderr).toMatch(/cannot reach the trust server at https:\/\/127\.0\.0\.1:9/);
    // `help CMD` names no single command: the ES-module build (dist/esm/) answers.
    const help = await runCommand(bin, [...dirs, 'help', 'inspect'], { cwd: scratch });
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: trust-tui inspect \[options\] <name\.\.\.>/);
  });
});
