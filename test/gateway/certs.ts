// Test PKI generated in JavaScript (@peculiar/x509 over WebCrypto, ECDSA P-256): a CA standing for IGC-Santé, the
// gateway's server certificate for 127.0.0.1, and client certificates: a mapped one, an unmapped one of the same CA,
// one of another CA, an expired one, a revoked one with the CA's CRL listing it, and one with two CNs. Files are written to a temporary
// directory for the gateway's config.
// tsyringe, a dependency of @peculiar/x509, needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

x509.cryptoProvider.set(webcrypto as Crypto);

const ALG: EcKeyGenParams & EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 24 * 3600 * 1000;

export interface Pem {
  key: string;
  cert: string;
}

interface Issued extends Pem {
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

async function authority(name: string): Promise<Issued> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    keys,
    signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificate, keys, cert: certificate.toString('pem'), key: await keyPem(keys) };
}

async function issue(
  ca: Issued,
  subject: string,
  usage: 'server' | 'client',
  validity: { notBefore: Date; notAfter: Date } = {
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
  },
): Promise<Issued> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    new x509.ExtendedKeyUsageExtension(
      [usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
      false,
    ),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (usage === 'server') {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
    );
  }
  const certificate = await x509.X509CertificateGenerator.create({
    subject,
    issuer: ca.certificate.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    ...validity,
    extensions,
  });
  return { certificate, keys, cert: certificate.toString('pem'), key: await keyPem(keys) };
}

export interface TestPki {
  dir: string;
  /** Paths of the gateway's files. */
  files: { key: string; cert: string; ca: string };
  caPem: string;
  /** Mapped client: CN=agenda-editeur-1, OU=SAS. */
  good: Pem & { fingerprint256: string };
  /** Same CA, CN not in the mapping. */
  unmapped: Pem;
  /** Another CA. */
  foreign: Pem;
  /** Same CA and subject as `good`, expired yesterday. */
  expired: Pem;
  /** Same CA and subject as `good`, listed in `crlFile`. */
  revoked: Pem;
  /** Same CA, two CNs (`agenda-editeur-2` then the mapped `agenda-editeur-1`), OU=SAS: an ambiguous subject. */
  twoCns: Pem;
  /** The same two CNs in one multi-valued RDN (`CN=agenda-editeur-2+CN=agenda-editeur-1`). */
  twoCnsOneRdn: Pem;
  /** PEM CRL of the test CA (valid for a week), revoking `revoked` only. */
  crlFile: string;
}

export async function createTestPki(): Promise<TestPki> {
  const ca = await authority('CN=Test IGC-Sante AC Organisations, O=Test ANS, C=FR');
  const otherCa = await authority('CN=Another Authority, O=Elsewhere, C=FR');
  const server = await issue(ca, 'CN=127.0.0.1, O=sas-guard test', 'server');
  const good = await issue(ca, 'CN=agenda-editeur-1, OU=SAS, O=Editeur Un, C=FR', 'client');
  const unmapped = await issue(ca, 'CN=agenda-editeur-2, OU=Other, O=Editeur Deux, C=FR', 'client');
  const foreign = await issue(otherCa, 'CN=agenda-editeur-1, OU=SAS, O=Editeur Un, C=FR', 'client');
  const expired = await issue(ca, 'CN=agenda-editeur-1, OU=SAS, O=Editeur Un, C=FR', 'client', {
    notBefore: new Date(Date.now() - 10 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  const revoked = await issue(ca, 'CN=agenda-editeur-1, OU=SAS, O=Editeur Un, C=FR', 'client');
  const twoCns = await issue(ca, 'CN=agenda-editeur-2, CN=agenda-editeur-1, OU=SAS, O=Editeur Un, C=FR', 'client');
  const twoCnsOneRdn = await issue(ca, 'CN=agenda-editeur-2+CN=agenda-editeur-1, OU=SAS, O=Editeur Un, C=FR', 'client');
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.certificate.subject,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    thisUpdate: new Date(Date.now() - DAY),
    nextUpdate: new Date(Date.now() + 7 * DAY),
    entries: [{ serialNumber: revoked.certificate.serialNumber, revocationDate: new Date(Date.now() - 3600 * 1000) }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'sas-gateway-test-'));
  const files = { key: join(dir, 'server.key'), cert: join(dir, 'server.crt'), ca: join(dir, 'ca.crt') };
  writeFileSync(files.key, server.key);
  writeFileSync(files.cert, server.cert);
  writeFileSync(files.ca, ca.cert);
  const crlFile = join(dir, 'ca.crl.pem');
  // OpenSSL reads the `X509 CRL` label only (@peculiar/x509's own PEM says `CRL`).
  writeFileSync(crlFile, x509.PemConverter.encode(crl.rawData, 'X509 CRL'));
  const thumbprint = Buffer.from(await good.certificate.getThumbprint('SHA-256', webcrypto as Crypto));
  return {
    dir,
    files,
    caPem: ca.cert,
    good: { key: good.key, cert: good.cert, fingerprint256: thumbprint.toString('hex') },
    unmapped: { key: unmapped.key, cert: unmapped.cert },
    foreign: { key: foreign.key, cert: foreign.cert },
    expired: { key: expired.key, cert: expired.cert },
    revoked: { key: revoked.key, cert: revoked.cert },
    twoCns: { key: twoCns.key, cert: twoCns.cert },
    twoCnsOneRdn: { key: twoCnsOneRdn.key, cert: twoCnsOneRdn.cert },
    crlFile,
  };
}
