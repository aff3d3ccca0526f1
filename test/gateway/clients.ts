// Real HTTP clients as SAS senders use them, behind one small interface so that a contract is checked for each:
// Node's fetch (its default Accept-Encoding: gzip, deflate), undici's request with its decompress interceptor
// (br, gzip, deflate), fhir-kit-client and MedplumClient (both on fetch), and node:http clients that offer exactly one
// coding, or none, and check the wire themselves: a Content-Length equal to the bytes received, a Content-Encoding
// they asked for, a body that decodes.
import { MedplumClient, OperationOutcomeError } from '@medplum/core';
import { Client } from 'fhir-kit-client';
import type { FhirResource } from 'fhir-kit-client';
import http from 'node:http';
import zlib from 'node:zlib';
import { Agent, interceptors, request as undiciRequest } from 'undici';

export interface ClientAnswer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON, undefined for an empty body. */
  body: unknown;
}

export interface TestClient {
  name: string;
  send(method: 'GET' | 'PUT' | 'POST', url: string, options?: SendOptions): Promise<ClientAnswer>;
}

export interface SendOptions {
  headers?: Record<string, string>;
  body?: unknown;
}

function parse(text: string): unknown {
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

function payload(body: unknown): string | undefined {
  return body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
}

function headersOf(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, name) => {
    result[name.toLowerCase()] = value;
  });
  return result;
}

const fetchClient: TestClient = {
  name: "fetch (Node's default Accept-Encoding)",
  send: async (method, url, options = {}) => {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/fhir+json', ...options.headers },
      body: payload(options.body),
    });
    return { status: res.status, headers: headersOf(res.headers), body: parse(await res.text()) };
  },
};

const undiciDispatcher = new Agent().compose(interceptors.decompress());
const undiciClient: TestClient = {
  name: 'undici request (br, gzip, deflate; decompress interceptor)',
  send: async (method, url, options = {}) => {
    const res = await undiciRequest(url, {
      method,
      dispatcher: undiciDispatcher,
      headers: { 'content-type': 'application/fhir+json', 'accept-encoding': 'br, gzip, deflate', ...options.headers },
      body: payload(options.body),
    });
    const headers = Object.fromEntries(
      Object.entries(res.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(', ') : String(value),
      ]),
    );
    return { status: res.statusCode, headers, body: parse(await res.body.text()) };
  },
};

function decode(bytes: Buffer, coding: string): Buffer {
  if (coding === 'br') return zlib.brotliDecompressSync(bytes);
  if (coding === 'gzip') return zlib.gunzipSync(bytes);
  if (coding === 'deflate') return zlib.inflateSync(bytes);
  throw new Error(`unknown content-encoding ${coding}`);
}

/** node:http offering exactly `acceptEncoding` (or nothing), checking the framing and the coding it receives. */
function nodeHttpClient(acceptEncoding: 'gzip' | 'deflate' | 'br' | undefined): TestClient {
  return {
    name: `node:http, Accept-Encoding: ${acceptEncoding ?? '(none)'}`,
    send: (method, url, options = {}) =>
      new Promise((resolve, reject) => {
        const body = payload(options.body);
        const headers: Record<string, string> = { 'content-type': 'application/fhir+json', ...options.headers };
        if (acceptEncoding) headers['accept-encoding'] = acceptEncoding;
        if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
        const req = http.request(url, { method, headers, agent: false });
        req.on('error', reject);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            try {
              const wire = Buffer.concat(chunks);
              const length = res.headers['content-length'];
              if (length !== undefined && Number(length) !== wire.length) {
                throw new Error(`Content-Length ${length} but ${wire.length} bytes received`);
              }
              if (length === undefined && res.headers['transfer-encoding'] !== 'chunked') {
                throw new Error('neither Content-Length nor chunked');
              }
              const coding = res.headers['content-encoding'];
              if (coding !== undefined && coding !== acceptEncoding) {
                throw new Error(`Content-Encoding ${coding} was not asked for (Accept-Encoding ${acceptEncoding})`);
              }
              const text = (coding ? decode(wire, coding) : wire).toString('utf8');
              const flat = Object.fromEntries(
                Object.entries(res.headers).map(([name, value]) => [name, String(value)]),
              );
              resolve({ status: res.statusCode ?? 0, headers: flat, body: parse(text) });
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          });
        });
        req.end(body);
      }),
  };
}

/** Wraps fetch to keep the last response's status and headers (the libraries return the body only). */
function recordingFetch(): { fetch: typeof fetch; last: () => Response | undefined } {
  let last: Response | undefined;
  return {
    fetch: async (input, init) => {
      last = await fetch(input, init);
      return last;
    },
    last: () => last,
  };
}

const medplumClient: TestClient = {
  name: 'MedplumClient (on fetch)',
  send: async (method, url, options = {}) => {
    const recorder = recordingFetch();
    const medplum = new MedplumClient({ baseUrl: new URL('/', url).href, fetch: recorder.fetch, cacheTime: 0 });
    medplum.setAccessToken(options.headers?.authorization?.replace(/^Bearer /, '') ?? 'token');
    // Authorization comes from the access token, Content-Type from put()'s own argument.
    const extra = {
      headers: Object.fromEntries(
        Object.entries(options.headers ?? {}).filter(([n]) => n !== 'authorization' && n !== 'content-type'),
      ),
    };
    let body: unknown;
    try {
      body =
        method === 'GET'
          ? await medplum.get(url, { ...extra, cache: 'no-cache' })
          : method === 'PUT'
            ? await medplum.put(url, options.body, options.headers?.['content-type'], extra)
            : await medplum.post(url, options.body, options.headers?.['content-type'], extra);
    } catch (err) {
      if (!(err instanceof OperationOutcomeError)) throw err;
      body = err.outcome;
    }
    const res = recorder.last();
    if (!res) throw new Error('MedplumClient sent nothing');
    return { status: res.status, headers: headersOf(res.headers), body };
  },
};

const fhirKitClient: TestClient = {
  name: 'fhir-kit-client (on fetch)',
  send: async (method, url, options = {}) => {
    const client = new Client({ baseUrl: new URL('/', url).href, customHeaders: options.headers });
    try {
      const result = await client.request(url, {
        method,
        body: options.body as FhirResource | undefined,
        options: { headers: { 'content-type': 'application/fhir+json', ...options.headers } },
      });
      const response = Client.httpFor(result).response;
      if (!response) throw new Error('fhir-kit-client gave no response');
      const parsed = Object.keys(result).length ? (result as unknown) : undefined;
      return { status: response.status, headers: headersOf(response.headers), body: parsed };
    } catch (err) {
      const failed = err as { response?: { status: number; data: unknown }; config?: { headers?: Headers } };
      if (!failed.response) throw err;
      const headers = failed.config?.headers ? headersOf(failed.config.headers) : {};
      return { status: failed.response.status, headers, body: failed.response.data };
    }
  },
};

export const CLIENTS: TestClient[] = [
  fetchClient,
  undiciClient,
  nodeHttpClient('gzip'),
  nodeHttpClient('deflate'),
  nodeHttpClient('br'),
  nodeHttpClient(undefined),
  fhirKitClient,
  medplumClient,
];

export async function closeClients(): Promise<void> {
  await undiciDispatcher.close();
}
