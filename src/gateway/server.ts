// The SAS gateway: a reverse proxy in front of any Medplum server that runs the embedded host's SAS HTTP layer
// (src/http/sas-layer.ts, the same functions) on the SAS requests, authenticates clients by their TLS certificate
// (mTLS) and authenticates itself to Medplum with the client's bearer token or the mapped client's own token.
//
// Per request: request target checked (400) → caller identified by its certificate (401/403) → fairness limits of
// that caller (429/503) → route policy (403) → body read, bounded and decoded (413/415) → headers cleaned → SAS
// request transform (may answer itself: 415, 422 ID-4) → upstream exchange, bounded (502/504) → Location rewritten to
// the gateway's public base → the answers the SAS layer may change are read, decoded and transformed, then encoded
// for the client (bounded per client); every other answer is streamed, decoded on the fly if the client cannot read
// its coding. A client has `timeouts.clientReadMs` to read an answer.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { flatHeaders } from '../http/body.ts';
import { sasResponseNeedsBody, sasTransformRequest, sasTransformResponse } from '../http/sas-layer.ts';
import type { SasLayerOptions, SasRequestContext } from '../http/sas-layer.ts';
import type { GenericRequest } from '../http/types.ts';
import { TokenCache, clientSecretOf } from './auth.ts';
import { identifyCaller, isCaller } from './caller.ts';
import type { CertificateClient } from './config-auth.ts';
import type { GatewayConfig } from './config.ts';
import { readCrlFiles } from './config-tls.ts';
import type { Coding } from './encoding.ts';
import { contentCodings } from './encoding.ts';
import { Fairness, isRefusal } from './fairness.ts';
import { publicLocation, upstreamHeaders } from './headers.ts';
import type { Delivery } from './respond.ts';
import { RETRY_AFTER, Refused, failureAnswer, outcome, sendBuffered, sendStreamed, wasCut } from './respond.ts';
import type { UpstreamExchange } from './upstream.ts';
import { Upstream, endToEnd } from './upstream.ts';
import { listen } from './listen.ts';
import { loggableTarget, parseTarget } from '../http/target.ts';
import { readRewritable, requestBody } from './bodies.ts';
import { parseConfig } from '../rules/config.ts';

export interface GatewayOptions {
  /** One line per request and per failure (default console.log). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface RunningGateway {
  /** Root URL clients use (publicUrl, or the address it listens on), with a trailing slash. */
  url: string;
  /** Root URL of the address it listens on, with a trailing slash. */
  listening: string;
  /** FHIR base clients use: `<url>fhir/R4`. */
  baseUrl: string;
  tokens: TokenCache;
  /** Requests in progress, all clients together (admitted, answer not yet read or cut). */
  readonly inFlight: number;
  close(): Promise<void>;
}

/** Where a mapped client's credentials must never act: its token, its own secret (`/auth/me`), the admin API. */
const CREDENTIAL_PATHS = ['/auth/', '/oauth2/', '/admin/'];

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const log = options.log ?? ((line: string) => console.log(`[sas-guard gateway] ${line}`));
  const env = options.env ?? process.env;
  // The deployment's language and severities, for the SAS layer's own answers (ID-4): the bot's, from the same variables.
  const rules = parseConfig(env);
  const base = config.fhirBasePath;
  const limits = config.limits;
  // Before anything is opened: a bad CRL file stops the gateway here.
  const crl = config.tls?.crl ? readCrlFiles(config.tls.crl) : undefined;
  const upstream = new Upstream({
    url: config.upstream.url,
    ca: config.upstream.ca,
    connectMs: config.timeouts.connectMs,
    responseMs: config.timeouts.responseMs,
    sockets: limits.upstreamSockets,
  });
  const upstreamRoot = upstream.url.href;
  const auth = config.auth;
  const tokenUrl = auth.mode === 'certificate' ? (auth.tokenUrl ?? new URL('oauth2/token', upstreamRoot).href) : '';
  const tokens = new TokenCache((form) => upstream.postForm(tokenUrl, form));
  // Secrets are resolved once, at start: a missing environment variable stops the gateway, not a request.
  const secrets = new Map<CertificateClient, string>();
  if (auth.mode === 'certificate') {
    for (const client of auth.clients) {
      secrets.set(client, clientSecretOf(client, env));
    }
  }
  const fairness = new Fairness(limits.perClient, limits.upstreamSockets + limits.queuedRequests);
  const terminatorHeaders = [config.clientCertHeader, config.clientVerifyHeader].filter((h) => h !== undefined);
  let publicRoot = '';

  function routeAllowed(path: string): boolean {
    if (auth.mode === 'certificate' && CREDENTIAL_PATHS.some((prefix) => path.startsWith(prefix))) {
      return false;
    }
    if (config.passthrough === 'all') {
      return true;
    }
    if (config.allowPaths.some((prefix) => path === prefix || path.startsWith(prefix.replace(/\/$/, '') + '/'))) {
      return true;
    }
    // The SAS interactions: Appointment create, conditional update, read (and search, which conditional update is).
    const appointment = `${base}/Appointment`;
    return path === appointment || path.startsWith(appointment + '/');
  }

  async function exchangeWithAuth(request: GenericRequest, client?: CertificateClient): Promise<UpstreamExchange> {
    const send = (headers: Record<string, string>) =>
      upstream.exchange({ method: request.method, path: request.url, headers, body: request.body });
    if (!client) {
      return send(request.headers);
    }
    const secret = secrets.get(client) ?? '';
    for (let attempt = 0; ; attempt++) {
      const token = await tokens.token(client.clientId, secret);
      const exchange = await send({ ...request.headers, authorization: `Bearer ${token}` });
      // A revoked or expired token: forget it and try once more with a new one (the body is buffered).
      if (exchange.response.statusCode === 401 && attempt === 0) {
        exchange.discard();
        tokens.invalidate(client.clientId, token);
        continue;
      }
      return exchange;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, delivery: Delivery): Promise<string> {
    const target = parseTarget(req.url);
    if (!target) {
      throw new Refused(outcome(400, 'The request target is not a valid URL', 'structure'), true);
    }
    const caller = identifyCaller(req, config);
    if (!isCaller(caller)) {
      throw new Refused(caller, true);
    }
    const ticket = fairness.admit(caller.key, req.socket);
    if (isRefusal(ticket)) {
      throw new Refused(outcome(ticket.status, ticket.text, 'throttled', RETRY_AFTER), true);
    }
    res.once('close', () => ticket.release());
    const { path, search } = target;
    if (!routeAllowed(path)) {
      throw new Refused(outcome(403, `${path} is not served by this SAS gateway`, 'forbidden'), true);
    }
    const body = await requestBody(req, limits.requestBodyBytes);
    const forwarded = upstreamHeaders(flatHeaders(endToEnd(req.headers)), {
      remoteAddress: req.socket.remoteAddress ?? '',
      publicRoot,
      terminatorHeaders,
    });
    delete forwarded.headers['content-encoding'];
    if (caller.client) {
      delete forwarded.headers.authorization;
    }
    delivery.minimal = forwarded.minimal;
    let request: GenericRequest = {
      method: delivery.method,
      url: path + search,
      headers: forwarded.headers,
      body: body.length ? body : undefined,
    };

    let context: SasRequestContext | undefined;
    const sasOptions: SasLayerOptions = { fhirBasePath: base, fhirBaseUrl: publicRoot + base.slice(1), config: rules };
    if (path === base || path.startsWith(base + '/')) {
      const decision = sasTransformRequest(request, sasOptions);
      if (decision.action === 'respond') {
        await sendBuffered(res, decision.response, delivery);
        return `${caller.who} answered by the SAS layer`;
      }
      request = decision.request;
      context = decision.context;
      if (context.write && context.resourceType === 'Appointment') {
        // An Appointment write's answer is read here (sasResponseNeedsBody) and encoded for the client anyway:
        // compressing it upstream would only cost a decoding. Other answers stream through as Medplum encodes them.
        delete request.headers['accept-encoding'];
      }
    }

    const exchange = await exchangeWithAuth(request, caller.client);
    const status = exchange.response.statusCode ?? 502;
    const headers = endToEnd(exchange.response.headers);
    for (const name of ['location', 'content-location']) {
      const value = headers[name];
      if (typeof value === 'string') {
        headers[name] = publicLocation(value, { fhirBasePath: base, upstreamRoot, publicRoot });
      }
    }
    let codings: Coding[];
    try {
      codings = contentCodings(headers['content-encoding']);
    } catch (err) {
      exchange.discard();
      throw err;
    }
    if (context && sasResponseNeedsBody(status, flatHeaders(headers), context)) {
      const decoded = await readRewritable(exchange, codings, ticket, {
        responseBodyBytes: limits.responseBodyBytes,
        bufferedBytes: limits.perClient.bufferedBytes,
      });
      delete headers['content-encoding'];
      const response = sasTransformResponse(
        { status, headers: flatHeaders(headers), body: decoded },
        context,
        sasOptions,
      );
      await sendBuffered(res, response, delivery);
      return `${caller.who} ${status}→${response.status}`;
    }
    await sendStreamed(res, exchange.response, headers, codings, delivery);
    return `${caller.who} ${status}`;
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const accept = req.headers['accept-encoding'];
    const delivery: Delivery = {
      method: (req.method ?? 'GET').toUpperCase(),
      acceptEncoding: Array.isArray(accept) ? accept.join(', ') : accept,
      readMs: config.timeouts.clientReadMs,
    };
    const line = (detail: string): void =>
      log(
        `${req.method ?? ''} ${loggableTarget(req.url)} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms ${detail}`,
      );
    handle(req, res, delivery).then(line, (err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        const reason = err instanceof Error ? err.message : String(err);
        line(wasCut(res) ? `answer not read within ${delivery.readMs} ms: cut` : `stream failed: ${reason}`);
        return;
      }
      const { response, close, detail } = failureAnswer(err, randomUUID());
      sendBuffered(res, response, { ...delivery, close }).then(
        () => line(detail),
        () => line(`${detail}; its answer was not delivered`),
      );
    });
  };

  const server = await listen(config, listener, log, crl);
  const address = server.address() as AddressInfo;
  const printable = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const listening = `${config.tls ? 'https' : 'http'}://${printable}:${address.port}/`;
  publicRoot = config.publicUrl ? config.publicUrl.replace(/\/?$/, '/') : listening;

  return {
    url: publicRoot,
    listening,
    baseUrl: publicRoot + base.slice(1),
    tokens,
    get inFlight() {
      return fairness.inFlight;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
        upstream.close();
      }),
  };
}
