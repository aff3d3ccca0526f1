// A stand-in for the real Medplum 5.0.10 server: it answers each request with the recorded exchange of the same
// method and path (query parameters in any order), each exchange once, in recorded order; its status, headers and
// body as recorded, the body compressed again with the recorded Content-Encoding, chunked when it was.
import { readFileSync, readdirSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

export const RECORDINGS = join(import.meta.dirname, '..', 'fixtures', 'medplum-5.0.10');

export interface RecordedMessage {
  headers: Record<string, string | string[]>;
  bodyFormat?: 'json' | 'form' | 'text' | 'base64' | 'empty';
  body?: unknown;
}
export interface Exchange {
  file: string;
  note?: string;
  request: RecordedMessage & { method: string; path: string };
  response: RecordedMessage & { status: number; rawEncoding?: string };
}

/** The exchanges of `scenario` (a folder of the recordings), in recorded order; `only` keeps those whose number it lists. */
export function loadExchanges(scenario: string, only?: string[]): Exchange[] {
  const dir = join(RECORDINGS, scenario);
  return readdirSync(dir)
    .filter((name) => /^\d{3}.*\.json$/.test(name) && (!only || only.includes(name.slice(0, 3))))
    .sort()
    .map((name) => ({
      ...(JSON.parse(readFileSync(join(dir, name), 'utf8')) as Omit<Exchange, 'file'>),
      file: `${scenario}/${name}`,
    }));
}

/** Method, path and query parameters sorted: how two requests are the same request. */
export function requestKey(method: string, path: string): string {
  const url = new URL(path, 'http://replay.invalid');
  const query = [...url.searchParams].map(([k, v]) => `${k}=${v}`).sort();
  return `${method.toUpperCase()} ${url.pathname}?${query.join('&')}`;
}

export function recordedBody(message: RecordedMessage): Buffer {
  const { body, bodyFormat } = message;
  if (body === undefined || body === null || bodyFormat === 'empty') {
    return Buffer.alloc(0);
  }
  if (bodyFormat === 'base64') {
    return Buffer.from(typeof body === 'string' ? body : '', 'base64');
  }
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

function encode(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding) {
    case 'br':
      return brotliCompressSync(body);
    case 'gzip':
      return gzipSync(body);
    case 'deflate':
      return deflateSync(body);
    default:
      return body;
  }
}

const RECALCULATED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

export interface Replay {
  url: string;
  /** Every request received, with the recorded exchange that answered it (undefined: none was left). */
  received: { key: string; file?: string }[];
  close(): Promise<void>;
}

export async function startReplay(exchanges: Exchange[]): Promise<Replay> {
  const unused = [...exchanges];
  const received: Replay['received'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      const key = requestKey(req.method ?? 'GET', req.url ?? '/');
      const index = unused.findIndex((e) => requestKey(e.request.method, e.request.path) === key);
      const exchange = index < 0 ? undefined : unused.splice(index, 1)[0];
      received.push({ key, file: exchange?.file });
      if (!exchange) {
        res.writeHead(599, { 'content-type': 'text/plain' });
        res.end(`no recorded exchange for ${key}`);
        return;
      }
      const { response } = exchange;
      const headers: Record<string, string | string[]> = {};
      let chunked = false;
      for (const [name, value] of Object.entries(response.headers)) {
        if (name.toLowerCase() === 'transfer-encoding') chunked = true;
        if (!RECALCULATED.has(name.toLowerCase())) headers[name] = value;
      }
      const body = encode(recordedBody(response), response.rawEncoding);
      if (!chunked) headers['Content-Length'] = String(body.length);
      res.writeHead(response.status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
