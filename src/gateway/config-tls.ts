// The `tls` section of the gateway's configuration (mTLS terminated by the gateway) and its revocation lists, read
// and checked at start.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Json } from './config-values.ts';
import { ConfigError, bool, section, str } from './config-values.ts';

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

export function parseTls(raw: Json, baseDir: string): TlsConfig | undefined {
  const tls = section(raw, 'tls', ['key', 'cert', 'ca', 'crl', 'rejectAtHandshake']);
  if (!tls) {
    return undefined;
  }
  const file = (key: string): string => resolve(baseDir, str(tls, key, 'tls', true));
  const crl = tls.crl;
  const crlPaths = typeof crl === 'string' ? [crl] : crl;
  if (
    crlPaths !== undefined &&
    !(Array.isArray(crlPaths) && crlPaths.length && crlPaths.every((p) => typeof p === 'string' && p !== ''))
  ) {
    throw new ConfigError('tls.crl must be a path or a non-empty list of paths to PEM CRL files');
  }
  return {
    key: file('key'),
    cert: file('cert'),
    ca: file('ca'),
    crl: (crlPaths as string[] | undefined)?.map((path) => resolve(baseDir, path)),
    rejectAtHandshake: bool(tls, 'rejectAtHandshake', 'tls'),
  };
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
