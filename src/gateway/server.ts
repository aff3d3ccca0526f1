// The SAS gateway: a reverse proxy in front of any Medplum server that runs the embedded host's SAS HTTP layer
// (src/http/sas-layer.ts, the same functions) on the SAS requests, authenticates clients by their TLS certificate
// (mTLS) and authenticates itself to Medplum with the client's bearer token or the mapped client's own token.
//
// Per request: client certificate checked (401/403) → route policy (403) → body read, bounded (413) → SAS request
// transform (may answer itself: 415, 422 ID-4) → upstream exchange, bounded (502/504) → Location rewritten to the
// gateway's URL → SAS response transform on the responses it may change (buffered, bounded); every other response is
// streamed through untouched.
import { ContentType } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { X509Certificate, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { TLSSocket } from 'node:tls';
import { flatHeaders, readBody } from '../http/body.ts';
import { sasResponseNeedsBody, sasTransformRequest, sasTransformResponse } from '../http/sas-layer.ts';
import type { SasLayerOptions, SasRequestContext } from '../http/sas-layer.ts';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { jsonBody } from '../http/types.ts';
import type { CertificateIdentity } from './auth.ts';
import {
  TokenCache,
  TokenError,
  certificateFromHeader,
  clientSecretOf,
  findClient,
  identityOf,
  matches,
} from './auth.ts';
import type { CertificateClient, GatewayConfig } from './config.ts';
import { readCrlFiles } from './config.ts';
import type { UpstreamExchange } from './upstream.ts';
import { Upstream, UpstreamError, endToEnd } from './upstream.ts';

export interface GatewayOptions {
  /** One line per request and per failure (default console.log). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface RunningGateway {
  /** Root URL clients use, with a trailing slash. */
  url: string;
  /** FHIR base clients use: `<url>fhir/R4`. */
  baseUrl: string;
  tokens: TokenCache;
  close(): Promise<void>;
}

/** H4: a gateway failure is an OperationOutcome like any other. */
function outcome(status: number, text: string, code: OperationOutcomeIssue['code']): GenericResponse {
  const body: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text } }],
  };
  return { status, headers: { 'content-type': ContentType.FHIR_JSON }, body: jsonBody(body) };
}

function send(res: ServerResponse, response: GenericResponse, close = false): void {
  const headers: Record<string, string> = { ...response.headers };
  headers['content-length'] = String(response.body?.length ?? 0);
  if (close) {
    headers.connection = 'close';
  }
  res.writeHead(response.status, headers);
  res.end(response.body);
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const log = options.log ?? ((line: string) => console.log(`[sas-guard gateway] ${line}`));
  const env = options.env ?? process.env;
  const base = config.fhirBasePath;
  // Before anything is opened: a bad CRL file stops the gateway here.
  const crl = config.tls?.crl ? readCrlFiles(config.tls.crl) : undefined;
  const upstream = new Upstream({
    url: config.upstream.url,
    ca: config.upstream.ca,
    connectMs: config.timeouts.connectMs,
    responseMs: config.timeouts.responseMs,
    sockets: config.limits.upstreamSockets,
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
  const needsCertificate =
    auth.mode === 'certificate' || (auth.mode === 'bearer' && (auth.allow?.length ?? 0) > 0) || !!config.tls;
  let publicRoot = '';

  /** The verified client certificate, or the answer refusing the request. */
  function clientCertificate(req: IncomingMessage): X509Certificate | GenericResponse | undefined {
    if (config.tls) {
      const socket = req.socket as TLSSocket;
      const cert = socket.getPeerX509Certificate();
      if (!cert) {
        return outcome(401, 'A client certificate is required (mutual TLS)', 'login');
      }
      if (!socket.authorized) {
        // Node's type says Error; at run time it is OpenSSL's code, e.g. CERT_HAS_EXPIRED, CERT_REVOKED (tls.crl).
        const reason = String(socket.authorizationError ?? 'not verified');
        if (reason === 'CERT_REVOKED') {
          return outcome(
            401,
            'The client certificate is revoked by its certification authority (CERT_REVOKED)',
            'login',
          );
        }
        return outcome(401, `The client certificate is not accepted: ${reason}`, 'login');
      }
      return cert;
    }
    if (config.clientCertHeader) {
      const value = req.headers[config.clientCertHeader];
      const cert = typeof value === 'string' && value ? certificateFromHeader(value) : undefined;
      if (!cert && needsCertificate) {
        return outcome(401, 'A client certificate is required (mutual TLS)', 'login');
      }
      return cert;
    }
    return undefined;
  }

  function routeAllowed(path: string): boolean {
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

  function forwardHeaders(req: IncomingMessage, request: GenericRequest): Record<string, string> {
    const headers = { ...request.headers };
    delete headers.host;
    delete headers['content-length'];
    if (config.clientCertHeader) {
      delete headers[config.clientCertHeader];
    }
    const remote = req.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${remote}` : remote;
    headers['x-forwarded-proto'] ??= config.tls ? 'https' : 'http';
    if (req.headers.host) {
      headers['x-forwarded-host'] ??= req.headers.host;
    }
    return headers;
  }

  /** Location and Content-Location name the gateway, not the upstream behind it. */
  function rewriteLocations(headers: Record<string, string | string[]>): void {
    for (const name of ['location', 'content-location']) {
      const value = headers[name];
      if (typeof value === 'string' && value.startsWith(upstreamRoot)) {
        headers[name] = publicRoot + value.slice(upstreamRoot.length);
      }
    }
  }

  async function exchangeWithAuth(
    request: GenericRequest,
    client: CertificateClient | undefined,
  ): Promise<UpstreamExchange> {
    if (!client) {
      return upstream.exchange({
        method: request.method,
        path: request.url,
        headers: request.headers,
        body: request.body,
      });
    }
    const secret = secrets.get(client) ?? '';
    for (let attempt = 0; ; attempt++) {
      const token = await tokens.token(client.clientId, secret);
      const exchange = await upstream.exchange({
        method: request.method,
        path: request.url,
        headers: { ...request.headers, authorization: `Bearer ${token}` },
        body: request.body,
      });
      // A revoked or expired token: forget it and try once more with a new one (the body is buffered).
      if (exchange.response.statusCode === 401 && attempt === 0) {
        exchange.discard();
        tokens.invalidate(client.clientId, token);
        continue;
      }
      return exchange;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();

    const cert = clientCertificate(req);
    if (cert && !(cert instanceof X509Certificate)) {
      send(res, cert, true);
      return 'client certificate refused';
    }
    const identity: CertificateIdentity | undefined = cert ? identityOf(cert) : undefined;
    let client: CertificateClient | undefined;
    if (auth.mode === 'certificate') {
      client = identity && findClient(identity, auth.clients);
      if (!client) {
        send(
          res,
          outcome(403, `The client certificate ${identity?.subject ?? ''} is not mapped to any client`, 'forbidden'),
          true,
        );
        return `certificate ${identity?.subject ?? '?'} not mapped`;
      }
      delete req.headers.authorization;
    } else if (auth.allow?.length && !(identity && auth.allow.some((match) => matches(identity, match)))) {
      send(res, outcome(403, `The client certificate ${identity?.subject ?? ''} is not allowed`, 'forbidden'), true);
      return `certificate ${identity?.subject ?? '?'} not allowed`;
    }
    const who = client ? (client.name ?? client.clientId) : (identity?.subject ?? '-');

    if (!routeAllowed(path)) {
      send(res, outcome(403, `${path} is not served by this SAS gateway`, 'forbidden'), true);
      return `${who} refused route`;
    }

    const body = await readBody(req, config.limits.requestBodyBytes);
    if (body === undefined) {
      send(res, outcome(413, `Request body exceeds ${config.limits.requestBodyBytes} bytes`, 'too-costly'), true);
      return `${who} body too large`;
    }

    let request: GenericRequest = {
      method,
      url: path + url.search,
      headers: flatHeaders(endToEnd(req.headers)),
      body: body.length ? body : undefined,
    };
    request.headers = forwardHeaders(req, request);

    const fhir = path === base || path.startsWith(base + '/');
    let context: SasRequestContext | undefined;
    const sasOptions: SasLayerOptions = { fhirBasePath: base, fhirBaseUrl: publicRoot + base.slice(1) };
    if (fhir) {
      const decision = sasTransformRequest(request, sasOptions);
      if (decision.action === 'respond') {
        send(res, decision.response);
        return `${who} answered by the SAS layer`;
      }
      request = decision.request;
      context = decision.context;
    }

    const exchange = await exchangeWithAuth(request, client);
    const upstreamResponse = exchange.response;
    const status = upstreamResponse.statusCode ?? 502;
    const headers = endToEnd(upstreamResponse.headers);
    rewriteLocations(headers);

    if (context && sasResponseNeedsBody(status, flatHeaders(headers), context)) {
      const responseBody = await exchange.readBody(config.limits.responseBodyBytes);
      const response = sasTransformResponse(
        { status, headers: flatHeaders(headers), body: responseBody },
        context,
        sasOptions,
      );
      send(res, response);
      return `${who} ${status}→${response.status}`;
    }
    // Streamed as is: the length, when the upstream gave one, stays right (and a HEAD keeps it).
    const length = upstreamResponse.headers['content-length'];
    if (length !== undefined && upstreamResponse.headers['transfer-encoding'] === undefined) {
      headers['content-length'] = length;
    }
    res.writeHead(status, headers);
    await pipeline(upstreamResponse, res);
    return `${who} ${status}`;
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const requestId = randomUUID();
    const line = (detail: string): void =>
      log(
        `${req.method ?? ''} ${req.url ?? ''} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms ${detail}`,
      );
    handle(req, res).then(line, (err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        line(`stream failed: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      let response: GenericResponse;
      if (err instanceof UpstreamError) {
        response = outcome(err.status, err.message, err.status === 504 ? 'timeout' : 'transient');
      } else if (err instanceof TokenError) {
        response = outcome(502, err.message, 'transient');
      } else {
        log(`internal error ${requestId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        response = outcome(500, `Internal gateway error (${requestId})`, 'exception');
      }
      send(res, response);
      line(response.status === 500 ? 'internal error' : `upstream failure`);
    });
  };

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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const printable = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  publicRoot = config.publicUrl
    ? config.publicUrl.replace(/\/?$/, '/')
    : `${config.tls ? 'https' : 'http'}://${printable}:${address.port}/`;

  return {
    url: publicRoot,
    baseUrl: publicRoot + base.slice(1),
    tokens,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
        upstream.close();
      }),
  };
}
