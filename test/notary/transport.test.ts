// The client's HTTP transport against a server that closes a kept-alive connection while the client
// is about to reuse it (an idle timeout racing the next request).
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeTransport } from '../../src/notary/transport.js';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Answers the first request on each connection, then resets the connection when the next arrives. */
async function oneRequestPerConnection(): Promise<{ url: string; connections: () => number; requests: () => number }> {
  let connections = 0;
  let requests = 0;
  const served = new WeakSet<Socket>();
  server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    requests++;
    if (served.has(req.socket)) {
      req.socket.resetAndDestroy();
      return;
    }
    served.add(req.socket);
    res.end(`answer to ${req.method} ${req.url}`);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections, requests: () => requests };
}

const transport = () => nodeTransport({ timing: { connectTimeoutMs: 2_000 }, userAgent: 'test' });

describe('node transport on a kept-alive connection the server dropped', () => {
  it('sends a GET again on a new connection, once', async () => {
    const peer = await oneRequestPerConnection();
    const send = transport();
    const first = await send({ method: 'GET', url: new URL(`${peer.url}/a`), headers: {}, maxBytes: 1024 });
    const second = await send({ method: 'GET', url: new URL(`${peer.url}/b`), headers: {}, maxBytes: 1024 });
    expect(first.body.toString()).toBe('answer to GET /a');
    expect(second.body.toString()).toBe('answer to GET /b');
    expect(peer.connections()).toBe(2);
    expect(peer.requests()).toBe(3);
  });

  it('does not send a POST twice: the reset reaches the caller', async () => {
    const peer = await oneRequestPerConnection();
    const send = transport();
    await send({ method: 'GET', url: new URL(`${peer.url}/a`), headers: {}, maxBytes: 1024 });
    await expect(send({ method: 'POST', url: new URL(`${peer.url}/publish`), headers: {}, body: Buffer.from('x'), maxBytes: 1024 })).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
    expect(peer.requests()).toBe(2);
  });
});

describe('node transport: onSent', () => {
  it('tells when the whole request is on the wire, before the answer, and never for a request that could not be sent', async () => {
    const events: string[] = [];
    let release = (): void => undefined;
    server = http.createServer((req, res) => {
      events.push(`server got ${req.method} ${req.url}`);
      // The answer waits until the test saw onSent, so the order below is not a race.
      release = () => res.end('ok');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const send = transport();
    const answer = send({
      method: 'GET',
      url: new URL(`http://127.0.0.1:${port}/timestamp.json`),
      maxBytes: 1024,
      onSent: () => {
        events.push('sent');
        setTimeout(() => release(), 20);
      },
    });
    // The server answers only once onSent ran: the answer arriving proves it ran first.
    expect((await answer).body.toString()).toBe('ok');
    expect(events.sort()).toEqual(['sent', 'server got GET /timestamp.json']);

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    let sentToNobody = false;
    await expect(send({ method: 'GET', url: new URL(`http://127.0.0.1:${closedPort}/`), maxBytes: 1024, onSent: () => (sentToNobody = true) })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(sentToNobody).toBe(false);
  });
});
