// The gateway's SAS contract on recorded evidence (issue 12): an upstream stub replays what a real Medplum 5.0.10
// answered (test/fixtures/medplum-5.0.10/: status, headers in their order and case, the body bytes re-encoded with the
// recorded Content-Encoding, chunked as recorded; Location naming Medplum's own baseUrl :8203), and every real client
// (fetch, undici, node:http with gzip, deflate, br or nothing, fhir-kit-client, MedplumClient) gets from the gateway:
// Location (public base) on the 201 and on the 200, the 422 with every recorded issue, a body it can decode, a true
// Content-Encoding and Content-Length. Whatever the upstream's coding: identity, br, gzip, deflate.
import type { Appointment, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/gateway/config.ts';
import type { RunningGateway } from '../../src/gateway/server.ts';
import { startGateway } from '../../src/gateway/server.ts';
import { CLIENTS, closeClients } from './clients.ts';
import type { RecordedMessage, ReplayServer } from '../contract/replay.ts';
import { recording, reencoded, replayServer } from '../contract/replay.ts';

let stub: ReplayServer;
let gateway: RunningGateway;
const TOKEN = 'Bearer client-token';

beforeAll(async () => {
  stub = await replayServer();
  gateway = await startGateway(
    parseConfig({
      listen: { host: '127.0.0.1', port: 0 },
      plainHttp: true,
      upstream: { url: stub.url },
      auth: { mode: 'bearer' },
    }),
    { log: () => undefined },
  );
});
afterAll(async () => {
  await gateway?.close();
  await stub?.close();
  await closeClients();
});

/** The client's request of a recorded gateway-upstream exchange, sent to this gateway. */
function clientRequest(file: string): { url: string; headers: Record<string, string>; body: unknown } {
  const { request } = recording(`gateway-upstream/${file}`);
  const headers = Object.fromEntries(
    Object.entries(request.headers)
      .filter(([name]) => !['authorization', 'accept-encoding'].includes(name.toLowerCase()))
      .map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
  return {
    url: gateway.url + (request.path ?? '').slice(1),
    headers: { ...headers, authorization: TOKEN },
    body: request.body,
  };
}

function idOf(response: RecordedMessage): string {
  return (response.body as { id: string }).id;
}

/** The recorded response as recorded, and as Medplum answers a client offering only gzip or only deflate. */
function variants(file: string): [string, RecordedMessage][] {
  const { response } = recording(file);
  const list: [string, RecordedMessage][] = [[`as recorded (${response.rawEncoding ?? 'identity'})`, response]];
  if (response.rawEncoding === 'br') {
    list.push(['gzip', reencoded(response, 'gzip')], ['deflate', reencoded(response, 'deflate')]);
  }
  return list;
}

const cases = CLIENTS.flatMap((client) => [client]).map((client) => [client.name, client] as const);

describe.each(cases)('%s', (_name, client) => {
  test('conditional create (gateway-upstream 002, 005): 201, Location on the public base, the Appointment', async () => {
    for (const file of [
      'gateway-upstream/002-PUT-fhir-R4-Appointment.json',
      'gateway-upstream/005-PUT-fhir-R4-Appointment.json',
    ]) {
      for (const [variant, response] of variants(file)) {
        stub.answer(() => response);
        const { url, headers, body } = clientRequest('client-04-PUT.json');
        const res = await client.send('PUT', url, { headers, body });
        expect(res.status, variant).toBe(201);
        expect(res.headers.location, variant).toBe(`${gateway.baseUrl}/Appointment/${idOf(response)}`);
        expect((res.body as Appointment).id, variant).toBe(idOf(response));
        expect(res.headers['content-type'], variant).toContain('application/fhir+json');
      }
    }
  });

  test('identical retry and cancellation (003, 004, 006, 007): 200 with Location', async () => {
    for (const [clientFile, upstreamFiles] of [
      ['client-05-PUT.json', ['003', '006']],
      ['client-06-PUT.json', ['004', '007']],
    ] as const) {
      for (const number of upstreamFiles) {
        for (const [variant, response] of variants(`gateway-upstream/${number}-PUT-fhir-R4-Appointment.json`)) {
          expect(response.headers.Location ?? response.headers.location).toBeUndefined(); // Medplum: none on 200
          stub.answer(() => response);
          const { url, headers, body } = clientRequest(clientFile);
          const res = await client.send('PUT', url, { headers, body });
          expect(res.status, `${number} ${variant}`).toBe(200);
          expect(res.headers.location, `${number} ${variant}`).toBe(`${gateway.baseUrl}/Appointment/${idOf(response)}`);
          expect((res.body as Appointment).status).toBe((response.body as Appointment).status);
        }
      }
    }
  });

  test('a refused participant (008, 009): 422 with every recorded issue', async () => {
    for (const number of ['008', '009']) {
      for (const [variant, response] of variants(`gateway-upstream/${number}-PUT-fhir-R4-Appointment.json`)) {
        stub.answer(() => response);
        const { url, headers, body } = clientRequest('client-08-PUT.json');
        const res = await client.send('PUT', url, { headers, body });
        expect(res.status, variant).toBe(422);
        const recorded = response.body as OperationOutcome;
        expect(recorded.issue.length).toBeGreaterThan(1);
        expect((res.body as OperationOutcome).issue, `${number} ${variant}`).toEqual(recorded.issue);
      }
    }
  });

  test('a search (010), streamed: the Bundle decodes whatever the upstream coding', async () => {
    for (const [variant, response] of variants('gateway-upstream/010-GET-fhir-R4-Appointment.json')) {
      stub.answer(() => response);
      const { url } = clientRequest('client-09-GET.json');
      const res = await client.send('GET', url, { headers: { authorization: TOKEN } });
      expect(res.status, variant).toBe(200);
      expect(res.body, variant).toEqual(response.body);
    }
  });

  test('reads recorded with gzip (sas-flow 106) and deflate (107): decoded for a client that cannot read them', async () => {
    for (const file of [
      'sas-flow/106-GET-fhir-R4-Appointment-18ca80e9-621d-478e-b8e0-3a04cdecc60b.json',
      'sas-flow/107-GET-fhir-R4-Appointment-18ca80e9-621d-478e-b8e0-3a04cdecc60b.json',
    ]) {
      const { request, response } = recording(file);
      stub.answer(() => response);
      const res = await client.send('GET', gateway.url + (request.path ?? '').slice(1), {
        headers: { authorization: TOKEN },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(response.body);
      expect(res.headers.etag).toBe(response.headers.ETag);
    }
  });

  test('Prefer: return=minimal (sas-flow 066): the 200 keeps its Location and has no body', async () => {
    // The stub answers as Medplum did: minimal → no body (066); otherwise the resource (018).
    const minimal = recording('sas-flow/066-PUT-fhir-R4-Appointment.json');
    const full = recording('sas-flow/018-PUT-fhir-R4-Appointment.json');
    stub.answer((req) => (req.headers.prefer === 'return=minimal' ? minimal.response : full.response));
    const { url, headers, body } = clientRequest('client-05-PUT.json');
    const res = await client.send('PUT', url, { headers: { ...headers, prefer: 'return=minimal' }, body });
    expect(res.status).toBe(200);
    expect(res.headers.location).toBe(`${gateway.baseUrl}/Appointment/${idOf(full.response)}`);
    expect(res.body).toBeUndefined();
    expect(stub.received.at(-1)?.headers.prefer).toBe('return=representation');
  });

  test('Content-Type application/json+fhir (sas-flow 047 is what Medplum answers to it): 201', async () => {
    const refused = recording('sas-flow/047-PUT-fhir-R4-Appointment.json');
    const created = recording('sas-flow/017-PUT-fhir-R4-Appointment.json');
    stub.answer((req) =>
      req.headers['content-type']?.startsWith('application/json+fhir') ? refused.response : created.response,
    );
    const { url, headers, body } = clientRequest('client-04-PUT.json');
    expect(headers['content-type']).toBe('application/json+fhir');
    const res = await client.send('PUT', url, { headers, body });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`${gateway.baseUrl}/Appointment/${idOf(created.response)}`);
  });
});

describe('what the gateway sends the upstream (compared with the recorded gateway-upstream requests)', () => {
  test('?Identifier= → ?identifier=, application/fhir+json, no body id, its own forwarding headers', async () => {
    const upstreamSide = recording('gateway-upstream/005-PUT-fhir-R4-Appointment.json');
    stub.answer(() => upstreamSide.response);
    const { url, headers, body } = clientRequest('client-04-PUT.json');
    await CLIENTS[0]?.send('PUT', url, {
      headers: { ...headers, 'x-forwarded-for': '6.6.6.6', forwarded: 'for=6.6.6.6', 'x-medplum-on-behalf-of': 'x' },
      body,
    });
    const sent = stub.received.at(-1);
    expect(sent?.url).toBe(upstreamSide.request.path);
    expect(sent?.headers['content-type']).toBe('application/fhir+json;charset=UTF-8');
    expect(JSON.parse(sent?.body.toString('utf8') ?? '{}')).toEqual(upstreamSide.request.body);
    // A write's answer is read here anyway: asked uncompressed, encoded once for the client.
    expect(sent?.headers['accept-encoding']).toBeUndefined();
    expect(sent?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(sent?.headers.forwarded).toBeUndefined();
    expect(sent?.headers['x-medplum-on-behalf-of']).toBeUndefined();
    expect(sent?.headers['x-forwarded-host']).toBe(new URL(gateway.url).host);
  });

  test('a read asks the upstream for the codings the client accepts and the gateway can read', async () => {
    const { response } = recording('gateway-upstream/010-GET-fhir-R4-Appointment.json');
    stub.answer(() => response);
    const { url } = clientRequest('client-09-GET.json');
    await fetch(url, { headers: { authorization: TOKEN, 'accept-encoding': 'zstd, br;q=0.9, gzip;q=0' } });
    expect(stub.received.at(-1)?.headers['accept-encoding']).toBe('br');
  });
});
