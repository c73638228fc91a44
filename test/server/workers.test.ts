// `trust-tui server --workers N` when a worker goes wrong, on the built server: a hung worker leaves
// the others' /metrics answering (and is counted and named), and a worker that cannot start again
// after a crash says why, exits non-zero, and leaves the group visibly short of a worker.
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { childPids, spawnServer, type SpawnedServer } from './spawned-server.js';

let server: SpawnedServer | undefined;
const stopped: number[] = [];
afterEach(async () => {
  for (const pid of stopped.splice(0)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already gone
    }
  }
  await server?.cleanUp();
  server = undefined;
});

/** A sample's value in Prometheus text (`name` with its labels, if any, as printed). */
const sample = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

const waitFor = async (what: string, ok: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${server?.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('server workers', () => {
  it('one hung worker: /metrics answers in time with the other workers and counts the one that did not answer', async () => {
    server = await spawnServer(['--workers', '2']);
    const workers = childPids(server);
    expect(workers, server.output()).toHaveLength(2);
    const hung = workers[0]!;
    process.kill(hung, 'SIGSTOP');
    stopped.push(hung);

    // The stopped worker accepts no connection: every scrape reaches the other one.
    const started = performance.now();
    const scrape = await httpRequest(`${server.url}/metrics`, { timeoutMs: 10_000 });
    const ms = performance.now() - started;
    expect(scrape.status, scrape.text()).toBe(200);
    expect(ms).toBeLessThan(5_000);
    const text = scrape.text();
    expect(sample(text, 'trust_tui_workers_unanswered'), text).toBe(1);
    expect(sample(text, 'trust_tui_workers_live')).toBe(2);
    expect(sample(text, 'trust_tui_workers_configured')).toBe(2);
    // The answering worker's own metrics are there.
    expect(sample(text, 'trust_tui_storage_errors_total')).toBe(0);
    const named = server.output().match(new RegExp(`worker ${hung} did not send its metrics within \\d+ s`, 'g'));
    expect(named, server.output()).toHaveLength(1);

    process.kill(hung, 'SIGCONT');
    const again = await httpRequest(`${server.url}/metrics`, { timeoutMs: 10_000 });
    expect(sample(again.text(), 'trust_tui_workers_unanswered'), again.text()).toBe(0);
  }, 60_000);

  it('a worker that cannot start after a crash: its error is logged with its real exit code, and health and metrics show the group short', async () => {
    server = await spawnServer(['--workers', '2']);
    const [crashed] = childPids(server);
    // Past the first seconds, in which a worker that stops is not restarted at all.
    await new Promise((r) => setTimeout(r, 2_500));
    const database = path.join(server.dataDir, 'trust-tui-server.sqlite');
    // A new file in its place: the worker still running keeps the database it has open.
    writeFileSync(`${database}.garbage`, Buffer.alloc(8192, 'not a database '), { mode: 0o600 });
    renameSync(`${database}.garbage`, database);
    process.kill(crashed!, 'SIGKILL');

    await waitFor('the restarted worker to stop', () => /stopped right after starting/.test(server!.output()));
    const output = server.output();
    expect(output).toMatch(
      new RegExp(`worker \\d+ stopped right after starting \\(exit code 1: cannot open the server database ${database.replace(/[/.]/g, '\\$&')}: file is not a database; the file is damaged: .*restore it from a backup`),
    );
    expect(output).not.toMatch(/exit code 0/);
    expect(output).toMatch(/not restarting it; 1 of 2 workers left/);

    const health = await httpRequest(`${server.url}/_notary_server/health`);
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ workers: { configured: 2, live: 1 } });
    const metrics = (await httpRequest(`${server.url}/metrics`)).text();
    expect(sample(metrics, 'trust_tui_workers_live'), metrics).toBe(1);
    expect(sample(metrics, 'trust_tui_workers_configured')).toBe(2);
  }, 60_000);
});
