// Who is calling: the verified client certificate (from the TLS socket, or from a TLS terminator's headers: the
// certificate and the terminator's verification verdict, both required), the client it maps to, the name logs use,
// and the identity fairness limits are counted against. Refusals are OperationOutcomes (401 unverified, 403 refused).
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { GenericResponse } from '../http/types.ts';
import type { CertificateIdentity } from './auth.ts';
import { certificateFromHeader, findClient, identityOf, matches } from './auth.ts';
import type { CertificateClient } from './config-auth.ts';
import type { GatewayConfig } from './config.ts';
import { clientKey } from './fairness.ts';
import { outcome } from './respond.ts';

export interface Caller {
  identity?: CertificateIdentity;
  /** The mapped client application (certificate mode). */
  client?: CertificateClient;
  /** For logs: the client's name, or the certificate subject, or `-`. */
  who: string;
  /** The identity fairness limits are counted against. */
  key: string;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The verified client certificate, undefined when there is none (and none is needed), or the refusal. */
function certificateOf(req: IncomingMessage, config: GatewayConfig): X509Certificate | GenericResponse | undefined {
  const auth = config.auth;
  const needed = auth.mode === 'certificate' || (auth.mode === 'bearer' && (auth.allow?.length ?? 0) > 0);
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
        return outcome(401, 'The client certificate is revoked by its certification authority (CERT_REVOKED)', 'login');
      }
      return outcome(401, `The client certificate is not accepted: ${reason}`, 'login');
    }
    return cert;
  }
  if (config.clientCertHeader && config.clientVerifyHeader) {
    const pem = headerValue(req, config.clientCertHeader);
    if (!pem) {
      return needed ? outcome(401, 'A client certificate is required (mutual TLS)', 'login') : undefined;
    }
    // The terminator passes any certificate the client showed; only its verdict says it chains to the CA and is valid.
    const verdict = headerValue(req, config.clientVerifyHeader);
    if (verdict !== config.clientVerifyValue) {
      return outcome(401, 'The client certificate was not verified by the TLS terminator', 'login');
    }
    const cert = certificateFromHeader(pem);
    if (!cert) {
      return outcome(401, 'The client certificate passed by the TLS terminator cannot be read', 'login');
    }
    return cert;
  }
  return undefined;
}

export function identifyCaller(req: IncomingMessage, config: GatewayConfig): Caller | GenericResponse {
  const cert = certificateOf(req, config);
  if (cert && !(cert instanceof X509Certificate)) {
    return cert;
  }
  const identity = cert ? identityOf(cert) : undefined;
  if (identity && identity.cns.length > 1) {
    return outcome(
      403,
      `The client certificate's subject is ambiguous (${identity.cns.length} CNs: ${identity.subject})`,
      'forbidden',
    );
  }
  const auth = config.auth;
  let client: CertificateClient | undefined;
  if (auth.mode === 'certificate') {
    client = identity && findClient(identity, auth.clients);
    if (!client) {
      return outcome(403, `The client certificate ${identity?.subject ?? ''} is not mapped to any client`, 'forbidden');
    }
  } else if (auth.allow?.length && !(identity && auth.allow.some((match) => matches(identity, match)))) {
    return outcome(403, `The client certificate ${identity?.subject ?? ''} is not allowed`, 'forbidden');
  }
  return {
    identity,
    client,
    who: client ? (client.name ?? client.clientId) : (identity?.subject ?? '-'),
    key: clientKey({
      clientId: client?.clientId,
      certificateFingerprint: identity?.fingerprint256,
      // In certificate mode the client's own Authorization is never used (the gateway sends the mapped client's).
      authorization: client ? undefined : headerValue(req, 'authorization'),
      remoteAddress: req.socket.remoteAddress,
    }),
  };
}

export function isCaller(value: Caller | GenericResponse): value is Caller {
  return 'key' in value;
}
