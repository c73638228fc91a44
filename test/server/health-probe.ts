// Probing `GET /_notary_server/health` while something else runs (an attack, a large upload), to
// show whether the server kept answering: probe times, summarised, with a baseline taken just before.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { expect } from 'vitest';
import type { TestServer } from './server-harness.js';

export interface HealthProbes {
  /** Every probe's time, in ms, in the order they were sent. */
  times: number[];
  median: number;
  p95: number;
  worst: number;
  count: number;
  /** Median of the probes just before the work started (how slow the machine is right now). */
  baseline: number;
  /** Their 95th percentile. */
  baselineP95: number;
  /**
   * For each probe, how long this process's main thread was ready to run but waiting for a CPU
   * (the kernel's run-queue wait) while the probe was out, in ms: time that other programs on the
   * machine took, during which neither the server nor this client could do anything.
   */
  cpuWaits: number[];
  /** 95th percentile of the probe times less their CPU waits: what the process itself took. */
  p95LessCpuWait: number;
  /** The same for the probes before the work. */
  baselineP95LessCpuWait: number;
}

export interface ProbeOptions {
  /** Pause between probes (closed loop), or time between probe starts (open loop). Default 50. */
  everyMs?: number;
  /**
   * Open loop: a probe is due every `everyMs` whether or not the previous one was answered, so the
   * probes sample time evenly and a freeze of the event loop shows in every probe due during it
   * (a closed loop, one probe at a time, sees a one-second freeze in a single probe).
   */
  openLoop?: boolean;
}

/** Most probes an open loop keeps waiting at once (a frozen server is not flooded). */
const MAX_OUTSTANDING = 100;

export async function probeHealthWhile<T>(server: TestServer, work: () => Promise<T>, options: ProbeOptions = {}): Promise<{ result: T; health: HealthProbes }> {
  const everyMs = options.everyMs ?? 50;
  const healthStatus = healthClient(server);
  const probe = async () => {
    const started = performance.now();
    expect(await healthStatus()).toBe(200);
    return performance.now() - started;
  };
  let times: number[] = [];
  let cpuWaits: number[] = [];
  const outstanding = new Set<Promise<void>>();
  let running = true;
  /** A probe timed from `since` (its scheduled time in an open loop). */
  const send = (since = performance.now()) => {
    // Read when the probe is sent (at or after its due time), so a wait before that is not subtracted.
    const waitedBefore = mainThreadCpuWaitMs();
    const p = probe().then(() => {
      times.push(performance.now() - since);
      cpuWaits.push(mainThreadCpuWaitMs() - waitedBefore);
    });
    outstanding.add(p);
    void p.finally(() => outstanding.delete(p));
    return p;
  };
  // Open loop: probes are due every `everyMs` from a fixed start, and each is timed from when it
  // was due. This test's own event loop is the server's: while it is blocked no probe can even be
  // sent, so the probes that fell due meanwhile go out late and count that lateness (a blocked
  // second shows in every probe due during it, not as a gap without samples).
  const openLoop = async (until: () => boolean) => {
    let due = performance.now();
    while (until()) {
      const now = performance.now();
      for (; due <= now; due += everyMs) if (outstanding.size < MAX_OUTSTANDING) void send(due).catch(() => undefined);
      await new Promise((r) => setTimeout(r, Math.max(1, due - performance.now())));
    }
  };
  // Baseline: five probes one after another, or (open loop) a second of probes as during the work.
  if (options.openLoop) {
    const until = performance.now() + 1_000;
    await openLoop(() => performance.now() < until);
    await Promise.all(outstanding);
  } else for (let i = 0; i < 5; i++) await send();
  const baseline = summarise(times);
  const baselineLessWait = summarise(times.map((t, i) => t - cpuWaits[i]!));
  times = [];
  cpuWaits = [];

  const prober = options.openLoop
    ? openLoop(() => running)
    : (async () => {
        while (running) {
          await send();
          await new Promise((r) => setTimeout(r, everyMs));
        }
      })();
  try {
    const result = await work();
    running = false;
    await prober;
    await Promise.all(outstanding);
    return {
      result,
      health: {
        ...summarise(times),
        baseline: baseline.median,
        baselineP95: baseline.p95,
        cpuWaits,
        p95LessCpuWait: summarise(times.map((t, i) => t - cpuWaits[i]!)).p95,
        baselineP95LessCpuWait: baselineLessWait.p95,
      },
    };
  } finally {
    running = false;
    await prober.catch(() => undefined);
  }
}

/**
 * `GET /_notary_server/health` on a new connection each time (a full TLS handshake for the server),
 * from a client whose trust in the server's CA is set up once. This client runs on the server's
 * event loop: reading and parsing the CA file for every probe (as a fresh `ca` option does) cost the
 * loop 2-4 ms per probe, a third of it at 100 probes a second, which is the test's load, not the
 * server's.
 */
function healthClient(server: TestServer): () => Promise<number> {
  const url = new URL('/_notary_server/health', server.url);
  const secureContext = server.caFile ? tls.createSecureContext({ ca: readFileSync(server.caFile) }) : undefined;
  const client = url.protocol === 'https:' ? https : http;
  return () =>
    new Promise((resolve, reject) => {
      const req = client.get(url, { agent: false, timeout: 15_000, ...(secureContext ? { secureContext } : {}) }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${url.href} timed out`)));
      req.on('error', reject);
    });
}

function summarise(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
  return { times, median: at(0.5), p95: at(0.95), worst: sorted.at(-1) ?? 0, count: sorted.length };
}

/** One line for an assertion message: every probe time and the baseline. */
export function describeProbes(health: HealthProbes): string {
  return (
    `health probes ${health.times.map(Math.round).join(',')} ms (before: median ${Math.round(health.baseline)}, p95 ${Math.round(health.baselineP95)}); ` +
    `of which waiting for a CPU ${health.cpuWaits.map(Math.round).join(',')} ms; p95 less that wait ${Math.round(health.p95LessCpuWait)} (before: ${Math.round(health.baselineP95LessCpuWait)})`
  );
}

/**
 * Milliseconds this process's main thread has spent runnable but not running, waiting for a CPU
 * that other threads and programs held (Linux: the second field of /proc/<pid>/task/<tid>/schedstat,
 * in ns; the main thread's tid is the pid).
 */
function mainThreadCpuWaitMs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
  const waitedNs = Number(fields[1]);
  if (!Number.isFinite(waitedNs)) throw new Error(`unexpected /proc/self/task/${process.pid}/schedstat: ${fields.join(' ')}`);
  return waitedNs / 1e6;
}
