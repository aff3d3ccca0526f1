// readBody (src/http/body.ts), the bounded reader of the host, the gateway and its upstream client: a body within the
// limit, over it as declared, over it while streamed (no Content-Length), and a stream cut before its end.
import type { IncomingMessage } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { flatHeaders, readBody } from '../../src/http/body.ts';

const LIMIT = 1000;
let server: http.Server;
let url = '';
const results: Promise<Buffer | undefined>[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const result = readBody(req, LIMIT);
    results.push(result);
    result.then(
      (body) => {
        res.writeHead(body === undefined ? 413 : 200, { connection: 'close' });
        res.end(body === undefined ? 'too large' : String(body.length));
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends `chunks` (a ReadableStream body, so no Content-Length unless given). */
async function post(chunks: Uint8Array[], headers: Record<string, string> = {}): Promise<number> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(chunk);
      }
      controller.close();
    },
  });
  const response = await fetch(url, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  await response.text();
  return response.status;
}

describe('readBody', () => {
  test('within the limit: the whole body', async () => {
    expect(await post([new Uint8Array(600), new Uint8Array(400)])).toBe(200);
    expect((await results.at(-1))?.length).toBe(LIMIT);
  });

  test('declared over the limit: undefined at once, before a byte of the body is awaited', async () => {
    // The client declares LIMIT + 1 bytes but sends only 10 and waits: only the declared-length check can answer.
    const before = results.length;
    const request = http.request(url, { method: 'POST', headers: { 'content-length': String(LIMIT + 1) } });
    request.on('error', () => undefined);
    const status = new Promise<number>((resolve) => request.on('response', (res) => resolve(res.statusCode ?? 0)));
    request.write(Buffer.alloc(10));
    const unanswered = new Promise<string>((resolve) => setTimeout(() => resolve('no answer within 2 s'), 2_000));
    expect(await Promise.race([status, unanswered])).toBe(413);
    expect(results.length).toBe(before + 1);
    expect(await results.at(-1)).toBeUndefined();
    request.destroy();
  });

  test('streamed over the limit (no Content-Length): undefined', async () => {
    expect(await post([new Uint8Array(600), new Uint8Array(600)])).toBe(413);
    expect(await results.at(-1)).toBeUndefined();
  });

  test('a message cut before its end rejects', async () => {
    const before = results.length;
    const request = http.request(url, { method: 'POST', headers: { 'content-length': '500' } });
    request.on('error', () => undefined);
    request.write(Buffer.alloc(100));
    for (let waited = 0; results.length === before && waited < 5_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const cut = results.at(-1);
    request.destroy();
    await expect(cut).rejects.toThrow();
  });

  test('flatHeaders: lower-case names, repeated values joined, absent ones dropped', () => {
    const headers = { 'X-A': ['1', '2'], b: 'c', d: undefined } as unknown as IncomingMessage['headers'];
    expect(flatHeaders(headers)).toEqual({ 'x-a': '1, 2', b: 'c' });
  });
});
