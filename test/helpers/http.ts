/**
 * Minimal HTTP(S) client for talking to peers in tests. Global fetch cannot be given a private CA
 * without undici's Agent, so this wraps node:http/https and trusts only the fixture's CA.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** PEM file of the CA that issued the server certificate (https only). */
  caFile?: string;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names, as node reports them. */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json(): unknown;
}

export function httpRequest(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const isHttps = target.protocol === 'https:';
  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
  const headers: Record<string, string> = { ...req.headers };
  if (body) headers['content-length'] = String(body.length);
  const options: https.RequestOptions = {
    method: req.method ?? 'GET',
    headers,
    timeout: req.timeoutMs ?? 15_000,
    agent: false,
    ...(isHttps && req.caFile ? { ca: readFileSync(req.caFile) } : {}),
  };

  return new Promise((resolve, reject) => {
    const request = (isHttps ? https : http).request(target, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const data = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: data,
          text: () => data.toString('utf8'),
          json: () => JSON.parse(data.toString('utf8')) as unknown,
        });
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${options.method} ${url} timed out`)));
    request.on('error', reject);
    request.end(body);
  });
}
