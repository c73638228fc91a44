// Two demos of one directory would share its settings: the second pointed them at its own server,
// and once it stopped the first one's repositories were offline for good. The second is refused,
// naming the demo that runs and how to use it; a demo whose process is gone does not block the next.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, serveDemo } from './demo-helpers.js';

const run = promisify(execFile);

describe('one demo per directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trust-tui-demo-lock-'));
  const data = join(dir, 'demo');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a second demo of the directory is refused and changes nothing; after the first stops, a stale lock does not block', async () => {
    const first = await serveDemo(data);
    try {
      const settings = readFileSync(join(data, 'config', 'config.json'), 'utf8');
      const url = JSON.parse(readFileSync(join(data, 'running.json'), 'utf8')).url as string;
      const second = await run('node', [cli, 'demo', '--no-ui', '--data', data]).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`a demo of ${data} runs already (process ${first.pid}, server ${url})`);
      expect(second.stderr).toContain(`--config-dir ${join(data, 'config')} inspect`);
      expect(readFileSync(join(data, 'config', 'config.json'), 'utf8')).toBe(settings);
    } finally {
      first.kill('SIGINT');
      await new Promise((r) => first.once('exit', r));
    }
    // A demo killed before it could give the directory back: its lock names a process that is gone.
    writeFileSync(join(data, 'running.json'), JSON.stringify({ pid: 2 ** 22 + 12345, url: 'https://127.0.0.1:1' }));
    const next = await serveDemo(data);
    next.kill('SIGINT');
    await new Promise((r) => next.once('exit', r));
  }, 120_000);

  it("a DOCKER_CONTENT_TRUST_SERVER in the user's shell is not where the demo publishes", async () => {
    // Stands for the user's own trust server: it only counts who connects.
    let connections = 0;
    const users = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => users.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(users.address() as AddressInfo).port}`;
    const own = join(dir, 'with-variable');
    const demo = await serveDemo(own, { ...process.env, DOCKER_CONTENT_TRUST_SERVER: url });
    try {
      expect(connections).toBe(0);
      expect(demo.shown()).toContain(`  env -u DOCKER_CONTENT_TRUST_SERVER trust-tui --trust-dir ${join(own, 'trust')}`);
    } finally {
      demo.kill('SIGINT');
      await new Promise((r) => demo.once('exit', r));
      users.close();
    }
  }, 120_000);

  it('without a terminal the demo UI is a usage error (exit 2), as said', async () => {
    const r = await run('node', [cli, 'demo', '--data', data]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(r).toEqual({ code: 2, stderr: 'trust-tui: the demo UI needs a terminal; run `trust-tui demo --no-ui` to only serve the demo repositories.\n' });
  });
});
