// An upstream stub that answers with recorded Medplum 5.0.10 responses (test/fixtures/medplum-5.0.10/): the recorded
// status and status message, every recorded header in its recorded order and case (Date, RateLimit, Location naming
// Medplum's own baseUrl, Content-Encoding, Transfer-Encoding...), and the recorded body bytes encoded again with the
// recorded Content-Encoding, sent chunked when the recording was. It keeps what it received, so a test can check
// what the gateway sent.
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import zlib from 'node:zlib';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'medplum-5.0.10');

export interface RecordedMessage {
  method?: string;
  path?: string;
  status?: number;
  statusMessage?: string;
  headers: Record<string, string | string[]>;
  rawEncoding?: string;
  bodyFormat?: 'json' | 'empty' | 'text' | 'form' | 'base64';
  bodyIsCompactJson?: boolean;
  body?: unknown;
}

export interface Recording {
  note: string;
  request: RecordedMessage;
  response: RecordedMessage;
}

export function recording(path: string): Recording {
  return JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Recording;
}

/** The recorded body bytes (decoded): Medplum writes compact JSON, so `JSON.stringify` gives them back exactly. */
export function bodyBytes(message: RecordedMessage): Buffer {
  if (message.bodyFormat === 'empty' || message.body === undefined || message.body === null) {
    return Buffer.alloc(0);
  }
  if (message.bodyFormat === 'json') {
    if (message.bodyIsCompactJson === false) {
      throw new Error('a recorded JSON body that is not compact cannot be replayed byte for byte');
    }
    return Buffer.from(JSON.stringify(message.body), 'utf8');
  }
  if (typeof message.body !== 'string') {
    throw new Error(`a recorded ${message.bodyFormat ?? '?'} body must be a string`);
  }
  return Buffer.from(message.body, 'utf8');
}

export function encode(bytes: Buffer, coding: string): Buffer {
  if (coding === 'br') {
    return zlib.brotliCompressSync(bytes);
  }
  if (coding === 'gzip') {
    return zlib.gzipSync(bytes);
  }
  if (coding === 'deflate') {
    return zlib.deflateSync(bytes);
  }
  return bytes;
}

/** A recorded response with its Content-Encoding replaced (what Medplum answers a client offering only `coding`). */
export function reencoded(response: RecordedMessage, coding: 'br' | 'gzip' | 'deflate'): RecordedMessage {
  return {
    ...response,
    rawEncoding: coding,
    headers: Object.fromEntries(
      Object.entries(response.headers).map(([name, value]) =>
        name.toLowerCase() === 'content-encoding' ? [name, coding] : [name, value],
      ),
    ),
  };
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface ReplayServer {
  /** Root URL to give the gateway as `upstream.url`. */
  url: string;
  /** Chooses the recorded response for each request (the stub plays Medplum: it may look at the request). */
  answer(choose: (request: ReceivedRequest) => RecordedMessage): void;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

function rawHeaders(headers: Record<string, string | string[]>): string[] {
  return Object.entries(headers).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).flatMap((one) => [name, one]),
  );
}

export async function replayServer(): Promise<ReplayServer> {
  let choose: (request: ReceivedRequest) => RecordedMessage = () => {
    throw new Error('the replay stub was given no recording');
  };
  const received: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      received.push(request);
      const response = choose(request);
      const wire = encode(bodyBytes(response), response.rawEncoding ?? 'identity');
      const headers = { ...response.headers };
      const chunked = Object.entries(headers).some(
        ([name, value]) => name.toLowerCase() === 'transfer-encoding' && String(value).includes('chunked'),
      );
      if (!chunked) {
        // The recorded length is the recorded wire length; an identity body is the same bytes again.
        for (const name of Object.keys(headers)) {
          if (name.toLowerCase() === 'content-length') {
            headers[name] = String(wire.length);
          }
        }
      }
      res.sendDate = false;
      res.writeHead(response.status ?? 200, response.statusMessage, rawHeaders(headers));
      if (chunked && wire.length > 1) {
        // Medplum's compression() flushes in pieces: two chunks at least.
        const half = Math.floor(wire.length / 2);
        res.write(wire.subarray(0, half));
        res.end(wire.subarray(half));
      } else {
        res.end(wire);
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    answer: (next) => {
      choose = next;
    },
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

/** The exchanges of `scenario` (a folder of the fixtures), in recorded order; `only` keeps those whose number it lists. */
export function loadExchanges(scenario: string, only?: string[]): (Recording & { file: string })[] {
  return readdirSync(join(FIXTURES, scenario))
    .filter((name) => /^\d{3}.*\.json$/.test(name) && (!only || only.includes(name.slice(0, 3))))
    .sort()
    .map((name) => ({ ...recording(`${scenario}/${name}`), file: `${scenario}/${name}` }));
}

/** Method, path and query parameters sorted: how two requests are the same request. */
export function requestKey(method: string, path: string): string {
  const url = new URL(path, 'http://replay.invalid');
  const query = [...url.searchParams].map(([k, v]) => `${k}=${v}`).sort();
  return `${method.toUpperCase()} ${url.pathname}?${query.join('&')}`;
}

/**
 * Plays Medplum through a whole recorded session: each request gets the recorded exchange of the same method and path
 * (query in any order), each once, in recorded order; none left: a 599 no Medplum answers. `answered` keeps, per
 * request, the file that answered it.
 */
export function inRecordedOrder(
  exchanges: (Recording & { file: string })[],
  answered: { key: string; file?: string }[],
): (request: ReceivedRequest) => RecordedMessage {
  const unused = [...exchanges];
  return (request) => {
    const key = requestKey(request.method, request.url);
    const index = unused.findIndex((e) => requestKey(e.request.method ?? '', e.request.path ?? '') === key);
    const exchange = index < 0 ? undefined : unused.splice(index, 1)[0];
    answered.push({ key, file: exchange?.file });
    return (
      exchange?.response ?? {
        status: 599,
        headers: { 'Content-Type': 'text/plain' },
        bodyFormat: 'text',
        body: `no recorded exchange for ${key}`,
      }
    );
  };
}
