// The upstream Medplum: one keep-alive agent, bounded connection time, a bounded whole exchange (request sent to last
// response byte), bounded bodies. Failures are UpstreamError with the status the gateway answers (502 or 504).
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { readBody } from '../http/body.ts';
import { contentCodings, decodeBody } from './encoding.ts';

export class UpstreamError extends Error {
  readonly status: 502 | 504;
  constructor(status: 502 | 504, message: string) {
    super(message);
    this.status = status;
  }
}

export interface UpstreamOptions {
  url: string;
  /** PEM file of a private CA for an https upstream. */
  ca?: string;
  connectMs: number;
  responseMs: number;
  sockets: number;
}

export interface UpstreamRequest {
  method: string;
  /** Path and query, relative to the upstream root. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface UpstreamExchange {
  response: IncomingMessage;
  /** The whole body as received (still in its Content-Encoding); undefined beyond `limit` bytes (then dropped). */
  readBody(limit: number): Promise<Buffer | undefined>;
  /** Drops the response (the exchange's timer stops when it closes). */
  discard(): void;
}

export class Upstream {
  readonly url: URL;
  readonly #agent: http.Agent;
  readonly #options: UpstreamOptions;

  constructor(options: UpstreamOptions) {
    this.#options = options;
    this.url = new URL(options.url.endsWith('/') ? options.url : options.url + '/');
    const agentOptions = { keepAlive: true, maxSockets: options.sockets, maxFreeSockets: options.sockets };
    this.#agent =
      this.url.protocol === 'https:'
        ? new https.Agent({ ...agentOptions, ca: options.ca ? readFileSync(options.ca) : undefined })
        : new http.Agent(agentOptions);
  }

  /** `/fhir/R4/x?y` → `<upstream root path>fhir/R4/x?y`. */
  target(path: string): string {
    return this.url.pathname.replace(/\/$/, '') + path;
  }

  close(): void {
    this.#agent.destroy();
  }

  exchange(request: UpstreamRequest): Promise<UpstreamExchange> {
    const { connectMs, responseMs } = this.#options;
    const controller = new AbortController();
    let failure: UpstreamError | undefined;
    const fail = (error: UpstreamError): void => {
      failure ??= error;
      controller.abort();
    };
    const timer = setTimeout(
      () => fail(new UpstreamError(504, `The upstream FHIR server did not answer within ${responseMs} ms`)),
      responseMs,
    );
    const finish = (): void => clearTimeout(timer);

    return new Promise<UpstreamExchange>((resolve, reject) => {
      const headers: Record<string, string> = { ...request.headers, host: this.url.host };
      if (request.body) {
        headers['content-length'] = String(request.body.length);
      } else {
        delete headers['content-length'];
      }
      const transport = this.url.protocol === 'https:' ? https : http;
      const req = transport.request({
        protocol: this.url.protocol,
        hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
        port: this.url.port || undefined,
        method: request.method,
        path: this.target(request.path),
        headers,
        agent: this.#agent,
        signal: controller.signal,
      });
      req.on('socket', (socket: Socket) => {
        if (!socket.connecting) {
          return;
        }
        const connectTimer = setTimeout(
          () => fail(new UpstreamError(504, `Could not connect to the upstream FHIR server within ${connectMs} ms`)),
          connectMs,
        );
        socket.once(this.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
        socket.once('close', () => clearTimeout(connectTimer));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        finish();
        reject(
          failure ?? new UpstreamError(502, `The upstream FHIR server is unreachable (${err.code ?? err.message})`),
        );
      });
      req.on('response', (response: IncomingMessage) => {
        response.on('close', finish);
        response.on('end', finish);
        resolve({
          response,
          discard: () => {
            response.resume();
          },
          readBody: async (limit) => {
            let body: Buffer | undefined;
            try {
              body = await readBody(response, limit);
            } catch {
              throw failure ?? new UpstreamError(502, 'The upstream FHIR server closed the response early');
            }
            if (body === undefined) {
              response.destroy();
            }
            return body;
          },
        });
      });
      req.end(request.body);
    });
  }

  /** A form POST whose JSON answer is read whole (token endpoint). */
  async postForm(url: string, form: URLSearchParams, limit = 64 * 1024): Promise<{ status: number; json: unknown }> {
    const target = new URL(url);
    const path = target.pathname.startsWith(this.url.pathname)
      ? '/' + target.pathname.slice(this.url.pathname.length) + target.search
      : target.pathname + target.search;
    if (target.origin !== this.url.origin) {
      throw new UpstreamError(502, `the token URL is not on the upstream ${this.url.origin}`);
    }
    const exchange = await this.exchange({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: Buffer.from(form.toString(), 'utf8'),
    });
    const raw = await exchange.readBody(limit);
    const body = raw && (await decodeBody(raw, contentCodings(exchange.response.headers['content-encoding']), limit));
    if (body === undefined) {
      throw new UpstreamError(502, `The token endpoint's answer exceeds ${limit} bytes`);
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      json = undefined;
    }
    return { status: exchange.response.statusCode ?? 502, json };
  }
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/** Request or response headers without the hop-by-hop ones (and those named in `Connection`). */
export function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const connection = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value !== undefined && !HOP_BY_HOP.has(lower) && !connection.includes(lower)) {
      result[lower] = value;
    }
  }
  return result;
}
