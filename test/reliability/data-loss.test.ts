// No data loss (issue 6, H6): every rejected write (400, 412, 413, 415, 422) leaves the stored version byte for byte
// as it was, history included; a write accepted with 200/201 is readable at once with the returned versionId.
import type { Appointment, Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bulkLoadAppointments } from '../../src/host/repo.ts';
import type { RunningHost } from '../../src/host/server.ts';
import { appointmentWithIdentifier } from '../fixtures/appointments.ts';
import type { Answer, CallOptions } from './helpers.ts';
import { answerProblem, conditionalPath, readStored, send, startInstalledHost, versionIdOf } from './helpers.ts';

let host: RunningHost;
let appointmentId = '';
const VALUE = 'no-data-loss';

beforeAll(async () => {
  host = await startInstalledHost();
  const created = await send(host, 'PUT', conditionalPath(VALUE), { body: appointmentWithIdentifier(VALUE) });
  expect(created.status).toBe(201);
  appointmentId = (created.json as Appointment).id as string;
});
afterAll(async () => {
  await host.close();
});

async function historyLength(id: string): Promise<number> {
  const history = await send(host, 'GET', `fhir/R4/Appointment/${id}/_history`);
  return ((history.json as Bundle).entry ?? []).length;
}

/** Checks an accepted write: the answer's ETag, body versionId and a read at once all agree; that version is readable. */
async function expectReadable(answer: Answer): Promise<void> {
  const body = answer.json as Appointment;
  const versionId = versionIdOf(body);
  expect(versionId).toBeTruthy();
  expect(answer.headers.get('etag')).toBe(`W/"${versionId}"`);
  const read = await readStored(host, body.id as string);
  expect(read.status).toBe(200);
  expect(versionIdOf(read.json)).toBe(versionId);
  const version = await send(host, 'GET', `fhir/R4/Appointment/${body.id}/_history/${versionId}`);
  expect(version.status).toBe(200);
  expect(versionIdOf(version.json)).toBe(versionId);
}

const body = (changes: Partial<Appointment> = {}): Appointment => ({ ...appointmentWithIdentifier(VALUE), ...changes });

describe('a rejected write leaves the stored version byte for byte', () => {
  const cases: [string, number, () => [string, string, CallOptions]][] = [
    ['bad JSON', 400, () => ['PUT', conditionalPath(VALUE), { body: '{"resourceType": "Appointment",' }]],
    ['a JSON array', 400, () => ['PUT', conditionalPath(VALUE), { body: '[]' }]],
    ['a non-JSON content type', 415, () => ['PUT', conditionalPath(VALUE), { body: 'x', contentType: 'text/plain' }]],
    [
      'base validation (start missing)',
      400,
      () => ['PUT', conditionalPath(VALUE), { body: { ...body(), start: undefined } }],
    ],
    [
      'PUT by id changing the resource type',
      400,
      () => ['PUT', `fhir/R4/Appointment/${appointmentId}`, { body: { resourceType: 'Patient', id: appointmentId } }],
    ],
    [
      'a stale If-Match',
      412,
      () => ['PUT', conditionalPath(VALUE), { body: body({ status: 'noshow' }), headers: { 'if-match': 'W/"stale"' } }],
    ],
    [
      'a stale If-Match on PUT by id',
      412,
      () => [
        'PUT',
        `fhir/R4/Appointment/${appointmentId}`,
        { body: { ...body({ status: 'noshow' }), id: appointmentId }, headers: { 'if-match': 'W/"stale"' } },
      ],
    ],
    [
      'a body over 1 MB',
      413,
      () => ['PUT', conditionalPath(VALUE), { body: body({ comment: 'x'.repeat(1_100_000) }) }],
    ],
    ['_format=xml', 415, () => ['PUT', conditionalPath(VALUE) + '&_format=xml', { body: body({ status: 'noshow' }) }]],
    [
      'a business rule (ST-2 refused)',
      422,
      () => [
        'PUT',
        conditionalPath(VALUE),
        { body: body({ participant: [{ ...body().participant[0], status: 'refused' as 'accepted' }] }) },
      ],
    ],
    [
      'an identifier change on PUT by id (ID-2)',
      422,
      () => [
        'PUT',
        `fhir/R4/Appointment/${appointmentId}`,
        { body: { ...appointmentWithIdentifier('another'), id: appointmentId } },
      ],
    ],
    [
      'the URL and body identifiers differ (ID-4)',
      422,
      () => ['PUT', conditionalPath(VALUE), { body: appointmentWithIdentifier('someone-else') }],
    ],
    [
      'another client (OW-1)',
      422,
      () => [
        'PUT',
        conditionalPath(VALUE),
        { body: body({ status: 'cancelled' }), headers: { 'x-sas-guard-author': 'ClientApplication/other' } },
      ],
    ],
    [
      'a JSON Patch breaking a rule',
      422,
      () => [
        'PATCH',
        `fhir/R4/Appointment/${appointmentId}`,
        {
          body: [{ op: 'replace', path: '/participant/0/status', value: 'refused' }],
          contentType: 'application/json-patch+json',
        },
      ],
    ],
  ];

  test.each(cases)('%s → %i, nothing changed', async (_name, status, request) => {
    const before = await readStored(host, appointmentId);
    const versionsBefore = await historyLength(appointmentId);
    const [method, path, options] = request();
    const answer = await send(host, method, path, options);
    expect(answer.status, answer.text.slice(0, 300)).toBe(status);
    expect(answerProblem(answer)).toBeUndefined();
    const after = await readStored(host, appointmentId);
    expect(after.text).toBe(before.text);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(await historyLength(appointmentId)).toBe(versionsBefore);
  });

  test('a conditional PUT matching two appointments → 412, both unchanged', async () => {
    const value = 'two-holders';
    const [first, second] = await bulkLoadAppointments(host.repo, [
      appointmentWithIdentifier(value),
      appointmentWithIdentifier(value),
    ]);
    const ids = [first, second].map((a) => (a as Appointment).id as string);
    const before = await Promise.all(ids.map((id) => readStored(host, id)));
    const answer = await send(host, 'PUT', conditionalPath(value), {
      body: { ...appointmentWithIdentifier(value), status: 'cancelled' },
    });
    expect(answer.status).toBe(412);
    expect(answerProblem(answer)).toBeUndefined();
    const after = await Promise.all(ids.map((id) => readStored(host, id)));
    expect(after.map((a) => a.text)).toEqual(before.map((b) => b.text));
  });
});

describe('an accepted write is readable at once with the returned versionId', () => {
  test('201 create by conditional PUT, 200 update, 200 identical retry (no new version), 201 POST', async () => {
    const value = 'readable';
    const created = await send(host, 'PUT', conditionalPath(value), { body: appointmentWithIdentifier(value) });
    expect(created.status).toBe(201);
    await expectReadable(created);

    const updated = await send(host, 'PUT', conditionalPath(value), {
      body: { ...appointmentWithIdentifier(value), status: 'noshow' },
    });
    expect(updated.status).toBe(200);
    await expectReadable(updated);
    expect(versionIdOf(updated.json)).not.toBe(versionIdOf(created.json));

    const id = (created.json as Appointment).id as string;
    const versions = await historyLength(id);
    const retry = await send(host, 'PUT', conditionalPath(value), {
      body: { ...appointmentWithIdentifier(value), status: 'noshow' },
    });
    expect(retry.status).toBe(200);
    expect(versionIdOf(retry.json)).toBe(versionIdOf(updated.json));
    await expectReadable(retry);
    expect(await historyLength(id)).toBe(versions);

    const posted = await send(host, 'POST', 'fhir/R4/Appointment', {
      body: appointmentWithIdentifier('readable-post'),
    });
    expect(posted.status).toBe(201);
    await expectReadable(posted);
  });

  test('200 PUT by id and 200 JSON Patch', async () => {
    const value = 'readable-by-id';
    const created = await send(host, 'PUT', conditionalPath(value), { body: appointmentWithIdentifier(value) });
    const id = (created.json as Appointment).id as string;
    const byId = await send(host, 'PUT', `fhir/R4/Appointment/${id}`, {
      body: { ...appointmentWithIdentifier(value), id, comment: 'by id' },
    });
    expect(byId.status).toBe(200);
    await expectReadable(byId);
    const patched = await send(host, 'PATCH', `fhir/R4/Appointment/${id}`, {
      body: [{ op: 'replace', path: '/status', value: 'fulfilled' }],
      contentType: 'application/json-patch+json',
    });
    expect(patched.status).toBe(200);
    await expectReadable(patched);
  });
});
