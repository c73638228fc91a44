// Starts `trust-tui server` in-process on a loopback port with a scratch data directory, and talks to
// it over HTTPS the way notary clients do.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { encodeMultipart } from '../../src/notary/multipart.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';
import { PublicKey } from '../../src/tuf/key.js';
import { httpRequest, type HttpResponse } from '../helpers/http.js';

export const TEST_SERVER_PASSPHRASE = 'server-pass-123';

export interface TestServer extends RunningServer {
  /** GET/POST/DELETE relative to the server URL, trusting its CA. */
  request(method: string, urlPath: string, init?: { body?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number }): Promise<HttpResponse>;
  /** A request whose path is sent exactly as given (no URL normalisation of `..`). */
  rawRequest(method: string, rawPath: string, body?: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; body: Buffer; json(): unknown }>;
  publish(gun: string, files: { role: string; data: Uint8Array }[], headers?: Record<string, string>): Promise<HttpResponse>;
  timestampKey(gun: string): Promise<PublicKey>;
  snapshotKey(gun: string): Promise<PublicKey>;
  /** Every stored version of every file, for before/after comparisons. */
  dump(): StoredRow[];
  logs: string[];
  stop(): Promise<void>;
}

export interface StoredRow {
  gun: string;
  role: string;
  version: number;
  sha256: string;
  data: string;
}

export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'trust-tui-server-test-'));
  const logs: string[] = [];
  const server = await startServer({
    listen: '127.0.0.1:0',
    passphrase: TEST_SERVER_PASSPHRASE,
    log: (line) => logs.push(line),
    ...options,
    dataDir,
  });
  const request: TestServer['request'] = (method, urlPath, init = {}) =>
    httpRequest(server.url + urlPath, { method, caFile: server.caFile, body: init.body, headers: init.headers, ...(init.timeoutMs ? { timeoutMs: init.timeoutMs } : {}) });
  const key = async (gun: string, role: string) => {
    const res = await request('GET', `/v2/${gun}/_trust/tuf/${role}.key`);
    if (res.status !== 200) throw new Error(`GET ${role}.key: ${res.status} ${res.text()}`);
    return PublicKey.fromJSON(res.json());
  };
  return Object.assign(server, {
    request,
    publish(gun: string, files: { role: string; data: Uint8Array }[], headers: Record<string, string> = {}) {
      const { body, contentType } = encodeMultipart(files.map((f) => ({ role: f.role, bytes: f.data })));
      return request('POST', `/v2/${gun}/_trust/tuf/`, { body, headers: { 'content-type': contentType, ...headers } });
    },
    rawRequest(method: string, rawPath: string, body?: string | Buffer, headers: Record<string, string> = {}) {
      return new Promise<{ status: number; body: Buffer; json(): unknown }>((resolve, reject) => {
        const req = https.request(
          { host: server.host, port: server.port, method, path: rawPath, headers, ca: readFileSync(server.caFile!), agent: false },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const data = Buffer.concat(chunks);
              resolve({ status: res.statusCode ?? 0, body: data, json: () => JSON.parse(data.toString()) as unknown });
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    timestampKey: (gun: string) => key(gun, 'timestamp'),
    snapshotKey: (gun: string) => key(gun, 'snapshot'),
    dump(): StoredRow[] {
      const db = new Database(path.join(dataDir, 'trust-tui-server.sqlite'), { readonly: true });
      try {
        return db
          .prepare<[], StoredRow>("SELECT gun, role, version, sha256, hex(data) AS data FROM tuf_files ORDER BY gun, role, version")
          .all();
      } finally {
        db.close();
      }
    },
    logs,
    async stop() {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/** The notary error body's code and detail. */
export function errorOf(res: HttpResponse): { code: string; detail: unknown } {
  const body = res.json() as { errors: { code: string; detail?: unknown }[] };
  return { code: body.errors[0]!.code, detail: body.errors[0]!.detail };
}
