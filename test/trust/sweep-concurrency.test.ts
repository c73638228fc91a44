/**
 * Bulk commands at fleet scale, in-process against trust-tui's own server behind a counting proxy:
 * the sweep and verify of many repositories keep at most --concurrency requests in flight, give
 * their results in the same order whatever the concurrency, carry on past one repository's failure,
 * and a sweep stopped mid-way is finished by running it again (the journal holds under concurrency).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { checkConcurrency } from '../../src/trust/concurrency.js';
import type { TrustContext } from '../../src/trust/context.js';
import { InputError } from '../../src/trust/errors.js';
import { planSweep, runSweep, type SweepTarget } from '../../src/trust/sweep.js';
import { verifyImages } from '../../src/trust/verify/verify.js';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.js';
import { fleetContext, fleetKeys, makeFleet, type FleetKeys } from '../helpers/fleet.js';

const PREFIX = 'fleet.example.com/team';

describe('sweep and verify over many repositories', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'trust-tui-fleet-test-'));
  let server: RunningServer;
  let proxy: CountingProxy;
  let ctx: TrustContext;
  let keys: FleetKeys;
  let target: SweepTarget;
  const fleet = async (name: string, count: number) => makeFleet(ctx, `${PREFIX}/${name}`, count, keys, 4);
  const journal = () => JSON.parse(readFileSync(path.join(ctx.settings.dir, 'sweeps.json'), 'utf8'))[`key:${keys.compromised.canonicalId}`] as string[];

  beforeAll(async () => {
    server = await startServer({ listen: '127.0.0.1:0', dataDir: path.join(work, 'server'), passphrase: 'server-pass-123' });
    proxy = await countingProxy(server.url, readFileSync(server.caFile!));
    ctx = fleetContext(path.join(work, 'trust'), path.join(work, 'config'));
    await ctx.settings.update((s) => void (s.servers[`${PREFIX}/*`] = { url: proxy.url }));
    keys = await fleetKeys(ctx);
    target = { kind: 'key', keyId: keys.compromised.canonicalId };
  }, 120_000);

  afterAll(async () => {
    await proxy?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the sweep keeps at most N requests in flight, keeps the plan order, and carries on past a failed repository', async () => {
    const guns = await fleet('a', 8);
    proxy.delayMs = 25;
    proxy.reset();
    const plan = await planSweep(ctx, target, { concurrency: 3 });
    expect(proxy.maxInFlight).toBeLessThanOrEqual(3);
    expect(proxy.maxInFlight).toBeGreaterThan(1); // it did run repositories side by side
    expect([...new Set(plan.items.map((i) => i.gun))]).toEqual(guns);
    // The same plan, item for item, one repository at a time.
    const sequential = await planSweep(ctx, target, { concurrency: 1 });
    expect(sequential.items).toEqual(plan.items);

    const failing = guns[2]!;
    proxy.fail = (method, urlPath) => (method === 'POST' && urlPath.startsWith(`/v2/${failing}/`) ? 503 : undefined);
    proxy.reset();
    const started: number[] = [];
    const outcomes = await runSweep(ctx, plan, { concurrency: 3, onProgress: (p) => started.push(p.index) });
    expect(proxy.maxInFlight).toBeLessThanOrEqual(3);
    expect(outcomes.map((o) => o.gun)).toEqual(guns);
    expect(outcomes.map((o) => o.status)).toEqual(guns.map((g) => (g === failing ? 'failed' : 'done')));
    expect(outcomes[2]!.message).toMatch(/503/);
    expect(started.sort((a, b) => a - b)).toEqual(guns.map((_, i) => i + 1));
    expect(journal().sort()).toEqual(guns.filter((g) => g !== failing));

    // Running it again finishes the one that failed.
    proxy.fail = () => undefined;
    const again = await runSweep(ctx, await planSweep(ctx, target, { concurrency: 3 }), { concurrency: 3 });
    expect(again.map((o) => o.status)).toEqual(guns.map((g) => (g === failing ? 'done' : 'already-done')));
  });

  it('a sweep stopped mid-way finishes the repositories in progress, starts no other, and a rerun finishes the rest', async () => {
    const guns = await fleet('b', 6);
    const mine = (gun: string) => gun.startsWith(`${PREFIX}/b/`);
    proxy.delayMs = 25;
    const plan = await planSweep(ctx, target, { concurrency: 2 });
    const pending = [...new Set(plan.items.filter((i) => !i.done).map((i) => i.gun))];
    expect(pending).toEqual(guns);
    const stop = new AbortController();
    let starts = 0;
    const first = await runSweep(ctx, plan, {
      concurrency: 2,
      signal: stop.signal,
      onProgress: () => {
        if (++starts === 2) stop.abort(); // Ctrl-C while the first two are in progress
      },
    });
    const statuses = first.filter((o) => mine(o.gun)).map((o) => o.status);
    expect(statuses.slice(0, 2)).toEqual(['done', 'done']);
    expect(statuses.slice(2)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(journal().filter(mine).sort()).toEqual(guns.slice(0, 2));

    const rerun = await runSweep(ctx, await planSweep(ctx, target, { concurrency: 2 }), { concurrency: 2 });
    expect(rerun.filter((o) => mine(o.gun)).map((o) => o.status)).toEqual(['already-done', 'already-done', 'done', 'done', 'done', 'done']);
    const after = await planSweep(ctx, target);
    expect(after.items.filter((i) => !i.done)).toEqual([]);
    expect(after.unreadable).toEqual([]);
  });

  it('verify of many images keeps at most N requests in flight and answers in the order asked', async () => {
    const guns = await fleet('c', 6);
    const images = [...guns.map((g) => `${g}:v1`).reverse(), `${PREFIX}/c/never-made:v1`, `${guns[0]}:v1`];
    proxy.delayMs = 25;
    proxy.reset();
    const verdicts = await verifyImages(ctx, images, { concurrency: 2 });
    expect(proxy.maxInFlight).toBeLessThanOrEqual(2);
    expect(proxy.maxInFlight).toBeGreaterThan(1);
    expect(verdicts.map((v) => v.image)).toEqual(images);
    expect(verdicts.map((v) => v.status)).toEqual([...guns.map(() => 'signed'), 'not-signed', 'signed']);
    // A repository named twice is read once.
    expect(proxy.requests.filter((r) => r.endsWith(`/v2/${guns[0]}/_trust/tuf/timestamp.json`))).toHaveLength(1);
  });

  it('refuses a concurrency that is not a whole number from 1 to 64', async () => {
    for (const bad of [0, -1, 1.5, 65, Number.NaN]) expect(() => checkConcurrency(bad)).toThrow(InputError);
    expect(checkConcurrency(64)).toBe(64);
    await expect(verifyImages(ctx, [`${PREFIX}/x:v1`], { concurrency: 0 })).rejects.toThrow(/--concurrency must be a whole number from 1 to 64, not 0/);
  });
});
