// The README's "Try it" flow, with the example bodies it names (examples/*.json), against the host as `npm start`
// runs it (sas-guard installed by the deploy installer), sent as its curl commands send them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ruleIdOf } from '../../src/rules/engine.ts';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import type { Appointment, Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { badJsonIssues } from '../fixtures/readme-flow.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const ID = 'urn:oid:1.1.111.1.11.1.1.1|b6e39355-8a61-4556-b340-36f7b95fec6a';

let host: RunningHost;
beforeAll(async () => {
  host = await start({ port: 0, log: () => undefined });
});
afterAll(async () => {
  await host.close();
});

function put(identifier: string, example: string): Promise<Response> {
  return fetch(`${host.baseUrl}/Appointment?Identifier=${encodeURIComponent(identifier)}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json+fhir' },
    body: readFileSync(join(EXAMPLES, example)),
  });
}

test('create 201, identical retry 200 with the same version, cancel 200, each with Location', async () => {
  const created = await put(ID, 'booked.json');
  expect(created.status).toBe(201);
  const location = created.headers.get('location');
  expect(location).toMatch(new RegExp(`^${host.baseUrl}/Appointment/[0-9a-f-]{36}$`));

  const retry = await put(ID, 'booked.json');
  expect(retry.status).toBe(200);
  expect(retry.headers.get('location')).toBe(location);
  expect(retry.headers.get('etag')).toBe(created.headers.get('etag'));

  const cancelled = await put(ID, 'cancelled.json');
  expect(cancelled.status).toBe(200);
  expect(cancelled.headers.get('location')).toBe(location);
  expect(cancelled.headers.get('etag')).not.toBe(created.headers.get('etag'));

  const rebooked = await put(ID, 'booked.json');
  expect(rebooked.status).toBe(422);
  expect(((await rebooked.json()) as OperationOutcome).issue.map(ruleIdOf)).toContain('ST-4');
});

test('bad.json: one 422 naming every problem, errors first, then warnings', async () => {
  const response = await put('urn:oid:1.1.111.1.11.1.1.1|c0ffee00-0000-4000-8000-000000000001', 'bad.json');
  expect(response.status).toBe(422);
  const outcome = (await response.json()) as OperationOutcome;
  expect(outcome.issue.map((issue) => [issue.severity, ruleIdOf(issue)])).toEqual(badJsonIssues());
});

test('a body only the profile refuses (no operator: no rule applies to what is absent) → 400, nothing stored', async () => {
  const body = JSON.parse(readFileSync(join(EXAMPLES, 'booked.json'), 'utf8')) as Appointment;
  delete body.extension;
  const identifier = 'urn:oid:1.1.111.1.11.1.1.1|c0ffee00-0000-4000-8000-000000000002';
  body.identifier = [{ system: 'urn:oid:1.1.111.1.11.1.1.1', value: 'c0ffee00-0000-4000-8000-000000000002' }];
  const response = await fetch(`${host.baseUrl}/Appointment?Identifier=${encodeURIComponent(identifier)}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json+fhir' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(400);
  const outcome = (await response.json()) as OperationOutcome;
  expect(outcome.issue).toEqual([
    expect.objectContaining({ severity: 'error', code: 'structure', expression: ['Appointment.extension'] }),
  ]);
  const search = await fetch(`${host.baseUrl}/Appointment?identifier=${encodeURIComponent(identifier)}`);
  expect(((await search.json()) as Bundle).entry ?? []).toHaveLength(0);
});

test('a body the rules and the profile both refuse: one 422 naming both, rules first, so one round trip fixes all', async () => {
  const body = JSON.parse(readFileSync(join(EXAMPLES, 'bad.json'), 'utf8')) as Appointment;
  delete body.extension;
  const value = 'c0ffee00-0000-4000-8000-000000000003';
  body.identifier = [{ system: 'urn:oid:1.1.111.1.11.1.1.1', value }];
  const response = await fetch(
    `${host.baseUrl}/Appointment?Identifier=${encodeURIComponent(`urn:oid:1.1.111.1.11.1.1.1|${value}`)}`,
    { method: 'PUT', headers: { 'Content-Type': 'application/json+fhir' }, body: JSON.stringify(body) },
  );
  expect(response.status).toBe(422);
  const outcome = (await response.json()) as OperationOutcome;
  const listed = outcome.issue.map((issue) => [issue.severity, ruleIdOf(issue) ?? issue.code, issue.expression?.[0]]);
  expect(listed.slice(0, 3)).toEqual([
    ['error', 'ST-2', 'Appointment.participant[0].status'],
    ['error', 'TM-1', 'Appointment.end'],
    ['error', 'structure', 'Appointment.extension'],
  ]);
  expect(listed.slice(3).every(([severity]) => severity === 'warning')).toBe(true);
});
