// The bodies the gateway reads whole: a client's request (bounded, its Content-Encoding undone, so the SAS layer can
// read it and the upstream gets identity) and an upstream answer the SAS layer rewrites (bounded, decoded, counted
// against the client's buffered bytes).
import type { IncomingMessage } from 'node:http';
import { readBody } from '../http/body.ts';
import type { Coding } from './encoding.ts';
import { contentCodings, decodeBody } from './encoding.ts';
import type { Ticket } from './fairness.ts';
import { RETRY_AFTER, Refused, outcome } from './respond.ts';
import type { UpstreamExchange } from './upstream.ts';
import { UpstreamError } from './upstream.ts';

export async function requestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new Refused(outcome(413, `Request body exceeds ${limit} bytes`, 'too-costly'), true);
  const raw = await readBody(req, limit).catch(() => {
    throw new Refused(outcome(400, 'The request body ended before its declared length', 'incomplete'), true);
  });
  if (raw === undefined) {
    throw tooLarge();
  }
  let codings: Coding[];
  try {
    codings = contentCodings(req.headers['content-encoding']);
  } catch {
    throw new Refused(outcome(415, 'Request Content-Encoding not supported (br, gzip, deflate)', 'not-supported'));
  }
  if (!codings.length || !raw.length) {
    return raw;
  }
  const decoded = await decodeBody(raw, codings, limit).catch(() => {
    throw new Refused(outcome(400, 'The request body does not decode as its Content-Encoding says', 'structure'));
  });
  if (decoded === undefined) {
    throw tooLarge();
  }
  return decoded;
}

export interface RewritableLimits {
  /** limits.responseBodyBytes: beyond, 502. */
  responseBodyBytes: number;
  /** limits.perClient.bufferedBytes, for the message: beyond the client's budget, 503. */
  bufferedBytes: number;
}

/** The upstream body the SAS layer reads: decoded, at most `responseBodyBytes`, within the client's budget. */
export async function readRewritable(
  exchange: UpstreamExchange,
  codings: Coding[],
  ticket: Ticket,
  limits: RewritableLimits,
): Promise<Buffer> {
  const max = limits.responseBodyBytes;
  const read = async (take: (limit: number) => Promise<Buffer | undefined>): Promise<Buffer> => {
    const limit = Math.min(max, ticket.available());
    const bytes = await take(limit);
    if (bytes !== undefined && ticket.reserve(bytes.length)) {
      return bytes;
    }
    if (limit < max || bytes !== undefined) {
      const text = `This client holds too many answer bytes in the gateway (limit ${limits.bufferedBytes}); read the answers first`;
      throw new Refused(outcome(503, text, 'throttled', RETRY_AFTER));
    }
    throw new UpstreamError(502, `The upstream response exceeds ${max} bytes`);
  };
  const raw = await read((limit) => exchange.readBody(limit));
  return codings.length ? read((limit) => decodeBody(raw, codings, limit)) : raw;
}
