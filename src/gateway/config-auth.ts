// The `auth` section of the gateway's configuration: bearer passthrough, or client certificates mapped to Medplum
// client applications.
import type { Json } from './config-values.ts';
import { ConfigError, isObject, onlyKeys, str } from './config-values.ts';

/** How a client certificate is recognised: every field given must match. */
export interface CertificateMatch {
  /** Subject CN, exact (a subject with several CNs is refused, never matched). */
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

function parseMatch(value: unknown, where: string): CertificateMatch {
  if (!isObject(value)) {
    throw new ConfigError(`${where} must be an object {cn?, ou?, fingerprint256?}`);
  }
  onlyKeys(value, ['cn', 'ou', 'fingerprint256'], where);
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

function parseClient(client: unknown, where: string): CertificateClient {
  if (!isObject(client)) {
    throw new ConfigError(`${where} must be an object`);
  }
  onlyKeys(client, ['name', 'match', 'clientId', 'clientSecret', 'clientSecretEnv'], where);
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
}

export function parseAuth(value: unknown): AuthConfig {
  if (!isObject(value)) {
    throw new ConfigError('auth must be an object with mode "bearer" or "certificate"');
  }
  const auth: Json = value;
  if (auth.mode === 'bearer') {
    onlyKeys(auth, ['mode', 'allow'], 'auth');
    const allow = auth.allow;
    if (allow !== undefined && !Array.isArray(allow)) {
      throw new ConfigError('auth.allow must be an array');
    }
    return { mode: 'bearer', allow: allow?.map((match, i) => parseMatch(match, `auth.allow[${i}]`)) };
  }
  if (auth.mode === 'certificate') {
    onlyKeys(auth, ['mode', 'clients', 'tokenUrl'], 'auth');
    if (!Array.isArray(auth.clients) || auth.clients.length === 0) {
      throw new ConfigError('auth.clients must list at least one {match, clientId, clientSecret|clientSecretEnv}');
    }
    const clients = auth.clients.map((client: unknown, i) => parseClient(client, `auth.clients[${i}]`));
    return { mode: 'certificate', clients, tokenUrl: str(auth, 'tokenUrl', 'auth') };
  }
  throw new ConfigError('auth.mode must be "bearer" or "certificate"');
}
