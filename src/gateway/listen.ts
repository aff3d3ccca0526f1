// The gateway's listening server: mTLS (the gateway verifies client certificates against the CA bundle and CRLs) or
// plain HTTP behind a TLS terminator, its time-outs, and Node's own refusals of a message it cannot parse (bad
// request line, headers too large, time-out) answered with an OperationOutcome instead of a bare status line.
import { readFileSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import type { GatewayConfig } from './config.ts';
import { answerClientError } from '../http/client-error.ts';

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
