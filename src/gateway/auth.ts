// Client identity (the verified client certificate, from the TLS socket or from a TLS terminator's header) and the
// certificate → Medplum client application mapping, with each client's access token obtained by client_credentials,
// cached until shortly before it expires, and refreshed.
import { X509Certificate } from 'node:crypto';
import type { CertificateClient, CertificateMatch } from './config-auth.ts';

export interface CertificateIdentity {
  /** The subject's CN when it has exactly one. */
  cn?: string;
  /** Every CN of the subject: more than one is an ambiguous identity, refused. */
  cns: string[];
  ous: string[];
  /** SHA-256 of the DER certificate, upper-case hex without colons. */
  fingerprint256: string;
  /** For messages: `CN=…, OU=…`. */
  subject: string;
}

export function normaliseFingerprint(value: string): string {
  return value.replace(/:/g, '').toUpperCase();
}

/** Node prints a subject as `C=FR\nO=…\nOU=…\nCN=…`, one attribute a line, a repeated attribute repeated. */
export function identityOf(cert: X509Certificate): CertificateIdentity {
  const ous: string[] = [];
  const cns: string[] = [];
  // A multi-valued RDN is printed on one line, `CN=a + CN=b` (a literal `+` in a value is escaped: `\+`).
  for (const line of cert.subject.split('\n').flatMap((rdn) => rdn.split(' + '))) {
    const eq = line.indexOf('=');
    const key = line.slice(0, eq).trim().toUpperCase();
    const value = line.slice(eq + 1).trim();
    if (key === 'CN') {
      cns.push(value);
    } else if (key === 'OU') {
      ous.push(value);
    }
  }
  const subject = [...cns.map((cn) => `CN=${cn}`), ...ous.map((ou) => `OU=${ou}`)].join(', ');
  return {
    cn: cns.length === 1 ? cns[0] : undefined,
    cns,
    ous,
    fingerprint256: normaliseFingerprint(cert.fingerprint256),
    subject: subject || cert.subject,
  };
}

/** A certificate passed by a TLS terminator in a header: URL-encoded PEM (nginx `$ssl_client_escaped_cert`). */
export function certificateFromHeader(value: string): X509Certificate | undefined {
  try {
    const pem = decodeURIComponent(value.replace(/\+/g, ' ')).replace(/\t/g, '\n');
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

export function matches(identity: CertificateIdentity, match: CertificateMatch): boolean {
  if (match.cn !== undefined && identity.cn !== match.cn) {
    return false;
  }
  if (match.ou !== undefined && !identity.ous.includes(match.ou)) {
    return false;
  }
  if (match.fingerprint256 !== undefined && normaliseFingerprint(match.fingerprint256) !== identity.fingerprint256) {
    return false;
  }
  return true;
}

export function findClient(identity: CertificateIdentity, clients: CertificateClient[]): CertificateClient | undefined {
  return clients.find((client) => matches(identity, client.match));
}

export function clientSecretOf(client: CertificateClient, env: NodeJS.ProcessEnv = process.env): string {
  if (client.clientSecret) {
    return client.clientSecret;
  }
  const value = client.clientSecretEnv ? env[client.clientSecretEnv] : undefined;
  if (!value) {
    throw new Error(`environment variable ${client.clientSecretEnv ?? '?'} (secret of ${client.clientId}) is not set`);
  }
  return value;
}

/** How the cache asks for a token: a form POST to the token endpoint, answering status and parsed JSON. */
export type TokenRequester = (form: URLSearchParams) => Promise<{ status: number; json: unknown }>;

export class TokenError extends Error {}

interface CachedToken {
  accessToken: string;
  /** ms since epoch after which the token is not used any more. */
  refreshAt: number;
}

/** Tokens per client id: one request in flight per client, reused until `refreshAt`. */
export class TokenCache {
  readonly #request: TokenRequester;
  readonly #now: () => number;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #pending = new Map<string, Promise<CachedToken>>();
  /** Number of token requests sent (for tests and logs). */
  requests = 0;

  constructor(request: TokenRequester, now: () => number = Date.now) {
    this.#request = request;
    this.#now = now;
  }

  async token(clientId: string, clientSecret: string): Promise<string> {
    const cached = this.#tokens.get(clientId);
    if (cached && cached.refreshAt > this.#now()) {
      return cached.accessToken;
    }
    let pending = this.#pending.get(clientId);
    if (!pending) {
      pending = this.#fetch(clientId, clientSecret).finally(() => this.#pending.delete(clientId));
      this.#pending.set(clientId, pending);
    }
    return (await pending).accessToken;
  }

  /** Forgets a token the upstream refused (401), unless another one has replaced it meanwhile. */
  invalidate(clientId: string, accessToken: string): void {
    if (this.#tokens.get(clientId)?.accessToken === accessToken) {
      this.#tokens.delete(clientId);
    }
  }

  async #fetch(clientId: string, clientSecret: string): Promise<CachedToken> {
    this.requests++;
    const started = this.#now();
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    });
    const { status, json } = await this.#request(form);
    const body = (json ?? {}) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (status !== 200 || typeof body.access_token !== 'string' || body.access_token === '') {
      const reason = typeof body.error === 'string' ? body.error : `HTTP ${status}`;
      throw new TokenError(`the upstream token endpoint refused client ${clientId} (${reason})`);
    }
    // Medplum's client_credentials tokens last an hour; refresh a minute early, or at 90 % of a short lifetime.
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
    const margin = Math.min(60_000, lifetimeMs / 10);
    const token = { accessToken: body.access_token, refreshAt: started + lifetimeMs - margin };
    this.#tokens.set(clientId, token);
    return token;
  }
}
