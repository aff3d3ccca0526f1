// HTTPS (optionally with a client certificate) and HTTP calls for the gateway tests, one connection per call so
// that each call's TLS handshake is its own.
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Pem } from './certs.ts';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: Record<string, unknown> & { resourceType?: string; id?: string };
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Client certificate and key for mTLS. */
  client?: Pem;
  /** CA to trust for the server's certificate. */
  ca?: string;
}

export function request(method: string, url: string, options: CallOptions = {}): Promise<Reply> {
  const target = new URL(url);
  const payload =
    options.body === undefined
      ? undefined
      : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body), 'utf8');
  const headers: Record<string, string> = { 'content-type': 'application/fhir+json', ...options.headers };
  if (payload) {
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const common = { method, headers, agent: false as const, path: target.pathname + target.search };
    const req =
      target.protocol === 'https:'
        ? https.request({
            ...common,
            hostname: target.hostname,
            port: target.port,
            ca: options.ca,
            cert: options.client?.cert,
            key: options.client?.key,
          })
        : http.request({ ...common, hostname: target.hostname, port: target.port });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Reply['body'] = {};
        try {
          body = text ? (JSON.parse(text) as Reply['body']) : {};
        } catch {
          body = {};
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.end(payload);
  });
}

export function issueTexts(body: unknown): string[] {
  const issues = (body as { issue?: { details?: { text?: string }; diagnostics?: string }[] }).issue ?? [];
  return issues.map((issue) => issue.details?.text ?? issue.diagnostics ?? '');
}
