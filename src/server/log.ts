// The server's log: one line per request and per server event, as text (the default, close to
// notary-server's and a web server's access log) or as JSON objects, one per line, for log
// collectors (`--log-format json`). Both formats carry the same facts; request lines go to the
// request log, failures to the error log (standard output and standard error from the command line).
import { randomUUID } from 'node:crypto';

export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];
export type LogLevel = 'info' | 'warn' | 'error';
type FieldValue = string | number | boolean | undefined;

/** What one answered request is logged with. */
export interface RequestLogEntry {
  requestId: string;
  remote: string;
  user: string | undefined;
  method: string;
  /** The request target as received (path and query): it names the repository, as notary logs it. */
  path: string;
  /** The route's name (as in /metrics), `unmatched` for a path no route serves. */
  route: string;
  status: number;
  bytes: number;
  durationMs: number;
  /** The notary error code answered, for an error. */
  errorCode?: string;
}

export class ServerLog {
  constructor(
    private readonly sink: ((line: string) => void) | undefined,
    private readonly errorSink: (line: string) => void,
    readonly format: LogFormat = 'text',
  ) {}

  /** Whether request lines are written at all (`--quiet` turns them off). */
  get requests(): boolean {
    return this.sink !== undefined;
  }

  info(msg: string, fields: Record<string, FieldValue> = {}): void {
    if (this.sink) this.sink(this.#line('info', msg, fields));
  }

  warn(msg: string, fields: Record<string, FieldValue> = {}): void {
    if (this.sink) this.sink(this.#line('warn', msg, fields));
  }

  /** Failures the operator must see (even with --quiet); `code` is the notary error code answered. */
  error(msg: string, fields: Record<string, FieldValue> = {}): void {
    this.errorSink(this.#line('error', msg, fields));
  }

  request(r: RequestLogEntry): void {
    if (!this.sink) return;
    const time = new Date().toISOString();
    if (this.format === 'text') {
      this.sink(`${time} ${r.remote} ${r.user ?? '-'} "${r.method} ${logSafe(r.path)}" ${r.status} ${r.bytes} ${r.durationMs.toFixed(1)}ms`);
      return;
    }
    this.sink(
      JSON.stringify({
        time,
        level: r.status >= 500 ? 'error' : 'info',
        msg: 'request',
        pid: process.pid,
        request_id: r.requestId,
        remote: r.remote,
        user: r.user,
        method: r.method,
        path: r.path,
        route: r.route,
        status: r.status,
        bytes: r.bytes,
        duration_ms: Math.round(r.durationMs * 10) / 10,
        code: r.errorCode,
      }),
    );
  }

  #line(level: LogLevel, msg: string, fields: Record<string, FieldValue>): string {
    const time = new Date().toISOString();
    // pid: with --workers N, tells the worker processes (and the primary) apart.
    if (this.format === 'json') return JSON.stringify({ time, level, msg, pid: process.pid, ...fields });
    // Text: the message says it all already; a request's address and line lead it when known.
    const { remote, method, path } = fields;
    const prefix = [remote, method !== undefined ? `"${method} ${logSafe(String(path ?? ''))}"` : undefined].filter((p) => p !== undefined);
    return [time, ...prefix, msg].join(' ');
  }
}

/** A log that writes nothing (tests, programmatic use without a log). */
export const silentLog = new ServerLog(undefined, () => undefined);

/**
 * The request's id: a load balancer's `X-Request-Id` when it is a plain token (so its log and
 * ours can be joined), else a new one. It is sent back in the `X-Request-Id` response header.
 */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[\w.:@+/=-]{1,128}$/.test(header) ? header : randomUUID();
}

/** Request lines go into a text log verbatim only when they cannot forge a log line. */
export function logSafe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f"]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * The request path as logged: a query string keeps its parameter names, not their values. Notary
 * clients send none, but a token or password put there by some other client would land in the log.
 */
export function loggedPath(url: string | undefined): string {
  const raw = url ?? '';
  const q = raw.indexOf('?');
  if (q === -1) return raw;
  const names = raw
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '')
    .map((p) => `${p.split('=')[0]}=…`);
  return `${raw.slice(0, q)}?${names.join('&')}`;
}
