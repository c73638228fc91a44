/** Free loopback ports and readiness polling for interop peers. */
import { connect, createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * A port that was free a moment ago: bind port 0 on loopback, read the port, close.
 * Another process may still grab it before the peer binds, so starters retry on "address in use".
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the bound port'))));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface WaitOptions {
  /** Overall bound; the fixture gives peers about 10 s to come up. */
  timeoutMs?: number;
  intervalMs?: number;
  /** Stop waiting early (e.g. the peer process exited); return a reason to fail with. */
  abort?: () => string | undefined;
}

/**
 * Polls `probe` until it returns true. Rejects with the last probe error, the abort reason or a
 * timeout message, so the caller can attach the peer's log.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 100, abort }: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    const reason = abort?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(`${what}: not ready after ${timeoutMs} ms${lastError ? ` (last error: ${lastError})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
