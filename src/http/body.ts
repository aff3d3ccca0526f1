// A node:http message as the SAS layer's GenericRequest/GenericResponse want it, shared by the embedded host and the
// gateway (requests) and the gateway's upstream client (responses): a bounded body and flat, lower-case headers.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * Reads a body of at most `limit` bytes. Undefined when it is larger, declared (`Content-Length`) or streamed: reading
 * stops at once and the stream is paused, so nothing past the limit is buffered (the caller answers 413 or destroys
 * the stream). Rejects when the stream fails or closes before its end.
 */
export function readBody(message: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(message.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (finish: () => void): void => {
      if (!settled) {
        settled = true;
        finish();
      }
    };
    message.on('data', (chunk: Buffer) => {
      if (settled) {
        return;
      }
      size += chunk.length;
      if (size > limit) {
        settle(() => resolve(undefined));
        message.pause();
      } else {
        chunks.push(chunk);
      }
    });
    message.on('end', () => settle(() => resolve(Buffer.concat(chunks))));
    message.on('error', (err) => settle(() => reject(err)));
    message.on('close', () => settle(() => reject(new Error('The message closed before its end'))));
  });
}

/** Header names in lower case, repeated values joined with `, `, absent ones dropped. */
export function flatHeaders(headers: IncomingHttpHeaders | Record<string, string | string[]>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) {
      result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return result;
}
