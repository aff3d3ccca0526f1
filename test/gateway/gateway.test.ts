// The SAS gateway over real HTTPS with mutual TLS, in front of the embedded host in --medplum-only mode (what a plain
// Medplum server with sas-guard deployed answers): the SAS flow of the spec page, certificates, route policy, limits,
// upstream failures, bearer passthrough, token cache and refresh.
import type { Server } from 'node:http';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import { TokenCache } from '../../src/gateway/auth.ts';
import { parseConfig } from '../../src/gateway/config.ts';
import { ConfigError } from '../../src/gateway/config-values.ts';
import { runGateway } from '../../src/gateway/main.ts';
import type { RunningGateway } from '../../src/gateway/server.ts';
import { startGateway } from '../../src/gateway/server.ts';
import {
  APPOINTMENT_SYSTEM,
  APPOINTMENT_VALUE,
  appointmentWithIdentifier,
  pageCreateBody,
  specRefusedBody,
} from '../fixtures/appointments.ts';
import type { Pem, TestPki } from './certs.ts';
import { createTestPki } from './certs.ts';
import { issueTexts, request } from './helpers.ts';

const UPSTREAM_TOKEN = 'upstream-token-for-tests';
const quiet = (): void => undefined;

let pki: TestPki;
let upstream: RunningHost;
let gateway: RunningGateway;
const closers: (() => Promise<void>)[] = [];

function plainConfig(upstreamUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    plainHttp: true,
    upstream: { url: upstreamUrl },
    passthrough: 'all',
    auth: { mode: 'bearer' },
    ...extra,
  };
}

async function gatewayOf(raw: Record<string, unknown>): Promise<RunningGateway> {
  const running = await startGateway(parseConfig(raw), { log: quiet });
  closers.push(() => running.close());
  return running;
}

/** A loopback HTTP server for the failure cases; its open sockets are destroyed on close. */
async function stubServer(handler: http.RequestListener): Promise<{ url: string; server: Server }> {
  const sockets = new Set<Socket>();
  const server = http.createServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

beforeAll(async () => {
  pki = await createTestPki();
  // The gateway logs in as client c1 (client credentials): the upstream's project admin client.
  upstream = await start({
    port: 0,
    sasLayer: false,
    token: UPSTREAM_TOKEN,
    adminClient: { id: 'c1', secret: 's1' },
    log: quiet,
  });
  gateway = await startGateway(
    parseConfig({
      listen: { host: '127.0.0.1', port: 0 },
      tls: pki.files,
      upstream: { url: upstream.url },
      timeouts: { connectMs: 2_000, responseMs: 10_000 },
      limits: { requestBodyBytes: 256 * 1024 },
      auth: {
        mode: 'certificate',
        clients: [
          { name: 'editeur 1', match: { cn: 'agenda-editeur-1', ou: 'SAS' }, clientId: 'c1', clientSecret: 's1' },
        ],
      },
    }),
    { log: quiet },
  );
});

afterAll(async () => {
  for (const close of closers.reverse()) {
    await close();
  }
  await gateway?.close();
  await upstream?.close();
  if (pki) {
    rmSync(pki.dir, { recursive: true, force: true });
  }
});

const viaGateway = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  request(method, gateway.baseUrl + path, { body, headers, client: pki.good, ca: pki.caPem });

const spec = (token: string): string => `/Appointment?Identifier=${encodeURIComponent(token)}`;

describe('the SAS flow of the "Mise à jour de rendez-vous" page, through the gateway', () => {
  test('the upstream alone refuses the spec request (the reason the gateway exists)', async () => {
    const res = await request('PUT', upstream.baseUrl + spec(`${APPOINTMENT_SYSTEM}|${APPOINTMENT_VALUE}`), {
      body: pageCreateBody(),
      headers: { authorization: `Bearer ${UPSTREAM_TOKEN}` },
    });
    expect(res.status).toBe(400);
    expect(issueTexts(res.body)).toEqual(['Unknown search parameter: Identifier']);
  });

  test('create, retry, update with ?Identifier=, body id "1", application/json+fhir: 201/200 + Location; refused: 422', async () => {
    const headers = { 'content-type': 'application/json+fhir', accept: 'application/json+fhir' };
    const created = await viaGateway(
      'PUT',
      spec(`${APPOINTMENT_SYSTEM}|${APPOINTMENT_VALUE}`),
      pageCreateBody(),
      headers,
    );
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(id).toBeTruthy();
    expect(id).not.toBe('1');
    expect(created.headers.location).toBe(`${gateway.baseUrl}/Appointment/${id}`);

    // H7: the identical re-send, with the bare value (no system|), answers 200 with Location (H1).
    const retry = await viaGateway('PUT', spec(APPOINTMENT_VALUE), pageCreateBody(), headers);
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(id);
    expect(retry.headers.location).toBe(`${gateway.baseUrl}/Appointment/${id}`);

    const cancelled = await viaGateway(
      'PUT',
      spec(`${APPOINTMENT_SYSTEM}|${APPOINTMENT_VALUE}`),
      { ...pageCreateBody(), status: 'cancelled' },
      headers,
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.headers.location).toBe(`${gateway.baseUrl}/Appointment/${id}`);
    expect(cancelled.headers.etag).not.toBe(retry.headers.etag);

    // The page's own update example (participant "refused"): the deployed bot's 422, through the gateway; H6.
    const refused = await viaGateway(
      'PUT',
      spec(`${APPOINTMENT_SYSTEM}|${APPOINTMENT_VALUE}`),
      specRefusedBody(),
      headers,
    );
    expect(refused.status).toBe(422);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(refused.text).toContain('ST-2');
    const stored = await viaGateway('GET', `/Appointment/${id}`);
    expect(stored.status).toBe(200);
    expect(stored.headers.etag).toBe(cancelled.headers.etag);

    // One token for all of it (client_credentials on <upstream>/oauth2/token, cached).
    expect(gateway.tokens.requests).toBe(1);
  });

  test('ID-4: a body identifier other than the URL one is 422 from the SAS layer', async () => {
    const res = await viaGateway('PUT', spec(`${APPOINTMENT_SYSTEM}|another`), appointmentWithIdentifier('x-id4'));
    expect(res.status).toBe(422);
    expect(res.text).toContain('ID-4');
  });

  test('_format=xml is 415 with an OperationOutcome; a body over the limit is 413', async () => {
    const xml = await viaGateway('PUT', spec('v') + '&_format=xml', appointmentWithIdentifier('v'));
    expect(xml.status).toBe(415);
    expect(xml.body.resourceType).toBe('OperationOutcome');
    const big = await viaGateway('PUT', spec('big'), {
      ...appointmentWithIdentifier('big'),
      comment: 'x'.repeat(300_000),
    });
    expect(big.status).toBe(413);
    expect(big.body.resourceType).toBe('OperationOutcome');
  });
});

describe('client certificates (mTLS)', () => {
  test.each([
    ['no certificate', undefined, 401, /certificate is required/],
    ['a certificate of another CA', 'foreign', 401, /not accepted/],
    ['an expired certificate', 'expired', 401, /CERT_HAS_EXPIRED/],
    ['a valid certificate mapped to no client', 'unmapped', 403, /CN=agenda-editeur-2, OU=Other is not mapped/],
  ] as const)('%s → %i with an OperationOutcome', async (_name, which, status, message) => {
    const before = gateway.tokens.requests;
    const res = await request('PUT', gateway.baseUrl + spec('cert-test'), {
      body: appointmentWithIdentifier('cert-test'),
      client: which ? pki[which] : undefined,
      ca: pki.caPem,
    });
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toContain('application/fhir+json');
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(issueTexts(res.body)[0]).toMatch(message);
    expect(gateway.tokens.requests).toBe(before);
  });

  test('the refuse policy: the Medplum admin API and other resources are 403', async () => {
    const admin = await request('GET', gateway.url + 'admin/projects/x', { client: pki.good, ca: pki.caPem });
    expect(admin.status).toBe(403);
    expect(admin.body.resourceType).toBe('OperationOutcome');
    const patient = await viaGateway('GET', '/Patient');
    expect(patient.status).toBe(403);
  });
});

describe('certificate revocation lists (tls.crl)', () => {
  test('a revoked client certificate is 401 with an OperationOutcome and nothing reaches the upstream', async () => {
    const seen: string[] = [];
    const stub = await stubServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
      req.resume();
      res.writeHead(201, { 'content-type': 'application/fhir+json', location: 'Appointment/a1' });
      res.end(JSON.stringify({ resourceType: 'Appointment', id: 'a1' }));
    });
    const guarded = await gatewayOf({
      listen: { host: '127.0.0.1', port: 0 },
      tls: { ...pki.files, crl: pki.crlFile },
      upstream: { url: stub.url },
      auth: { mode: 'bearer' },
    });
    const put = (client: Pem) =>
      request('PUT', guarded.baseUrl + spec('crl-test'), {
        body: appointmentWithIdentifier('crl-test'),
        headers: { authorization: 'Bearer client-token' },
        client,
        ca: pki.caPem,
      });

    const revoked = await put(pki.revoked);
    expect(revoked.status).toBe(401);
    expect(revoked.headers['content-type']).toContain('application/fhir+json');
    expect(revoked.body.resourceType).toBe('OperationOutcome');
    expect(issueTexts(revoked.body)).toEqual([
      'The client certificate is revoked by its certification authority (CERT_REVOKED)',
    ]);
    expect(seen).toEqual([]);

    const good = await put(pki.good);
    expect(good.status).toBe(201);
    expect(seen).toEqual(['PUT /fhir/R4/Appointment?identifier=crl-test']);
  });

  test('the same certificate passes a gateway without the CRL (the CRL is what refuses it)', async () => {
    const res = await request('PUT', gateway.baseUrl + spec('crl-contrast'), {
      body: appointmentWithIdentifier('crl-contrast'),
      client: pki.revoked,
      ca: pki.caPem,
    });
    expect(res.status).toBe(201);
  });

  test('an unreadable CRL file stops the gateway at start with one line naming it', async () => {
    const configFile = join(pki.dir, 'gateway-crl.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        listen: { host: '127.0.0.1', port: 0 },
        tls: { ...pki.files, crl: [pki.crlFile, 'missing.crl.pem'] },
        upstream: { url: 'http://127.0.0.1:1/' },
      }),
    );
    const error = vi.spyOn(console, 'error').mockImplementation(quiet);
    expect(await runGateway(['--config', configFile])).toBe(1);
    expect(error.mock.calls).toEqual([
      [`sas-guard gateway: tls.crl: cannot read ${join(pki.dir, 'missing.crl.pem')} (ENOENT)`],
    ]);
    error.mockRestore();

    const notCrl = parseConfig({
      ...plainConfig('http://127.0.0.1:1/'),
      plainHttp: undefined,
      tls: { ...pki.files, crl: pki.files.ca },
    });
    await expect(startGateway(notCrl, { log: quiet })).rejects.toThrow(/^tls\.crl: .*ca\.crt holds no PEM CRL/);
  });
});

describe('bearer passthrough over plain HTTP (behind a TLS terminator)', () => {
  test("the client's token goes to Medplum: none → Medplum's 401, valid → 201; other paths pass through", async () => {
    const plain = await gatewayOf(plainConfig(upstream.url));
    const path = `${plain.baseUrl}/Appointment?Identifier=${encodeURIComponent(`${APPOINTMENT_SYSTEM}|bearer-1`)}`;
    const anonymous = await request('PUT', path, { body: appointmentWithIdentifier('bearer-1') });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.resourceType).toBe('OperationOutcome');
    const authorised = await request('PUT', path, {
      body: { ...appointmentWithIdentifier('bearer-1'), id: '1' },
      headers: { authorization: `Bearer ${UPSTREAM_TOKEN}` },
    });
    expect(authorised.status).toBe(201);
    expect(authorised.headers.location).toBe(`${plain.baseUrl}/Appointment/${authorised.body.id}`);
    const health = await request('GET', plain.url + 'healthcheck');
    expect(health.status).toBe(200);
    expect(health.body.ok).toBe(true);
  });
});

describe('upstream failures', () => {
  test('upstream down → 502 with an OperationOutcome', async () => {
    const closed = await stubServer(() => undefined);
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const down = await gatewayOf(plainConfig(closed.url));
    const res = await request('PUT', down.baseUrl + spec('down'), { body: appointmentWithIdentifier('down') });
    expect(res.status).toBe(502);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(issueTexts(res.body)[0]).toMatch(/unreachable \(ECONNREFUSED\)/);
  });

  test('upstream slow → 504 within the configured time', async () => {
    const slow = await stubServer(() => undefined); // accepts, never answers
    const gw = await gatewayOf(plainConfig(slow.url, { timeouts: { responseMs: 300 } }));
    const started = Date.now();
    const res = await request('PUT', gw.baseUrl + spec('slow'), { body: appointmentWithIdentifier('slow') });
    expect(res.status).toBe(504);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(issueTexts(res.body)[0]).toMatch(/did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test('a non-FHIR error body from the upstream becomes an OperationOutcome (H4)', async () => {
    const html = await stubServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html>maintenance</html>');
    });
    const gw = await gatewayOf(plainConfig(html.url));
    const res = await request('PUT', gw.baseUrl + spec('html'), { body: appointmentWithIdentifier('html') });
    expect(res.status).toBe(503);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});

describe('certificate → client credentials', () => {
  test('behind a TLS terminator: the certificate header maps the client; a revoked token is refreshed once', async () => {
    let issued = 0;
    const seen: string[] = [];
    const stub = await stubServer((req, res) => {
      if (req.url === '/oauth2/token') {
        let form = '';
        req.on('data', (chunk: Buffer) => (form += chunk.toString()));
        req.on('end', () => {
          const params = new URLSearchParams(form);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              access_token: `${params.get('client_id')}:${params.get('client_secret')}:${++issued}`,
              expires_in: 3600,
            }),
          );
        });
        return;
      }
      seen.push(req.headers.authorization ?? '');
      req.resume();
      // Only the latest token is valid: the first one was "revoked".
      const ok = req.headers.authorization === `Bearer c1:from-env:${issued}` && issued > 1;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/fhir+json' });
      res.end(
        JSON.stringify(
          ok
            ? { resourceType: 'Appointment', id: 'abc', status: 'booked' }
            : { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] },
        ),
      );
    });
    const gw = await startGateway(
      parseConfig(
        plainConfig(stub.url, {
          clientCertHeader: 'X-SSL-Client-Cert',
          clientVerifyHeader: 'X-SSL-Client-Verify',
          auth: {
            mode: 'certificate',
            clients: [
              { match: { fingerprint256: pki.good.fingerprint256 }, clientId: 'c1', clientSecretEnv: 'C1_SECRET' },
            ],
          },
        }),
      ),
      { log: quiet, env: { C1_SECRET: 'from-env' } },
    );
    closers.push(() => gw.close());
    const header = { 'x-ssl-client-cert': encodeURIComponent(pki.good.cert), 'x-ssl-client-verify': 'SUCCESS' };
    const res = await request('PUT', gw.baseUrl + '/Appointment/abc', {
      body: { resourceType: 'Appointment', id: 'abc', status: 'booked' },
      headers: { ...header, authorization: 'Bearer client-supplied' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.location).toBe(`${gw.baseUrl}/Appointment/abc`);
    expect(seen).toEqual(['Bearer c1:from-env:1', 'Bearer c1:from-env:2']);
    expect(gw.tokens.requests).toBe(2);

    const missing = await request('GET', gw.baseUrl + '/Appointment/abc');
    expect(missing.status).toBe(401);
    const other = await request('GET', gw.baseUrl + '/Appointment/abc', {
      headers: { 'x-ssl-client-cert': encodeURIComponent(pki.unmapped.cert), 'x-ssl-client-verify': 'SUCCESS' },
    });
    expect(other.status).toBe(403);
  });

  test('the token cache: one request in flight per client, refreshed before expiry, forgotten on 401', async () => {
    let now = 0;
    let calls = 0;
    const cache = new TokenCache(
      async (form) => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { status: 200, json: { access_token: `${form.get('client_id')}-${calls}`, expires_in: 100 } };
      },
      () => now,
    );
    const [a, b] = await Promise.all([cache.token('c', 's'), cache.token('c', 's')]);
    expect([a, b, calls]).toEqual(['c-1', 'c-1', 1]);
    now = 85_000; // before 90 % of 100 s
    expect(await cache.token('c', 's')).toBe('c-1');
    now = 91_000;
    expect(await cache.token('c', 's')).toBe('c-2');
    cache.invalidate('c', 'c-2');
    expect(await cache.token('c', 's')).toBe('c-3');
    const refused = new TokenCache(() => Promise.resolve({ status: 401, json: { error: 'invalid_client' } }));
    await expect(refused.token('c', 's')).rejects.toThrow(/refused client c \(invalid_client\)/);
  });
});

describe('configuration', () => {
  test.each([
    ['tls and plainHttp together', { tls: { key: 'k', cert: 'c', ca: 'a' }, plainHttp: true }, /both set/],
    ['neither tls nor plainHttp', { plainHttp: undefined }, /no tls section/],
    [
      'certificate mapping without any certificate source',
      { auth: { mode: 'certificate', clients: [{ match: { cn: 'x' }, clientId: 'a', clientSecret: 'b' }] } },
      /needs tls/,
    ],
    ['a match on nothing', { auth: { mode: 'bearer', allow: [{}] } }, /matches every certificate/],
    ['an unknown passthrough', { passthrough: 'some' }, /passthrough/],
    [
      'an empty tls.crl list',
      { plainHttp: undefined, tls: { key: 'k', cert: 'c', ca: 'a', crl: [] } },
      /tls.crl must be a path or a non-empty list/,
    ],
  ])('%s is refused', (_name, override, message) => {
    expect(() => parseConfig(plainConfig('http://127.0.0.1:1/', override))).toThrow(ConfigError);
    expect(() => parseConfig(plainConfig('http://127.0.0.1:1/', override))).toThrow(message);
  });

  test('defaults, and the CLI help', async () => {
    const config = parseConfig(plainConfig('http://127.0.0.1:1/', { passthrough: undefined }));
    expect(config.passthrough).toBe('refuse');
    expect(config.limits.requestBodyBytes).toBe(1024 * 1024);
    expect(config.fhirBasePath).toBe('/fhir/R4');
    const log = vi.spyOn(console, 'log').mockImplementation(quiet);
    const error = vi.spyOn(console, 'error').mockImplementation(quiet);
    expect(await runGateway(['--help'])).toBe(0);
    expect(await runGateway(['--bogus'])).toBe(2);
    // One line naming the option and the help, not the whole usage.
    expect(error.mock.calls.map(([line]) => String(line))).toEqual([
      'sas-guard gateway: unknown option --bogus — see sas-guard gateway --help',
    ]);
    log.mockRestore();
    error.mockRestore();
  });
});
