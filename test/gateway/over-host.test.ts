// The SAS flow through the gateway in front of the embedded host in --medplum-only mode with sas-guard deployed (its
// bot judges every write), which compresses as Medplum does: every real client gets Location on the 201 and on the
// 200 (naming the gateway's publicUrl, not the host), the bot's 422 with every issue it raised, a body it decodes;
// the seed's application/json+fhir and a gzip-compressed request body work; Prefer: return=minimal keeps Location.
import type { Appointment, OperationOutcome } from '@medplum/fhirtypes';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/gateway/config.ts';
import type { RunningGateway } from '../../src/gateway/server.ts';
import { startGateway } from '../../src/gateway/server.ts';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import {
  APPOINTMENT_SYSTEM,
  appointmentWithIdentifier,
  pageCreateBody,
  specRefusedBody,
} from '../fixtures/appointments.ts';
import { CLIENTS, closeClients } from './clients.ts';
import { request } from './helpers.ts';

const TOKEN = 'host-token-for-gateway-tests';
const PUBLIC_URL = 'https://sas.example.org/';
const auth = { authorization: `Bearer ${TOKEN}` };
let host: RunningHost;
let gateway: RunningGateway;
let counter = 0;
const fresh = (): string => `gw-host-${Date.now()}-${++counter}`;

beforeAll(async () => {
  host = await start({ port: 0, sasLayer: false, token: TOKEN, log: () => undefined });
  // The public URL is what a TLS terminator in front of the gateway serves; the test calls the gateway itself.
  gateway = await startGateway(
    parseConfig({
      listen: { host: '127.0.0.1', port: 0 },
      plainHttp: true,
      publicUrl: PUBLIC_URL,
      upstream: { url: host.url },
      auth: { mode: 'bearer' },
    }),
    { log: () => undefined },
  );
});
afterAll(async () => {
  await gateway?.close();
  await host?.close();
  await closeClients();
});

/** A path on the gateway's own address (Location names the publicUrl instead). */
function onGateway(path: string): string {
  return gateway.listening + path.slice(1);
}

function spec(value: string): string {
  return `/fhir/R4/Appointment?Identifier=${encodeURIComponent(`${APPOINTMENT_SYSTEM}|${value}`)}`;
}

describe.each(CLIENTS.map((client) => [client.name, client] as const))('%s', (_name, client) => {
  test('create, identical retry, cancellation (?Identifier=, id "1", application/json+fhir): Location on each', async () => {
    const value = fresh();
    const headers = { ...auth, 'content-type': 'application/json+fhir' };
    const body = { ...pageCreateBody(), identifier: [{ system: APPOINTMENT_SYSTEM, value }] };
    const url = onGateway(spec(value));
    const created = await client.send('PUT', url, { headers, body });
    expect(created.status).toBe(201);
    const id = (created.body as Appointment).id ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.headers.location).toBe(`${PUBLIC_URL}fhir/R4/Appointment/${id}`);
    const retry = await client.send('PUT', url, { headers, body });
    expect(retry.status).toBe(200);
    expect(retry.headers.location).toBe(`${PUBLIC_URL}fhir/R4/Appointment/${id}`);
    const cancelled = await client.send('PUT', url, { headers, body: { ...body, status: 'cancelled' } });
    expect(cancelled.status).toBe(200);
    expect((cancelled.body as Appointment).status).toBe('cancelled');
    expect(cancelled.headers.location).toBe(`${PUBLIC_URL}fhir/R4/Appointment/${id}`);
  });

  test("the bot's 422 keeps every issue it raised", async () => {
    const value = fresh();
    const body = { ...specRefusedBody(), identifier: [{ system: APPOINTMENT_SYSTEM, value }] };
    const { id: _id, ...withoutId } = body;
    const direct = await request('PUT', host.url + spec(value).slice(1).replace('Identifier', 'identifier'), {
      body: withoutId,
      headers: auth,
    });
    expect(direct.status).toBe(422);
    const expected = (direct.body as unknown as OperationOutcome).issue;
    expect(expected.length).toBeGreaterThan(1);
    const res = await client.send('PUT', onGateway(spec(value)), { headers: auth, body });
    expect(res.status).toBe(422);
    expect((res.body as OperationOutcome).issue).toEqual(expected);
  });
});

describe('request bodies and Prefer', () => {
  test('a gzip-compressed request body is read (ID-4, body id) and forwarded decoded', async () => {
    const value = fresh();
    const body = new Uint8Array(gzipSync(JSON.stringify({ ...appointmentWithIdentifier(value), id: '1' })));
    const res = await fetch(onGateway(spec(value)), {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/fhir+json', 'content-encoding': 'gzip' },
      body,
    });
    expect(res.status).toBe(201);
    const mismatch = await fetch(onGateway(spec('another-value')), {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/fhir+json', 'content-encoding': 'gzip' },
      body,
    });
    expect(mismatch.status).toBe(422);
    expect(await mismatch.text()).toContain('ID-4');
  });

  test('an unknown request coding is 415, a body that does not decode is 400', async () => {
    const put = (coding: string, body: Uint8Array<ArrayBuffer>) =>
      fetch(onGateway(spec(fresh())), {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/fhir+json', 'content-encoding': coding },
        body,
      });
    const unknown = await put('zstd', new TextEncoder().encode('{}'));
    expect(unknown.status).toBe(415);
    expect(((await unknown.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
    const broken = await put('gzip', new TextEncoder().encode('not gzip at all'));
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
  });

  test('Prefer: return=minimal: 201 and 200 keep their Location, no body; a failure still has its OperationOutcome', async () => {
    const value = fresh();
    const headers = { ...auth, 'content-type': 'application/fhir+json', prefer: 'return=minimal' };
    const put = (body: unknown) =>
      fetch(onGateway(spec(value)), { method: 'PUT', headers, body: JSON.stringify(body) });
    const created = await put(appointmentWithIdentifier(value));
    expect(created.status).toBe(201);
    const location = created.headers.get('location') ?? '';
    expect(location).toMatch(new RegExp(`^${PUBLIC_URL}fhir/R4/Appointment/[0-9a-f-]{36}$`));
    expect(await created.text()).toBe('');
    const updated = await put({ ...appointmentWithIdentifier(value), status: 'cancelled' });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('location')).toBe(location);
    expect(await updated.text()).toBe('');
    const refused = await put({ ...specRefusedBody(), identifier: [{ system: APPOINTMENT_SYSTEM, value }] });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as OperationOutcome).issue.length).toBeGreaterThan(1);
  });
});
