// The gateway's low-severity attack surface (issue 13): the TLS terminator's certificate header alone maps nothing
// (its verification verdict is required), plain HTTP binds to loopback unless told otherwise, an ambiguous subject
// (two CNs) is refused, forged forwarding and identity headers never reach Medplum, malformed request targets and
// messages Node cannot parse answer an OperationOutcome (never a 500, never a stack in the log, even before auth),
// and no secret appears in an answer or a log line.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import net from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/gateway/config.ts';
import { printableUrl } from '../../src/gateway/config-values.ts';
import type { RunningGateway } from '../../src/gateway/server.ts';
import { startGateway } from '../../src/gateway/server.ts';
import { appointmentWithIdentifier } from '../fixtures/appointments.ts';
import type { TestPki } from './certs.ts';
import { createTestPki } from './certs.ts';
import { issueTexts, request } from './helpers.ts';

const CLIENT_SECRET = 'the-client-secret-0f9e8d';
let pki: TestPki;
let upstreamUrl = '';
const seen: http.IncomingHttpHeaders[] = [];
let issued = 0;
const closers: (() => Promise<void>)[] = [];
let upstream: http.Server;

beforeAll(async () => {
  pki = await createTestPki();
  const sockets = new Set<Socket>();
  upstream = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/oauth2/token') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: `issued-access-token-${++issued}`, expires_in: 3600 }));
      return;
    }
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify({ resourceType: 'Appointment', id: 'a1', status: 'booked' }));
  });
  upstream.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
  closers.push(async () => {
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => upstream.close(resolve));
  });
});
afterAll(async () => {
  for (const close of closers.reverse()) {
    await close();
  }
  rmSync(pki.dir, { recursive: true, force: true });
});

async function gatewayOf(raw: Record<string, unknown>, lines: string[] = []): Promise<RunningGateway> {
  const gateway = await startGateway(parseConfig(raw), { log: (line) => lines.push(line) });
  closers.push(() => gateway.close());
  return gateway;
}

function terminated(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    plainHttp: true,
    clientCertHeader: 'X-SSL-Client-Cert',
    clientVerifyHeader: 'X-SSL-Client-Verify',
    upstream: { url: upstreamUrl },
    auth: {
      mode: 'certificate',
      clients: [{ match: { cn: 'agenda-editeur-1', ou: 'SAS' }, clientId: 'c1', clientSecret: CLIENT_SECRET }],
    },
    ...extra,
  };
}

/** Sends `raw` bytes on a new connection and returns everything the gateway answered before closing. */
async function raw(url: string, bytes: string): Promise<{ status: number; body: string; text: string }> {
  const target = new URL(url);
  const socket = net.connect(Number(target.port), target.hostname);
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.end(bytes);
  await once(socket, 'close');
  const text = Buffer.concat(chunks).toString('utf8');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { status, body: text.slice(text.indexOf('\r\n\r\n') + 4), text };
}

const cert = (pem: string): string => encodeURIComponent(pem);

describe('header mode (plainHttp + clientCertHeader) behind a TLS terminator', () => {
  test("the certificate header alone is refused: the terminator's SUCCESS verdict is required", async () => {
    const gateway = await gatewayOf(terminated());
    const put = (headers: Record<string, string>) =>
      request('PUT', `${gateway.baseUrl}/Appointment/a1`, { body: appointmentWithIdentifier('h'), headers });
    const before = seen.length;
    for (const verdict of [undefined, 'NONE', 'FAILED:certificate has expired', 'success ']) {
      const res = await put({
        'x-ssl-client-cert': cert(pki.good.cert),
        ...(verdict === undefined ? {} : { 'x-ssl-client-verify': verdict }),
      });
      expect(res.status, String(verdict)).toBe(401);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(issueTexts(res.body)[0]).toMatch(/not verified by the TLS terminator/);
    }
    expect(seen.length).toBe(before);
    const verified = await put({ 'x-ssl-client-cert': cert(pki.good.cert), 'x-ssl-client-verify': 'SUCCESS' });
    expect(verified.status).toBe(200);
    // Neither header reaches Medplum.
    expect(seen.at(-1)?.['x-ssl-client-cert']).toBeUndefined();
    expect(seen.at(-1)?.['x-ssl-client-verify']).toBeUndefined();
  });

  test('a configuration with clientCertHeader but no clientVerifyHeader is refused', () => {
    expect(() => parseConfig(terminated({ clientVerifyHeader: undefined }))).toThrow(/needs clientVerifyHeader/);
  });

  test('plainHttp on a non-loopback address is refused unless plainHttpOnNetwork says so', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'gateway.internal']) {
      expect(() => parseConfig(terminated({ listen: { host, port: 0 } })), host).toThrow(/not a loopback address/);
      expect(parseConfig(terminated({ listen: { host, port: 0 }, plainHttpOnNetwork: true })).listen.host).toBe(host);
    }
    for (const host of ['127.0.0.1', '127.0.0.53', '::1', 'localhost']) {
      expect(parseConfig(terminated({ listen: { host, port: 0 } })).listen.host).toBe(host);
    }
  });

  test('unknown configuration keys are refused (a misspelt security setting is never ignored)', () => {
    expect(() => parseConfig(terminated({ clientVerifyHeadr: 'X' }))).toThrow(
      /unknown key "clientVerifyHeadr" \(did you mean "clientVerifyHeader"\?\)/,
    );
    expect(() => parseConfig(terminated({ limits: { perClient: { inflight: 3 } } }))).toThrow(
      /unknown key "limits.perClient.inflight" \(did you mean "limits.perClient.inFlight"\?\)/,
    );
  });
});

describe('ambiguous subjects', () => {
  test('a certificate with two CNs is refused (403), over mTLS and in header mode; nothing reaches Medplum', async () => {
    const mtls = await gatewayOf({
      ...terminated(),
      plainHttp: undefined,
      clientCertHeader: undefined,
      clientVerifyHeader: undefined,
      tls: pki.files,
    });
    const viaHeader = await gatewayOf(terminated());
    const before = seen.length;
    const overTls = await request('GET', `${mtls.baseUrl}/Appointment/a1`, { client: pki.twoCns, ca: pki.caPem });
    const overHeader = await request('GET', `${viaHeader.baseUrl}/Appointment/a1`, {
      headers: { 'x-ssl-client-cert': cert(pki.twoCns.cert), 'x-ssl-client-verify': 'SUCCESS' },
    });
    const oneRdn = await request('GET', `${mtls.baseUrl}/Appointment/a1`, { client: pki.twoCnsOneRdn, ca: pki.caPem });
    for (const res of [overTls, overHeader, oneRdn]) {
      expect(res.status).toBe(403);
      expect(issueTexts(res.body)[0]).toBe(
        "The client certificate's subject is ambiguous (2 CNs: CN=agenda-editeur-2, CN=agenda-editeur-1, OU=SAS)",
      );
    }
    expect(seen.length).toBe(before);
    expect(mtls.tokens.requests + viaHeader.tokens.requests).toBe(0);
  });
});

describe('forwarding and identity headers', () => {
  test("a client's X-Forwarded-*, Forwarded, X-Real-IP, X-Sas-Guard-Author, X-Medplum-On-Behalf-Of are dropped", async () => {
    const gateway = await gatewayOf({
      listen: { host: '127.0.0.1', port: 0 },
      plainHttp: true,
      publicUrl: 'https://sas.example.org/',
      upstream: { url: upstreamUrl },
      passthrough: 'all',
      auth: { mode: 'bearer' },
    });
    const res = await request('GET', `${gateway.listening}fhir/R4/Appointment/a1`, {
      headers: {
        authorization: 'Bearer client-token',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-proto': 'gopher',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-prefix': '/evil',
        forwarded: 'for=6.6.6.6;host=evil.example',
        'x-real-ip': '6.6.6.6',
        'x-sas-guard-author': 'ClientApplication/someone-else',
        'x-medplum-on-behalf-of': 'ProjectMembership/someone-else',
      },
    });
    expect(res.status).toBe(200);
    const sent = seen.at(-1) ?? {};
    expect(sent['x-forwarded-for']).toBe('127.0.0.1');
    expect(sent['x-forwarded-proto']).toBe('https');
    expect(sent['x-forwarded-host']).toBe('sas.example.org');
    for (const name of [
      'x-forwarded-prefix',
      'forwarded',
      'x-real-ip',
      'x-sas-guard-author',
      'x-medplum-on-behalf-of',
    ]) {
      expect(sent[name], name).toBeUndefined();
    }
    expect(sent.authorization).toBe('Bearer client-token');
  });
});

describe('what Node or the URL parser cannot read', () => {
  test.each([
    ['GET http://[ HTTP/1.1'],
    ['GET http://%zz/ HTTP/1.1'],
    ['GET http://127.0.0.1:99999/fhir/R4/Appointment HTTP/1.1'],
    ['OPTIONS * HTTP/1.1'],
    ['GET ftp://example.org/fhir/R4/Appointment HTTP/1.1'],
  ])('%s → 400 OperationOutcome, before authentication, no stack in the log', async (line) => {
    const lines: string[] = [];
    const gateway = await gatewayOf(terminated(), lines); // certificate mode: without one, anything else is a 401
    const res = await raw(gateway.listening, `${line}\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'structure' }] });
    expect(res.text).toMatch(/content-type: application\/fhir\+json/i);
    expect(lines.join('\n')).not.toMatch(/\n\s+at |internal error|TypeError/);
  });

  test("Node's own refusals carry an OperationOutcome: headers too large (431), a bad request line (400)", async () => {
    const lines: string[] = [];
    const gateway = await gatewayOf(terminated(), lines);
    const large = await raw(
      gateway.listening,
      `GET /fhir/R4/Appointment HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(large.status).toBe(431);
    expect(JSON.parse(large.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly' }] });
    const garbage = await raw(gateway.listening, 'THIS IS NOT HTTP\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'structure' }],
    });
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/431 client error \(HPE_HEADER_OVERFLOW\)/)]));
  });
});

describe('no secret in an answer or a log line', () => {
  test("certificate mode: the client secret and Medplum's tokens appear in no log line and no answer", async () => {
    const lines: string[] = [];
    const gateway = await gatewayOf(terminated({ passthrough: 'all' }), lines);
    const headers = { 'x-ssl-client-cert': cert(pki.good.cert), 'x-ssl-client-verify': 'SUCCESS' };
    const answers = [
      await request(
        'GET',
        `${gateway.baseUrl}/Appointment/a1?access_token=from-the-query&client_secret=${CLIENT_SECRET}`,
        { headers },
      ),
      // Where the mapped client's credentials would act for the caller (its own secret is in /auth/me): refused.
      await request('GET', `${gateway.url}auth/me`, { headers }),
      await request('POST', `${gateway.url}oauth2/token`, { headers, body: 'grant_type=client_credentials' }),
      await request('GET', `${gateway.url}admin/projects/p`, { headers }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 403, 403, 403]);
    const everything = lines.join('\n') + answers.map((a) => a.text).join('\n');
    expect(everything).not.toContain(CLIENT_SECRET);
    expect(everything).not.toMatch(/issued-access-token/);
    expect(everything).not.toContain('from-the-query');
    expect(lines[0]).toContain('access_token=<redacted>&client_secret=<redacted>');
  });

  test('credentials in an upstream URL are masked where it is printed', () => {
    expect(printableUrl('https://admin:pa55word@medplum.internal/')).toBe('https://%3Credacted%3E@medplum.internal/');
    expect(() => parseConfig({ ...terminated(), upstream: { url: 'http://admin:pa55word@[bad/' } })).toThrow(
      /^upstream\.url is not a URL: http:\/\/<redacted>@\[bad\/$/,
    );
  });
});
