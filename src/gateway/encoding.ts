// Content codings at the gateway: what it can read (br, gzip, deflate, as Medplum's compression middleware writes
// them), what a client accepts (Accept-Encoding with q-values), decoding a body bounded in its decoded size (a small
// compressed body can expand a thousandfold), and encoding an answer as Medplum would (bodies of 1 KB or more).
import type { Transform } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

export type Coding = 'br' | 'gzip' | 'deflate';

/** Preference among equally weighted codings, as Medplum's compression(): br, then gzip, then deflate. */
const PREFERENCE: Coding[] = ['br', 'gzip', 'deflate'];

/** What compression() compresses (1,011 bytes were not, 1,027 were, on Medplum 5.0.10). */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/** An upstream body the gateway cannot read: an unknown coding, or bytes that do not decode. */
export class EncodingError extends Error {}

const brotliDecompress = promisify(zlib.brotliDecompress);
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotliCompress = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);

function asCoding(name: string): Coding | undefined {
  if (name === 'x-gzip') {
    return 'gzip';
  }
  return (PREFERENCE as string[]).includes(name) ? (name as Coding) : undefined;
}

/**
 * The codings of a `Content-Encoding` value, in the order they were applied (`identity` dropped). Throws
 * EncodingError for one the gateway cannot read.
 */
export function contentCodings(header: string | string[] | undefined): Coding[] {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  const names = value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'identity');
  return names.map((name) => {
    const coding = asCoding(name);
    if (!coding) {
      throw new EncodingError(`unsupported content coding "${name}"`);
    }
    return coding;
  });
}

/** Accept-Encoding as weights: `gzip;q=0.5, *;q=0` → gzip 0.5, * 0. */
function weights(acceptEncoding: string | undefined): Map<string, number> {
  const result = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) {
      continue;
    }
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    result.set(name === 'x-gzip' ? 'gzip' : name, Number.isFinite(weight) ? weight : 0);
  }
  return result;
}

/** Whether a client with this Accept-Encoding can read a body in `coding` (no header: identity only). */
export function accepts(acceptEncoding: string | undefined, coding: Coding): boolean {
  const map = weights(acceptEncoding);
  return (map.get(coding) ?? map.get('*') ?? 0) > 0;
}

/** The coding to answer in: the highest weight, ties broken br > gzip > deflate; undefined = identity. */
export function negotiate(acceptEncoding: string | undefined): Coding | undefined {
  const map = weights(acceptEncoding);
  const weightOf = (coding: Coding): number => map.get(coding) ?? map.get('*') ?? 0;
  let best: Coding | undefined;
  for (const coding of PREFERENCE) {
    if (weightOf(coding) > 0 && (best === undefined || weightOf(coding) > weightOf(best))) {
      best = coding;
    }
  }
  return best;
}

/**
 * What the gateway asks the upstream for: the client's own preferences among the codings the gateway can read (so
 * that a streamed answer usually passes through untouched), or nothing (identity) when the client accepts none.
 */
export function upstreamAcceptEncoding(acceptEncoding: string | undefined): string | undefined {
  const map = weights(acceptEncoding);
  const accepted = PREFERENCE.filter((coding) => (map.get(coding) ?? map.get('*') ?? 0) > 0);
  return accepted.length ? accepted.join(', ') : undefined;
}

/** The body with its codings undone; undefined when the decoded body would exceed `limit` bytes. */
export async function decodeBody(body: Buffer, codings: Coding[], limit: number): Promise<Buffer | undefined> {
  let decoded = body;
  for (const coding of [...codings].reverse()) {
    const options = { maxOutputLength: Math.max(1, limit) };
    try {
      if (coding === 'br') {
        decoded = await brotliDecompress(decoded, options);
      } else if (coding === 'gzip') {
        decoded = await gunzip(decoded, options);
      } else {
        decoded = await inflateEither(decoded, options);
      }
    } catch (err) {
      if (isTooLarge(err)) {
        return undefined;
      }
      throw new EncodingError(`the ${coding} body does not decode`);
    }
  }
  return decoded.length > limit ? undefined : decoded;
}

/** `deflate` is the zlib format; some servers send raw deflate: both are read. */
async function inflateEither(body: Buffer, options: zlib.ZlibOptions): Promise<Buffer> {
  try {
    return await inflate(body, options);
  } catch (err) {
    if (isTooLarge(err)) {
      throw err;
    }
    return inflateRaw(body, options);
  }
}

function isTooLarge(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ERR_BUFFER_TOO_LARGE';
}

/** A stream undoing `codings` (applied in order), for answers streamed to a client that cannot read them. */
export function decoderStreams(codings: Coding[]): Transform[] {
  return [...codings].reverse().map((coding) => {
    if (coding === 'br') {
      return zlib.createBrotliDecompress();
    }
    return coding === 'gzip' ? zlib.createGunzip() : zlib.createInflate();
  });
}

/** Below this, encoding at once costs less than a trip to libuv's thread pool. */
const SYNC_ENCODE_BYTES = 64 * 1024;
const BROTLI = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };

/** The body encoded in `coding`, as Medplum's compression() does (brotli at quality 4). */
export async function encodeBody(body: Buffer, coding: Coding): Promise<Buffer> {
  if (body.length < SYNC_ENCODE_BYTES) {
    if (coding === 'br') {
      return zlib.brotliCompressSync(body, BROTLI);
    }
    return coding === 'gzip' ? zlib.gzipSync(body) : zlib.deflateSync(body);
  }
  if (coding === 'br') {
    return brotliCompress(body, BROTLI);
  }
  return coding === 'gzip' ? gzip(body) : deflate(body);
}
