// The embedded host on node:http: each request read (bounded: 413), authenticated (401), given its request context
// and its writer's AccessPolicy, passed through the SAS HTTP layer (unless --medplum-only) to the Medplum-faithful
// core, and answered; an unexpected error is a 500 OperationOutcome, its stack only in the log.
import { OperationOutcomeError, badRequest, contentTooLarge, unauthorized } from '@medplum/core';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { flatHeaders, readBody } from '../http/body.ts';
import { answerClientError } from '../http/client-error.ts';
import { loggableTarget, parseTarget } from '../http/target.ts';
import type { SasLayerOptions } from '../http/sas-layer.ts';
import { sasTransformRequest, sasTransformResponse } from '../http/sas-layer.ts';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { accessPolicyOf } from './login-policy.ts';
import type { HostAuth } from './auth.ts';
import type { HostRequestContext } from './context.ts';
import { requestContextStore } from './context.ts';
import type { Exchange } from './logged-request.ts';
import type { HostRepository } from './repo.ts';
import { internalError, outcomeResponse, unavailable } from './responses.ts';
import { writeResponse } from './wire.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpServerOptions {
  repo: HostRepository;
  auth: HostAuth;
  core: (request: GenericRequest) => Promise<GenericResponse>;
  /** The SAS HTTP layer's options, or undefined for `--medplum-only`. */
  sasLayer: (() => SasLayerOptions) | undefined;
  log: (line: string) => void;
  /**
   * Settles once sas-guard is installed: until then every request waits (none is served unchecked), but those of
   * the installation itself (`serveEarly`); a failed installation answers 503.
   */
  ready: Promise<void>;
  serveEarly: (request: GenericRequest) => boolean;
  /** Serves the host's own page (`/` and its files), outside the FHIR flow and the request log; true when it did. */
  page?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Told of every other exchange once it is answered (the request log). */
  onExchange?: (exchange: Exchange) => void;
}

export function createHostServer(options: HttpServerOptions): Server {
  const { repo, auth, core, sasLayer, log, ready, serveEarly, page, onExchange } = options;
  // A failed installation is reported by start(); here it only means: refuse.
  const installed = ready.then(
    () => true,
    () => false,
  );

  async function handle(req: IncomingMessage, res: ServerResponse, exchange: Exchange): Promise<void> {
    const send = (response: GenericResponse, close = false): void => {
      exchange.response = response;
      writeResponse(res, response, { acceptEncoding: req.headers['accept-encoding'], close });
    };
    const requestId = randomUUID();
    const traceId = req.headers['x-trace-id']?.toString() || randomUUID();
    // What is not a request target (`GET http://[`, `http://%zz/`, a bad port) is the client's mistake: 400.
    const target = parseTarget(req.url);
    if (!target) {
      req.resume();
      send(outcomeResponse(badRequest('The request target is not a URL'), { requestId, traceId }), true);
      return;
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) {
      send(
        outcomeResponse(contentTooLarge(`Request body exceeds ${MAX_BODY_BYTES} bytes`), { requestId, traceId }),
        true,
      );
      res.on('finish', () => req.socket.destroy());
      return;
    }
    const request: GenericRequest = { ...exchange.request, url: target.path + target.search, body };
    exchange.request = request;
    if (!serveEarly(request) && !(await installed)) {
      send(unavailable('sas-guard could not be installed on this host: no request is served unchecked'));
      return;
    }
    const author = await auth.authenticate(request);
    if (author === 'unauthorized') {
      send(outcomeResponse(unauthorized, { requestId, traceId }));
      return;
    }
    exchange.author = author;
    const context: HostRequestContext = { requestId, traceId, author };
    // The writer's AccessPolicy, then the core; an OperationOutcomeError outside the router (an invalid policy, a 403
    // on an admin endpoint) is answered as the router would.
    const answer = async (coreRequest: GenericRequest): Promise<GenericResponse> => {
      try {
        context.accessPolicy = await accessPolicyOf(repo, author);
        return await core(coreRequest);
      } catch (err) {
        if (err instanceof OperationOutcomeError) {
          return outcomeResponse(err.outcome, context);
        }
        throw err;
      }
    };
    const response = await requestContextStore.run(context, async () => {
      if (!sasLayer) {
        return answer(request);
      }
      const decision = sasTransformRequest(request, sasLayer());
      if (decision.action === 'respond') {
        return decision.response;
      }
      return sasTransformResponse(await answer(decision.request), decision.context, sasLayer());
    });
    send(response);
  }

  const server = createServer((req, res) => {
    if (page?.(req, res)) {
      return;
    }
    const started = performance.now();
    const exchange: Exchange = {
      // The target as it may be logged, until it is read (a target that is not a URL is answered 400 before).
      request: {
        method: (req.method ?? 'GET').toUpperCase(),
        url: loggableTarget(req.url),
        headers: flatHeaders(req.headers),
      },
      startedAt: Date.now(),
      durationMs: 0,
    };
    const handled = handle(req, res, exchange).catch((err: unknown) => {
      log(
        `Internal error on ${req.method ?? ''} ${loggableTarget(req.url)}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      if (!res.headersSent) {
        exchange.response = internalError();
        writeResponse(res, exchange.response);
      } else {
        res.destroy();
      }
    });
    if (onExchange) {
      handled
        .then(() => {
          exchange.durationMs = performance.now() - started;
          onExchange(exchange);
        })
        .catch((err: unknown) =>
          log(`Request log failed on ${exchange.request.method} ${exchange.request.url}: ${String(err)}`),
        );
    }
  });
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    answerClientError(err, socket);
  });
  return server;
}

/** Listens; resolves with the root URL (`http://127.0.0.1:8103/`). */
export async function listen(server: Server, port: number, hostName: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostName, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const printableHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${printableHost}:${address.port}/`;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
