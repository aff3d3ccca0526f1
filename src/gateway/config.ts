// The gateway's configuration: a JSON file (`--config gateway.json`), flags overriding a few fields, and a strict
// check that refuses anything ambiguous or unsafe (TLS and plain HTTP together, a certificate mapping without TLS,
// a terminator's certificate header without its verification verdict, plain HTTP on a network address, an unknown
// key). Every key is described in docs/gateway.md.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AuthConfig } from './config-auth.ts';
import { parseAuth } from './config-auth.ts';
import type { Json } from './config-values.ts';
import { ConfigError, TOP, bool, checkHttpUrl, isObject, onlyKeys, positive, section, str } from './config-values.ts';
import type { TlsConfig } from './config-tls.ts';
import { parseTls } from './config-tls.ts';
import type { ClientLimits } from './fairness.ts';

export type PassthroughPolicy = 'all' | 'refuse';

export interface GatewayConfig {
  listen: { host: string; port: number };
  /** Exactly one of `tls` and `plainHttp: true`. */
  tls?: TlsConfig;
  plainHttp?: boolean;
  /** plainHttp bound to an address other than loopback (the terminator reaches it over a private network). */
  plainHttpOnNetwork?: boolean;
  /**
   * Plain HTTP only: the header in which the TLS terminator passes the verified client certificate (URL-encoded PEM,
   * e.g. nginx `$ssl_client_escaped_cert`). Taken from no other source; always removed before forwarding.
   */
  clientCertHeader?: string;
  /** With clientCertHeader: the header carrying the terminator's verification result (nginx `$ssl_client_verify`). */
  clientVerifyHeader?: string;
  /** The value of clientVerifyHeader that means verified (default `SUCCESS`). */
  clientVerifyValue: string;
  upstream: {
    /** Medplum's server root, e.g. `https://medplum.internal/`. */
    url: string;
    /** PEM CA bundle for an upstream with a private CA. */
    ca?: string;
  };
  /** Path of the FHIR base (default `/fhir/R4`). */
  fhirBasePath: string;
  /** The URL clients use to reach the gateway, for Location (default: from the listen address). */
  publicUrl?: string;
  timeouts: {
    /** TCP (+TLS) connection to the upstream. */
    connectMs: number;
    /** Whole upstream exchange, from sending the request to the last byte of the response. */
    responseMs: number;
    /** Reading a client's request (headers and body). */
    clientRequestMs: number;
    /** A client's reading of a whole answer; a slower reader is cut (its upstream socket freed). */
    clientReadMs: number;
  };
  limits: {
    /** Request body; beyond: 413. */
    requestBodyBytes: number;
    /** Upstream response body the gateway has to read (errors, Appointment writes), decoded; beyond: 502. */
    responseBodyBytes: number;
    /** Concurrent upstream connections. */
    upstreamSockets: number;
    /** Requests of all clients that may wait for an upstream socket; beyond: 503. */
    queuedRequests: number;
    /** Per client identity; beyond: 429 (connections, requests in flight) or 503 (bytes buffered). */
    perClient: ClientLimits;
  };
  /** Requests that are not the SAS Appointment interactions: forward (`all`) or answer 403 (`refuse`). */
  passthrough: PassthroughPolicy;
  /** With `refuse`: more path prefixes let through, e.g. `/oauth2/token`, `/fhir/R4/metadata`. */
  allowPaths: string[];
  auth: AuthConfig;
}

export const DEFAULTS = {
  fhirBasePath: '/fhir/R4',
  clientVerifyValue: 'SUCCESS',
  timeouts: { connectMs: 5_000, responseMs: 30_000, clientRequestMs: 30_000, clientReadMs: 20_000 },
  limits: {
    requestBodyBytes: 1024 * 1024,
    responseBodyBytes: 16 * 1024 * 1024,
    upstreamSockets: 64,
    queuedRequests: 256,
    perClient: { connections: 32, inFlight: 16, bufferedBytes: 16 * 1024 * 1024 },
  },
  passthrough: 'refuse' as PassthroughPolicy,
} as const;

const TOP_LEVEL = [
  'listen',
  'tls',
  'plainHttp',
  'plainHttpOnNetwork',
  'clientCertHeader',
  'clientVerifyHeader',
  'clientVerifyValue',
  'upstream',
  'fhirBasePath',
  'publicUrl',
  'timeouts',
  'limits',
  'passthrough',
  'allowPaths',
  'auth',
];

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(bare);
}

function parseLimits(raw: Json): GatewayConfig['limits'] {
  const keys = ['requestBodyBytes', 'responseBodyBytes', 'upstreamSockets', 'queuedRequests', 'perClient'];
  const limits = section(raw, 'limits', keys);
  const perClient = limits
    ? section(limits, 'perClient', ['connections', 'inFlight', 'bufferedBytes'], 'limits.perClient')
    : undefined;
  const fallback = DEFAULTS.limits;
  const where = 'limits.perClient';
  return {
    requestBodyBytes: positive(limits, 'requestBodyBytes', 'limits', fallback.requestBodyBytes),
    responseBodyBytes: positive(limits, 'responseBodyBytes', 'limits', fallback.responseBodyBytes),
    upstreamSockets: positive(limits, 'upstreamSockets', 'limits', fallback.upstreamSockets),
    queuedRequests: positive(limits, 'queuedRequests', 'limits', fallback.queuedRequests),
    perClient: {
      connections: positive(perClient, 'connections', where, fallback.perClient.connections),
      inFlight: positive(perClient, 'inFlight', where, fallback.perClient.inFlight),
      bufferedBytes: positive(perClient, 'bufferedBytes', where, fallback.perClient.bufferedBytes),
    },
  };
}

/** Checks a parsed JSON configuration; `baseDir` resolves relative PEM paths. */
export function parseConfig(raw: unknown, baseDir = process.cwd()): GatewayConfig {
  if (!isObject(raw)) {
    throw new ConfigError('the configuration must be a JSON object');
  }
  onlyKeys(raw, TOP_LEVEL, TOP);
  const listen = section(raw, 'listen', ['host', 'port']) ?? {};
  const host = str(listen, 'host', 'listen') ?? '127.0.0.1';
  const port = listen.port === undefined ? 8443 : listen.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('listen.port must be an integer 0..65535');
  }

  const plainHttp = bool(raw, 'plainHttp', 'config');
  const plainHttpOnNetwork = bool(raw, 'plainHttpOnNetwork', 'config');
  const tls = parseTls(raw, baseDir);
  if (tls && plainHttp) {
    throw new ConfigError('tls and plainHttp are both set: choose one (plainHttp only behind a TLS terminator)');
  }
  if (!tls && plainHttp !== true) {
    throw new ConfigError(
      'no tls section: give tls {key, cert, ca} for mTLS, or plainHttp: true behind a TLS terminator',
    );
  }
  if (plainHttp && !isLoopback(host) && plainHttpOnNetwork !== true) {
    throw new ConfigError(
      `plainHttp on ${host}, not a loopback address: only the TLS terminator may reach a plain-HTTP gateway; ` +
        'bind to 127.0.0.1, or set "plainHttpOnNetwork": true when it reaches the gateway over a private network',
    );
  }
  const clientCertHeader = str(raw, 'clientCertHeader', 'config')?.toLowerCase();
  const clientVerifyHeader = str(raw, 'clientVerifyHeader', 'config')?.toLowerCase();
  if ((clientCertHeader || clientVerifyHeader) && tls) {
    throw new ConfigError('clientCertHeader is for plainHttp behind a TLS terminator; with tls the gateway verifies');
  }
  if (clientCertHeader && !clientVerifyHeader) {
    throw new ConfigError(
      'clientCertHeader needs clientVerifyHeader, the header in which the terminator passes its verification ' +
        'result (nginx: $ssl_client_verify, "SUCCESS" when verified): a certificate alone may be self-signed or expired',
    );
  }
  if (clientVerifyHeader && !clientCertHeader) {
    throw new ConfigError('clientVerifyHeader is given without clientCertHeader');
  }

  const upstream = section(raw, 'upstream', ['url', 'ca']);
  if (!upstream) {
    throw new ConfigError('upstream must be an object {url}');
  }
  const upstreamUrl = str(upstream, 'url', 'upstream', true);
  checkHttpUrl(upstreamUrl, 'upstream.url');
  const upstreamCa = str(upstream, 'ca', 'upstream');

  const auth = parseAuth(raw.auth);
  if (auth.mode === 'certificate' && !tls && !clientCertHeader) {
    throw new ConfigError('auth.mode "certificate" needs tls, or plainHttp with clientCertHeader');
  }
  if (auth.mode === 'bearer' && auth.allow?.length && !tls && !clientCertHeader) {
    throw new ConfigError('auth.allow needs tls, or plainHttp with clientCertHeader');
  }

  const passthrough = raw.passthrough ?? DEFAULTS.passthrough;
  if (passthrough !== 'all' && passthrough !== 'refuse') {
    throw new ConfigError('passthrough must be "all" or "refuse"');
  }
  const allowPaths = raw.allowPaths ?? [];
  if (!Array.isArray(allowPaths) || !allowPaths.every((p) => typeof p === 'string' && p.startsWith('/'))) {
    throw new ConfigError('allowPaths must be a list of paths starting with /');
  }
  const publicUrl = str(raw, 'publicUrl', 'config');
  if (publicUrl) {
    checkHttpUrl(publicUrl, 'publicUrl');
  }
  const fhirBasePath = (str(raw, 'fhirBasePath', 'config') ?? DEFAULTS.fhirBasePath).replace(/\/$/, '');
  const timeouts = section(raw, 'timeouts', ['connectMs', 'responseMs', 'clientRequestMs', 'clientReadMs']);
  const fallback = DEFAULTS.timeouts;
  return {
    listen: { host, port },
    tls,
    plainHttp: plainHttp === true ? true : undefined,
    plainHttpOnNetwork: plainHttpOnNetwork === true ? true : undefined,
    clientCertHeader,
    clientVerifyHeader,
    clientVerifyValue: str(raw, 'clientVerifyValue', 'config') ?? DEFAULTS.clientVerifyValue,
    upstream: { url: upstreamUrl, ca: upstreamCa ? resolve(baseDir, upstreamCa) : undefined },
    fhirBasePath,
    publicUrl,
    timeouts: {
      connectMs: positive(timeouts, 'connectMs', 'timeouts', fallback.connectMs),
      responseMs: positive(timeouts, 'responseMs', 'timeouts', fallback.responseMs),
      clientRequestMs: positive(timeouts, 'clientRequestMs', 'timeouts', fallback.clientRequestMs),
      clientReadMs: positive(timeouts, 'clientReadMs', 'timeouts', fallback.clientReadMs),
    },
    limits: parseLimits(raw),
    passthrough,
    allowPaths: allowPaths as string[],
    auth,
  };
}

export function loadConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError(`${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function configDir(path: string): string {
  return dirname(resolve(path));
}
