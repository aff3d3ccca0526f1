// The gateway's configuration: a JSON file (`--config gateway.json`), flags overriding a few fields, and a strict
// check that refuses anything ambiguous (TLS and plain HTTP together, a certificate mapping without TLS, ...).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';

/** How a client certificate is recognised: every field given must match. */
export interface CertificateMatch {
  /** Subject CN, exact. */
  cn?: string;
  /** One of the subject's OU values, exact. */
  ou?: string;
  /** SHA-256 fingerprint of the DER certificate, hex, colons and case ignored. */
  fingerprint256?: string;
}

export interface CertificateClient {
  /** Label for logs and messages (default: clientId). */
  name?: string;
  match: CertificateMatch;
  /** The Medplum ClientApplication id this certificate acts as. */
  clientId: string;
  /** Its secret, inline... */
  clientSecret?: string;
  /** ...or read from this environment variable (preferred: keeps secrets out of the file). */
  clientSecretEnv?: string;
}

export type AuthConfig =
  | {
      /** The client's own `Authorization: Bearer` goes to Medplum unchanged. */
      mode: 'bearer';
      /** With TLS: when given, only certificates matching one of these are let through. */
      allow?: CertificateMatch[];
    }
  | {
      /** A client certificate is mapped to a Medplum client application, whose token the gateway obtains. */
      mode: 'certificate';
      clients: CertificateClient[];
      /** Token endpoint (default `<upstream>/oauth2/token`). */
      tokenUrl?: string;
    };

export interface TlsConfig {
  /** PEM files (paths relative to the config file). */
  key: string;
  cert: string;
  /** CA bundle the client certificates must chain to (IGC-Santé). */
  ca: string;
  /**
   * PEM CRL files of the CAs in `ca` (one file may hold several CRLs): a revoked client certificate is then refused
   * like an unverified one. Read at start only: restart the gateway when they are refreshed.
   */
  crl?: string[];
  /** Refuse unverified clients during the handshake instead of answering 401 with an OperationOutcome (default false). */
  rejectAtHandshake?: boolean;
}

export type PassthroughPolicy = 'all' | 'refuse';

export interface GatewayConfig {
  listen: { host: string; port: number };
  /** Exactly one of `tls` and `plainHttp: true`. */
  tls?: TlsConfig;
  plainHttp?: boolean;
  /**
   * Plain HTTP only: the header in which the TLS terminator passes the verified client certificate (URL-encoded PEM,
   * e.g. nginx `$ssl_client_escaped_cert`). Taken from no other source; always removed before forwarding.
   */
  clientCertHeader?: string;
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
  };
  limits: {
    /** Request body; beyond: 413. */
    requestBodyBytes: number;
    /** Upstream response body the gateway has to read (errors, Appointment writes); beyond: 502. */
    responseBodyBytes: number;
    /** Concurrent upstream connections. */
    upstreamSockets: number;
  };
  /** Requests that are not the SAS Appointment interactions: forward (`all`) or answer 403 (`refuse`). */
  passthrough: PassthroughPolicy;
  /** With `refuse`: more path prefixes let through, e.g. `/oauth2/token`, `/fhir/R4/metadata`. */
  allowPaths: string[];
  auth: AuthConfig;
}

export const DEFAULTS = {
  fhirBasePath: '/fhir/R4',
  timeouts: { connectMs: 5_000, responseMs: 30_000, clientRequestMs: 30_000 },
  limits: { requestBodyBytes: 1024 * 1024, responseBodyBytes: 16 * 1024 * 1024, upstreamSockets: 64 },
  passthrough: 'refuse' as PassthroughPolicy,
} as const;

export class ConfigError extends Error {}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function str(obj: Json, key: string, where: string, required: true): string;
function str(obj: Json, key: string, where: string, required?: false): string | undefined;
function str(obj: Json, key: string, where: string, required = false): string | undefined {
  const value = obj[key];
  if (value === undefined && !required) {
    return undefined;
  }
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(`${where}.${key} must be a non-empty string`);
  }
  return value;
}

function positive(obj: Json | undefined, key: string, where: string, fallback: number): number {
  const value = obj?.[key];
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${where}.${key} must be a positive integer`);
  }
  return value;
}

function parseMatch(value: unknown, where: string): CertificateMatch {
  if (!isObject(value)) {
    throw new ConfigError(`${where} must be an object {cn?, ou?, fingerprint256?}`);
  }
  const unknown = Object.keys(value).filter((key) => !['cn', 'ou', 'fingerprint256'].includes(key));
  if (unknown.length) {
    throw new ConfigError(`${where}: unknown field(s) ${unknown.join(', ')}`);
  }
  const match: CertificateMatch = {
    cn: str(value, 'cn', where),
    ou: str(value, 'ou', where),
    fingerprint256: str(value, 'fingerprint256', where),
  };
  if (!match.cn && !match.ou && !match.fingerprint256) {
    throw new ConfigError(`${where} matches every certificate: give cn, ou or fingerprint256`);
  }
  if (match.fingerprint256 && !/^[0-9a-f]{64}$/i.test(match.fingerprint256.replace(/:/g, ''))) {
    throw new ConfigError(`${where}.fingerprint256 is not a SHA-256 fingerprint`);
  }
  return match;
}

function parseAuth(value: unknown): AuthConfig {
  if (!isObject(value)) {
    throw new ConfigError('auth must be an object with mode "bearer" or "certificate"');
  }
  if (value.mode === 'bearer') {
    const allow = value.allow;
    if (allow !== undefined && !Array.isArray(allow)) {
      throw new ConfigError('auth.allow must be an array');
    }
    return { mode: 'bearer', allow: allow?.map((match, i) => parseMatch(match, `auth.allow[${i}]`)) };
  }
  if (value.mode === 'certificate') {
    if (!Array.isArray(value.clients) || value.clients.length === 0) {
      throw new ConfigError('auth.clients must list at least one {match, clientId, clientSecret|clientSecretEnv}');
    }
    const clients = value.clients.map((client: unknown, i): CertificateClient => {
      const where = `auth.clients[${i}]`;
      if (!isObject(client)) {
        throw new ConfigError(`${where} must be an object`);
      }
      const parsed: CertificateClient = {
        name: str(client, 'name', where),
        match: parseMatch(client.match, `${where}.match`),
        clientId: str(client, 'clientId', where, true),
        clientSecret: str(client, 'clientSecret', where),
        clientSecretEnv: str(client, 'clientSecretEnv', where),
      };
      if (!parsed.clientSecret === !parsed.clientSecretEnv) {
        throw new ConfigError(`${where}: give exactly one of clientSecret and clientSecretEnv`);
      }
      return parsed;
    });
    return { mode: 'certificate', clients, tokenUrl: str(value, 'tokenUrl', 'auth') };
  }
  throw new ConfigError('auth.mode must be "bearer" or "certificate"');
}

/** Every key the configuration may hold, section by section: any other key is a typo, refused with its path. */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': [
    'listen',
    'tls',
    'plainHttp',
    'clientCertHeader',
    'upstream',
    'fhirBasePath',
    'publicUrl',
    'timeouts',
    'limits',
    'passthrough',
    'allowPaths',
    'auth',
  ],
  listen: ['host', 'port'],
  tls: ['key', 'cert', 'ca', 'crl', 'rejectAtHandshake'],
  upstream: ['url', 'ca'],
  timeouts: Object.keys(DEFAULTS.timeouts),
  limits: Object.keys(DEFAULTS.limits),
  'auth(bearer)': ['mode', 'allow'],
  'auth(certificate)': ['mode', 'clients', 'tokenUrl'],
  'auth.clients[]': ['name', 'match', 'clientId', 'clientSecret', 'clientSecretEnv'],
};

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

function refuseUnknownKeys(value: unknown, known: readonly string[], where: string): void {
  if (!isObject(value)) {
    return; // the section's own check says what it must be
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const path = where ? `${where}.${key}` : key;
      const near = known.find((name) => distance(name.toLowerCase(), key.toLowerCase()) <= 2);
      const hint = near
        ? `did you mean "${where ? `${where}.${near}` : near}"?`
        : `expected one of ${known.join(', ')}`;
      throw new ConfigError(`unknown key "${path}" (${hint})`);
    }
  }
}

/** Refuses, with one line naming it, any key of any section that the gateway does not read. */
function checkKeys(raw: Json): void {
  refuseUnknownKeys(raw, KNOWN_KEYS[''] ?? [], '');
  for (const section of ['listen', 'tls', 'upstream', 'timeouts', 'limits']) {
    refuseUnknownKeys(raw[section], KNOWN_KEYS[section] ?? [], section);
  }
  const auth = raw.auth;
  if (isObject(auth) && (auth.mode === 'bearer' || auth.mode === 'certificate')) {
    refuseUnknownKeys(auth, KNOWN_KEYS[`auth(${auth.mode})`] ?? [], 'auth');
    if (auth.mode === 'certificate' && Array.isArray(auth.clients)) {
      auth.clients.forEach((client, i) =>
        refuseUnknownKeys(client, KNOWN_KEYS['auth.clients[]'] ?? [], `auth.clients[${i}]`),
      );
    }
  }
}

/** Checks a parsed JSON configuration; `baseDir` resolves relative PEM paths. */
export function parseConfig(raw: unknown, baseDir = process.cwd()): GatewayConfig {
  if (!isObject(raw)) {
    throw new ConfigError('the configuration must be a JSON object');
  }
  checkKeys(raw);
  const listen = isObject(raw.listen) ? raw.listen : {};
  const host = str(listen, 'host', 'listen') ?? '127.0.0.1';
  const port = listen.port === undefined ? 8443 : listen.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('listen.port must be an integer 0..65535');
  }

  const plainHttp = raw.plainHttp;
  if (plainHttp !== undefined && typeof plainHttp !== 'boolean') {
    throw new ConfigError('plainHttp must be true or absent');
  }
  let tls: TlsConfig | undefined;
  if (raw.tls !== undefined) {
    if (!isObject(raw.tls)) {
      throw new ConfigError('tls must be an object {key, cert, ca}');
    }
    const file = (key: string): string => resolve(baseDir, str(raw.tls as Json, key, 'tls', true));
    const rejectAtHandshake = raw.tls.rejectAtHandshake;
    if (rejectAtHandshake !== undefined && typeof rejectAtHandshake !== 'boolean') {
      throw new ConfigError('tls.rejectAtHandshake must be a boolean');
    }
    const crl = raw.tls.crl;
    const crlPaths = typeof crl === 'string' ? [crl] : crl;
    if (
      crlPaths !== undefined &&
      !(Array.isArray(crlPaths) && crlPaths.length && crlPaths.every((p) => typeof p === 'string' && p !== ''))
    ) {
      throw new ConfigError('tls.crl must be a path or a non-empty list of paths to PEM CRL files');
    }
    tls = {
      key: file('key'),
      cert: file('cert'),
      ca: file('ca'),
      crl: (crlPaths as string[] | undefined)?.map((path) => resolve(baseDir, path)),
      rejectAtHandshake,
    };
  }
  if (tls && plainHttp) {
    throw new ConfigError('tls and plainHttp are both set: choose one (plainHttp only behind a TLS terminator)');
  }
  if (!tls && plainHttp !== true) {
    throw new ConfigError(
      'no tls section: give tls {key, cert, ca} for mTLS, or plainHttp: true behind a TLS terminator',
    );
  }
  const clientCertHeader = str(raw, 'clientCertHeader', 'config')?.toLowerCase();
  if (clientCertHeader && tls) {
    throw new ConfigError('clientCertHeader is for plainHttp behind a TLS terminator; with tls the gateway verifies');
  }

  if (!isObject(raw.upstream)) {
    throw new ConfigError('upstream must be an object {url}');
  }
  const upstreamUrl = str(raw.upstream, 'url', 'upstream', true);
  checkHttpUrl(upstreamUrl, 'upstream.url');
  const upstreamCa = str(raw.upstream, 'ca', 'upstream');

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
  const timeouts = isObject(raw.timeouts) ? raw.timeouts : undefined;
  const limits = isObject(raw.limits) ? raw.limits : undefined;
  return {
    listen: { host, port },
    tls,
    plainHttp: plainHttp === true ? true : undefined,
    clientCertHeader,
    upstream: { url: upstreamUrl, ca: upstreamCa ? resolve(baseDir, upstreamCa) : undefined },
    fhirBasePath,
    publicUrl,
    timeouts: {
      connectMs: positive(timeouts, 'connectMs', 'timeouts', DEFAULTS.timeouts.connectMs),
      responseMs: positive(timeouts, 'responseMs', 'timeouts', DEFAULTS.timeouts.responseMs),
      clientRequestMs: positive(timeouts, 'clientRequestMs', 'timeouts', DEFAULTS.timeouts.clientRequestMs),
    },
    limits: {
      requestBodyBytes: positive(limits, 'requestBodyBytes', 'limits', DEFAULTS.limits.requestBodyBytes),
      responseBodyBytes: positive(limits, 'responseBodyBytes', 'limits', DEFAULTS.limits.responseBodyBytes),
      upstreamSockets: positive(limits, 'upstreamSockets', 'limits', DEFAULTS.limits.upstreamSockets),
    },
    passthrough,
    allowPaths: allowPaths as string[],
    auth,
  };
}

function checkHttpUrl(value: string, where: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${where} is not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${where} must be http(s)`);
  }
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

/**
 * The CRLs of `tls.crl`, one PEM string per CRL (Node reads only the first CRL of each string it is given), each
 * checked by OpenSSL: an unreadable file or a bad CRL stops the gateway at start with one line naming the file.
 */
export function readCrlFiles(paths: string[]): string[] {
  return paths.flatMap((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      throw new ConfigError(`tls.crl: cannot read ${path} (${reason})`);
    }
    const crls = text.match(/-----BEGIN X509 CRL-----[^-]+-----END X509 CRL-----/g);
    if (!crls) {
      throw new ConfigError(
        `tls.crl: ${path} holds no PEM CRL (-----BEGIN X509 CRL-----; convert a DER .crl with openssl crl -inform DER)`,
      );
    }
    crls.forEach((crl, i) => {
      try {
        createSecureContext({ crl });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new ConfigError(`tls.crl: CRL ${i + 1} of ${path} is not valid (${reason})`);
      }
    });
    return crls;
  });
}

export function configDir(path: string): string {
  return dirname(resolve(path));
}
