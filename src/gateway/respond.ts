// Answers as the client can read them. A buffered answer (the gateway rewrote it) is encoded in what the client
// accepts, as Medplum would (br > gzip > deflate for 1 KB or more; failures identity), with its true Content-Length;
// a streamed answer
// passes through when the client accepts its coding, and is decoded on the fly when it does not. Either way the client
// has `timeouts.clientReadMs` to read it all: a reader that takes longer is cut, which frees the upstream socket.
import { ContentType } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { finished, pipeline } from 'node:stream/promises';
import type { GenericResponse } from '../http/types.ts';
import { errorOutcome, jsonBody } from '../http/types.ts';
import type { Coding } from './encoding.ts';
import { TokenError } from './auth.ts';
import {
  COMPRESSION_THRESHOLD_BYTES,
  EncodingError,
  accepts,
  decoderStreams,
  encodeBody,
  negotiate,
} from './encoding.ts';
import { UpstreamError } from './upstream.ts';

export function outcomeBody(text: string, code: OperationOutcomeIssue['code']): Buffer {
  return jsonBody(errorOutcome(code, text));
}

/** H4: a gateway failure is an OperationOutcome like any other. */
export function outcome(
  status: number,
  text: string,
  code: OperationOutcomeIssue['code'],
  headers: Record<string, string> = {},
): GenericResponse {
  return { status, headers: { 'content-type': ContentType.FHIR_JSON, ...headers }, body: outcomeBody(text, code) };
}

/** A request the gateway answers itself, thrown from deep in the exchange (limits, undecodable bodies). */
export class Refused extends Error {
  readonly response: GenericResponse;
  /** Close the connection after the answer (the request body may be unread). */
  readonly close: boolean;
  constructor(response: GenericResponse, close = false) {
    super(`refused with ${response.status}`);
    this.response = response;
    this.close = close;
  }
}

export const RETRY_AFTER = { 'retry-after': '2' };

/** What the client gets for a failure of its exchange, and what the log says. */
export function failureAnswer(
  err: unknown,
  requestId: string,
): { response: GenericResponse; close: boolean; detail: string } {
  if (err instanceof Refused) {
    return { response: err.response, close: err.close, detail: 'refused' };
  }
  if (err instanceof UpstreamError) {
    const code = err.status === 504 ? 'timeout' : 'transient';
    return { response: outcome(err.status, err.message, code), close: false, detail: 'upstream failure' };
  }
  if (err instanceof TokenError) {
    return { response: outcome(502, err.message, 'transient'), close: false, detail: 'token failure' };
  }
  if (err instanceof EncodingError) {
    const text = `The upstream FHIR server sent a body the gateway cannot read (${err.message})`;
    return { response: outcome(502, text, 'transient'), close: false, detail: 'undecodable upstream body' };
  }
  // One line, no stack: the id ties the client's answer to it.
  const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return {
    response: outcome(500, `Internal gateway error (${requestId})`, 'exception'),
    close: true,
    detail: `internal error ${requestId}: ${reason}`,
  };
}

export interface Delivery {
  method: string;
  /** The client's Accept-Encoding. */
  acceptEncoding?: string;
  /** The client asked `Prefer: return=minimal`: a success carries no body. */
  minimal?: boolean;
  /** Close the connection after this answer. */
  close?: boolean;
  /** Time the client has to read the whole answer. */
  readMs: number;
}

const cut = new WeakSet<ServerResponse>();

/** Whether the answer was cut because the client did not read it in time. */
export function wasCut(res: ServerResponse): boolean {
  return cut.has(res);
}

function deliverWithin(res: ServerResponse, ms: number): void {
  const timer = setTimeout(() => {
    cut.add(res);
    res.destroy();
  }, ms);
  res.once('close', () => clearTimeout(timer));
}

function withVary(headers: OutgoingHttpHeaders): void {
  const vary = String(headers.vary ?? '');
  if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) {
    headers.vary = vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding';
  }
}

function hasNoBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/** A whole answer the gateway holds (its own, or one it rewrote), encoded for the client. */
export async function sendBuffered(res: ServerResponse, response: GenericResponse, delivery: Delivery): Promise<void> {
  const headers: OutgoingHttpHeaders = { ...response.headers };
  delete headers['content-encoding'];
  delete headers['transfer-encoding'];
  let body = response.body ?? Buffer.alloc(0);
  if (delivery.minimal && response.status < 300) {
    body = Buffer.alloc(0);
    delete headers['content-type'];
  }
  // A failure goes out uncompressed: it is small, and some clients (undici's decompress interceptor by default) do
  // not decode error bodies.
  const compress = body.length >= COMPRESSION_THRESHOLD_BYTES && response.status < 400;
  const coding = compress ? negotiate(delivery.acceptEncoding) : undefined;
  if (coding) {
    body = await encodeBody(body, coding);
    headers['content-encoding'] = coding;
  }
  if (response.status !== 304) {
    withVary(headers);
  }
  headers['content-length'] = String(body.length);
  if (delivery.close) {
    headers.connection = 'close';
  }
  res.writeHead(response.status, headers);
  deliverWithin(res, delivery.readMs);
  res.end(body);
  await finished(res);
}

/**
 * An upstream answer streamed to the client: as is when the client accepts its codings (its Content-Length kept),
 * decoded on the fly otherwise (chunked), with no body at all for a minimal success.
 */
export async function sendStreamed(
  res: ServerResponse,
  upstream: IncomingMessage,
  headers: Record<string, string | string[]>,
  codings: Coding[],
  delivery: Delivery,
): Promise<void> {
  const status = upstream.statusCode ?? 502;
  const out: OutgoingHttpHeaders = { ...headers };
  const readable = codings.every((coding) => accepts(delivery.acceptEncoding, coding));
  const length = upstream.headers['content-length'];
  if (!readable) {
    delete out['content-encoding'];
  } else if (length !== undefined && upstream.headers['transfer-encoding'] === undefined) {
    out['content-length'] = length;
  }
  const bodiless = hasNoBody(delivery.method, status);
  const minimalSuccess = delivery.minimal === true && status >= 200 && status < 300;
  if (bodiless || minimalSuccess) {
    if (minimalSuccess && delivery.method !== 'HEAD') {
      delete out['content-type'];
      delete out['content-encoding'];
      out['content-length'] = '0';
    } else if (!readable) {
      // HEAD of a coding the client cannot read: the decoded length is unknown.
      delete out['content-length'];
    }
    res.writeHead(status, out);
    res.end();
    upstream.resume();
    return;
  }
  res.writeHead(status, out);
  deliverWithin(res, delivery.readMs);
  if (readable) {
    await pipeline(upstream, res);
  } else {
    await pipeline([upstream, ...decoderStreams(codings), res]);
  }
}
