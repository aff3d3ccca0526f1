// What Node's HTTP parser refuses (a bad request line, headers too large, a request not received in time) answered
// with an OperationOutcome, for the host and the gateway alike (Node's default is a bare `400 Bad Request`).
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorOutcome, jsonBody } from './types.ts';

/** Node's parser errors as the status they mean. */
function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return 431;
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return 408;
  }
  return 400;
}

/**
 * Answers a message Node could not parse with an OperationOutcome and closes the connection (Node's default is a
 * bare `400 Bad Request` without a body). Returns the status sent, or undefined when the socket was already gone.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): number | undefined {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return undefined;
  }
  const status = clientErrorStatus(err.code);
  const text =
    status === 431
      ? 'The request headers are too large'
      : status === 408
        ? 'The request was not received in time'
        : 'The request is not valid HTTP';
  const code = status === 408 ? 'timeout' : status === 431 ? 'too-costly' : 'structure';
  const body = jsonBody(errorOutcome(code, text));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/fhir+json\r\n' +
      `Content-Length: ${body.length}\r\n` +
      'Connection: close\r\n\r\n' +
      body.toString('utf8'),
  );
  return status;
}
