// The gateway's listening server: mTLS (the gateway verifies client certificates against the CA bundle and CRLs) or
// plain HTTP behind a TLS terminator, its time-outs, and Node's own refusals of a message it cannot parse (bad
// request line, headers too large, time-out) answered with an OperationOutcome instead of a bare status line.
import { readFileSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import http, { STATUS_CODES } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { GatewayConfig } from './config.ts';
import { outcomeBody } from './respond.ts';

/** Node's parser errors as the status they mean. */
export function clientErrorStatus(code: string | undefined): number {
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
  const body = outcomeBody(text, status === 408 ? 'timeout' : status === 431 ? 'too-costly' : 'structure');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/fhir+json\r\n' +
      `Content-Length: ${body.length}\r\n` +
      'Connection: close\r\n\r\n' +
      body.toString('utf8'),
  );
  return status;
}

/** Starts listening as configured; `crl` are the CRLs already read and checked. */
export async function listen(
  config: GatewayConfig,
  listener: RequestListener,
  log: (line: string) => void,
  crl: string[] | undefined,
): Promise<Server> {
  let server: Server;
  if (config.tls) {
    server = https.createServer(
      {
        key: readFileSync(config.tls.key),
        cert: readFileSync(config.tls.cert),
        ca: readFileSync(config.tls.ca),
        // With CRLs, OpenSSL checks every certificate of the chain: each CA needs its CRL (UNABLE_TO_GET_CRL otherwise).
        crl,
        requestCert: true,
        // Default: finish the handshake and answer 401 with an OperationOutcome (H4) rather than a TLS alert.
        rejectUnauthorized: config.tls.rejectAtHandshake ?? false,
        minVersion: 'TLSv1.2',
      },
      listener,
    );
  } else {
    server = http.createServer(listener);
  }
  server.requestTimeout = config.timeouts.clientRequestMs;
  server.headersTimeout = Math.min(config.timeouts.clientRequestMs, 60_000);
  server.keepAliveTimeout = 5_000;
  // Node's own refusals (bad request line, headers too large, time-out) carry an OperationOutcome too.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status = answerClientError(err, socket);
    if (status !== undefined) {
      log(`- - ${status} client error (${err.code ?? 'unparsable request'})`);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
