// Hostile load on loopback (issue 11): each attack is bounded in count and time, and while it runs
// the health endpoint must keep answering quickly, i.e. the attack does not freeze the server.
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_UPLOAD_PARTS } from '../../src/notary/server/routes.js';
import { startTestServer, type TestServer } from './server-harness.js';

/** The bound for health while an attack runs; the median must stay under it. */
const HEALTH_BOUND_MS = 100;
/** No single probe may wait this long (a frozen event loop makes every probe wait seconds). */
const HEALTH_WORST_MS = 1_000;

interface HealthProbes {
  median: number;
  worst: number;
  count: number;
}

/** Runs `attack` while probing health every 50 ms; returns the attack's result and the probe times. */
async function whileProbingHealth<T>(server: TestServer, attack: () => Promise<T>): Promise<{ result: T; health: HealthProbes }> {
  const times: number[] = [];
  let running = true;
  const prober = (async () => {
    while (running) {
      const started = performance.now();
      const res = await server.request('GET', '/_notary_server/health');
      expect(res.status).toBe(200);
      times.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    return { result: await attack(), health: summarise(times) };
  } finally {
    running = false;
    await prober;
  }
}

function summarise(times: number[]): HealthProbes {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, worst: sorted.at(-1) ?? 0, count: sorted.length };
}

function expectResponsive(health: HealthProbes) {
  expect(health.count).toBeGreaterThan(0);
  expect(health.median).toBeLessThan(HEALTH_BOUND_MS);
  expect(health.worst).toBeLessThan(HEALTH_WORST_MS);
}

const errorOf = (body: unknown) => (body as { errors: { code: string; detail?: unknown }[] }).errors[0]!;

describe('hostile load', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('40,000 tiny multipart parts are refused quickly, and health answers meanwhile', async () => {
    server = await startTestServer();
    const boundary = 'xBOUNDARYx';
    const part = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="targets"\r\n\r\n{}\r\n`);
    const body = Buffer.concat([...Array.from({ length: 40_000 }, () => part), Buffer.from(`--${boundary}--\r\n`)]);
    const started = performance.now();
    const { result: res, health } = await whileProbingHealth(server, () =>
      server!.request('POST', '/v2/example.com/hostile/_trust/tuf/', {
        body,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      }),
    );
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe(400);
    expect(errorOf(res.json())).toMatchObject({ code: 'UPLOAD_TOO_LARGE', detail: { Name: 'ErrValidation' } });
    expect(JSON.stringify(errorOf(res.json()).detail)).toContain(`more than ${MAX_UPLOAD_PARTS} files`);
    expectResponsive(health);
    expect(server.dump()).toEqual([]);
  }, 30_000);
});
