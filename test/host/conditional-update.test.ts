// The SAS HTTP behaviour (sas-rules.md §1) of the embedded host, with real clients: fetch, MedplumClient, fhir-kit-client.
import { MedplumClient } from '@medplum/core';
import type { Appointment, Bundle } from '@medplum/fhirtypes';
import type { FhirResource } from 'fhir-kit-client';
import { Client } from 'fhir-kit-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bulkLoadAppointments } from '../../src/host/repo.ts';
import type { RunningHost } from '../../src/host/server.ts';
import {
  APPOINTMENT_SYSTEM,
  APPOINTMENT_VALUE,
  appointmentWithIdentifier,
  bookedAppointment,
  pageCreateBody,
} from '../fixtures/appointments.ts';
import { call, deployPreCommitBot, issuesText, startHost } from './helpers.ts';

let host: RunningHost;
let counter = 0;
const fresh = (): string => `test-${Date.now()}-${++counter}`;
const cond = (value: string, system = APPOINTMENT_SYSTEM): string =>
  `fhir/R4/Appointment?identifier=${encodeURIComponent(`${system}|${value}`)}`;

beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host.close();
});

async function countStored(value: string): Promise<number> {
  const bundle = await call(host, 'GET', `fhir/R4/Appointment?identifier=${encodeURIComponent(value)}`);
  return ((bundle.body as unknown as Bundle).entry ?? []).length;
}

describe('conditional update (H1, H7)', () => {
  test('no match creates: 201 + Location without _history + ETag + Last-Modified', async () => {
    const value = fresh();
    const res = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${host.baseUrl}/Appointment/${res.body.id}`);
    expect(res.headers.get('etag')).toBe(`W/"${(res.body.meta as { versionId: string }).versionId}"`);
    expect(new Date(res.headers.get('last-modified') ?? '').getTime()).not.toBeNaN();
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
  });

  test('an identical retry answers 200 + Location and stores no new version', async () => {
    const value = fresh();
    const first = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    const retry = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(retry.status).toBe(200);
    expect(retry.headers.get('location')).toBe(`${host.baseUrl}/Appointment/${first.body.id}`);
    expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await countStored(value)).toBe(1);
  });

  test('an update answers 200 + Location, a new version', async () => {
    const value = fresh();
    const first = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    const update = await call(host, 'PUT', cond(value), { ...appointmentWithIdentifier(value), status: 'cancelled' });
    expect(update.status).toBe(200);
    expect(update.body.id).toBe(first.body.id);
    expect(update.body.status).toBe('cancelled');
    expect(update.headers.get('location')).toBe(`${host.baseUrl}/Appointment/${first.body.id}`);
    expect(update.headers.get('etag')).not.toBe(first.headers.get('etag'));
  });

  test('?Identifier= is identifier, with and without system|', async () => {
    const value = fresh();
    const path = (q: string): string => `fhir/R4/Appointment?Identifier=${encodeURIComponent(q)}`;
    const created = await call(host, 'PUT', path(`${APPOINTMENT_SYSTEM}|${value}`), appointmentWithIdentifier(value));
    expect(created.status).toBe(201);
    const bare = await call(host, 'PUT', path(value), { ...appointmentWithIdentifier(value), status: 'cancelled' });
    expect(bare.status).toBe(200);
    expect(bare.body.id).toBe(created.body.id);
    expect(await countStored(value)).toBe(1);
  });

  test('the body id "1" of the spec page is ignored (H3), on create and on update', async () => {
    const body = pageCreateBody();
    const created = await call(host, 'PUT', cond(APPOINTMENT_VALUE), body);
    expect(created.status).toBe(201);
    expect(created.body.id).not.toBe('1');
    const again = await call(host, 'PUT', cond(APPOINTMENT_VALUE), { ...body, status: 'cancelled' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);
  });

  test('application/json+fhir (the spec header) and _format=json are accepted; _format=xml is 415', async () => {
    const value = fresh();
    const res = await call(host, 'PUT', cond(value) + '&_format=json', appointmentWithIdentifier(value), {
      'content-type': 'application/json+fhir',
      accept: 'application/json+fhir',
    });
    expect(res.status).toBe(201);
    const xml = await call(host, 'PUT', cond(value) + '&_format=xml', appointmentWithIdentifier(value));
    expect(xml.status).toBe(415);
    expect(xml.body.resourceType).toBe('OperationOutcome');
  });

  test('If-Match is honoured on conditional update: a stale version is 412', async () => {
    const value = fresh();
    await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    const res = await call(
      host,
      'PUT',
      cond(value),
      { ...appointmentWithIdentifier(value), status: 'cancelled' },
      {
        'if-match': 'W/"stale"',
      },
    );
    expect(res.status).toBe(412);
  });

  test('ID-4: a body identifier different from the URL one is 422', async () => {
    const res = await call(host, 'PUT', cond(fresh()), appointmentWithIdentifier('another-one'));
    expect(res.status).toBe(422);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(res.body)).toContain('ID-4');
  });
});

describe('failures answer an OperationOutcome (H2, H4)', () => {
  test.each([
    ['bad JSON', 'PUT', cond('x'), '{"resourceType": "Appointment",', 400],
    ['unknown search parameter', 'PUT', 'fhir/R4/Appointment?identifer=x', bookedAppointment(), 400],
    ['miscased search parameter', 'PUT', 'fhir/R4/Appointment?IDENTIFIER=x', bookedAppointment(), 400],
    ['unknown parameter on search', 'GET', 'fhir/R4/Appointment?foo=bar', undefined, 400],
    ['base validation (no start/end)', 'PUT', cond('v'), { ...appointmentWithIdentifier('v'), start: undefined }, 400],
    ['unknown route', 'GET', 'nowhere', undefined, 404],
  ])('%s → %i', async (_name, method, path, body, status) => {
    const res = await call(host, method, path, body);
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(res.text).not.toMatch(/\bat .*\.(ts|js|mjs|cjs):\d+/);
  });

  test('a conditional PUT matching two appointments is 412 and changes nothing', async () => {
    const value = fresh();
    await bulkLoadAppointments(host.repo, [appointmentWithIdentifier(value), appointmentWithIdentifier(value)]);
    const res = await call(host, 'PUT', cond(value), { ...appointmentWithIdentifier(value), status: 'cancelled' });
    expect(res.status).toBe(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await countStored(value)).toBe(2);
  });

  test('a body over 1 MB is 413 with an OperationOutcome', async () => {
    const big = { ...bookedAppointment(), comment: 'x'.repeat(1_100_000) };
    const res = await call(host, 'PUT', cond(fresh()), big);
    expect(res.status).toBe(413);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  test.each(['text/plain', 'application/fhir+xml', 'application/x-www-form-urlencoded'])(
    'a body of type %s is 415, naming the type to send',
    async (type) => {
      const res = await call(host, 'POST', 'fhir/R4/Appointment', JSON.stringify(bookedAppointment()), {
        'content-type': type,
      });
      expect(res.status).toBe(415);
      expect(issuesText(res.body)).toEqual([
        `Content-Type ${type} is not read: send application/fhir+json (or the older application/json+fhir)`,
      ]);
    },
  );

  test('a body with no Content-Type is 415 too; a PUT with no body is 400 saying so', async () => {
    const untyped = await fetch(`${host.baseUrl}/Appointment`, {
      method: 'POST',
      body: new TextEncoder().encode(JSON.stringify(bookedAppointment())),
    });
    expect(untyped.status).toBe(415);
    const empty = await call(host, 'PUT', cond(fresh()), '');
    expect(empty.status).toBe(400);
    expect(issuesText(empty.body)).toEqual(['The request has no body: send the resource as application/fhir+json']);
  });
});

describe('concurrency', () => {
  test('20 parallel conditional PUTs of a new appointment store exactly one, with a pre-commit bot that reads', async () => {
    // A bot that makes a read over HTTP, as sas-guard's does: between the conditional search and the store, every
    // write then waits on I/O, which is where parallel writers interleave unless the host serialises them.
    const readingHost = await startHost();
    await deployPreCommitBot(
      readingHost,
      `exports.handler = async (medplum) => { await medplum.searchResources('Appointment', { _count: '1' }); };`,
    );
    const value = fresh();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call(readingHost, 'PUT', cond(value), appointmentWithIdentifier(value))),
    );
    const stored = await call(readingHost, 'GET', `fhir/R4/Appointment?identifier=${encodeURIComponent(value)}`);
    await readingHost.close();
    expect((stored.body as unknown as Bundle).entry ?? []).toHaveLength(1);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });
});

describe('real clients', () => {
  test('MedplumClient: upsertResource creates then updates; createResource gets 201', async () => {
    const medplum = new MedplumClient({ baseUrl: host.url, fetch: globalThis.fetch });
    const value = fresh();
    const query = { identifier: `${APPOINTMENT_SYSTEM}|${value}` };
    const created = await medplum.upsertResource(appointmentWithIdentifier(value), query);
    const updated = await medplum.upsertResource({ ...appointmentWithIdentifier(value), status: 'cancelled' }, query);
    expect(updated.id).toBe(created.id);
    expect(updated.status).toBe('cancelled');
    const plain = await medplum.createResource<Appointment>(appointmentWithIdentifier(fresh()));
    expect(plain.id).toBeTruthy();
  });

  test('fhir-kit-client: conditional update with searchParams', async () => {
    const client = new Client({ baseUrl: host.baseUrl });
    const value = fresh();
    const searchParams = { identifier: `${APPOINTMENT_SYSTEM}|${value}` };
    const created = (await client.update({
      resourceType: 'Appointment',
      searchParams,
      body: appointmentWithIdentifier(value) as unknown as FhirResource,
    })) as unknown as Appointment;
    const updated = (await client.update({
      resourceType: 'Appointment',
      searchParams,
      body: { ...appointmentWithIdentifier(value), status: 'cancelled' },
    })) as unknown as Appointment;
    expect(updated.id).toBe(created.id);
    expect(updated.status).toBe('cancelled');
  });
});

describe('plain Medplum behaviour (--medplum-only: no SAS layer)', () => {
  let plain: RunningHost;
  beforeAll(async () => {
    plain = await startHost({ sasLayer: false });
  });
  afterAll(async () => {
    await plain.close();
  });

  test('?Identifier= is an unknown search parameter (400)', async () => {
    const res = await call(plain, 'PUT', `fhir/R4/Appointment?Identifier=${fresh()}`, bookedAppointment());
    expect(res.status).toBe(400);
    expect(issuesText(res.body)).toEqual(['Unknown search parameter: Identifier']);
  });

  test('200 update has no Location; 201 has one', async () => {
    const value = fresh();
    const created = await call(plain, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${plain.baseUrl}/Appointment/${created.body.id}`);
    const updated = await call(plain, 'PUT', cond(value), { ...appointmentWithIdentifier(value), status: 'cancelled' });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('location')).toBeNull();
  });

  test('a body id: 400 on create-as-update and on a mismatched match', async () => {
    const value = fresh();
    const createAsUpdate = await call(plain, 'PUT', cond(value), { ...appointmentWithIdentifier(value), id: '1' });
    expect(createAsUpdate.status).toBe(400);
    expect(issuesText(createAsUpdate.body)[0]).toBe('Cannot perform create as update with client-assigned ID');
    await call(plain, 'PUT', cond(value), appointmentWithIdentifier(value));
    const mismatch = await call(plain, 'PUT', cond(value), { ...appointmentWithIdentifier(value), id: '1' });
    expect(mismatch.status).toBe(400);
    expect(issuesText(mismatch.body)[0]).toBe('Resource ID did not match resolved ID');
  });
});
