// A response as a Medplum server (Express, helmet, compression) puts it on the wire: its standard headers, the JSON
// content types with `charset=utf-8`, `Vary: Accept-Encoding`, and a body of about 1 KB or more compressed as the
// client accepts (br, else gzip, else deflate), chunked without Content-Length; smaller or unaccepted: identity with
// Content-Length.
import type { ServerResponse } from 'node:http';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import type { GenericResponse } from '../http/types.ts';

/** What compression() compresses: bodies of at least 1 KB (1,011 bytes were not, 1,027 were, on 5.0.10). */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

const MEDPLUM_HEADERS: Record<string, string> = {
  'cache-control': 'no-store, no-cache, must-revalidate',
  pragma: 'no-cache',
  'content-security-policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none';",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

type Encoding = 'br' | 'gzip' | 'deflate';
const PREFERENCE: Encoding[] = ['br', 'gzip', 'deflate'];

/** The encoding to use for `Accept-Encoding`: the highest q, ties broken as compression() does (br, gzip, deflate). */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding | undefined {
  if (!acceptEncoding) {
    return undefined;
  }
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name) {
      weights.set(name, q === undefined ? 1 : Number(q));
    }
  }
  const weightOf = (encoding: Encoding): number => weights.get(encoding) ?? weights.get('*') ?? 0;
  let best: Encoding | undefined;
  for (const encoding of PREFERENCE) {
    if (weightOf(encoding) > 0 && (best === undefined || weightOf(encoding) > weightOf(best))) {
      best = encoding;
    }
  }
  return best;
}

function compress(body: Buffer, encoding: Encoding): Buffer {
  if (encoding === 'br') {
    return brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
  }
  return encoding === 'gzip' ? gzipSync(body) : deflateSync(body);
}

/** JSON answers carry `charset=utf-8`, as Express's res.json does. */
function withCharset(contentType: string | undefined): string | undefined {
  if (!contentType || /charset=/i.test(contentType)) {
    return contentType;
  }
  return /json|^text\//i.test(contentType) ? `${contentType}; charset=utf-8` : contentType;
}

export function writeResponse(
  res: ServerResponse,
  response: GenericResponse,
  options: { acceptEncoding?: string; close?: boolean } = {},
): void {
  const headers: Record<string, string> = { ...MEDPLUM_HEADERS, ...response.headers };
  const contentType = withCharset(headers['content-type']);
  if (contentType) {
    headers['content-type'] = contentType;
  }
  if (options.close) {
    headers.connection = 'close';
  }
  let body = response.body ?? Buffer.alloc(0);
  if (response.status !== 304) {
    headers.vary = 'Accept-Encoding';
  }
  const encoding = body.length >= COMPRESSION_THRESHOLD_BYTES ? negotiateEncoding(options.acceptEncoding) : undefined;
  if (encoding) {
    body = compress(body, encoding);
    headers['content-encoding'] = encoding;
    delete headers['content-length'];
    headers['transfer-encoding'] = 'chunked';
  } else if (headers['transfer-encoding'] !== 'chunked' && response.status !== 304) {
    headers['content-length'] = String(body.length);
  }
  res.writeHead(response.status, headers);
  res.end(body);
}
