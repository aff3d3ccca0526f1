// The SAS scenario on HAPI over plain HTTP: create 201, update 200 with Location, retry, 412, 400 (malformed and
// profile), 422 with every issue in French, ID-4, and a rejected write leaving the stored version as it was.
import { badJsonIssues } from '../../fixtures/readme-flow.ts';
import type { Appointment, OperationOutcome } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { OWNER_TAG_SYSTEM } from '../../../src/rules/sas-codes.ts';
import { APPOINTMENT_SYSTEM, appointmentWithIdentifier, specRefusedBody } from '../../fixtures/appointments.ts';
import { call, conditionalPut, holders, rules } from '../fhir.ts';
import type { HapiStack } from '../stack.ts';

export function sasScenario(stack: () => HapiStack): void {
  test('create 201, update 200, each with Location [base]/Appointment/<id>; an identical retry stores nothing', async () => {
    const { baseUrl } = stack();
    const value = randomUUID();
    // As the spec writes it: ?Identifier=, application/json+fhir, the sender's own id "1".
    const url = `${baseUrl}/Appointment?Identifier=${APPOINTMENT_SYSTEM}|${value}`;
    const body = { ...appointmentWithIdentifier(value), id: '1' };
    const headers = { 'content-type': 'application/json+fhir', accept: 'application/json+fhir' };
    const created = await call<Appointment>(url, { method: 'PUT', as: 'editorA', body, headers });
    expect(created.status).toBe(201);
    const id = created.body.id ?? '';
    expect(id).not.toBe('1');
    expect(created.headers.get('location')).toBe(`${baseUrl}/Appointment/${id}`);
    expect(created.body.meta?.tag).toEqual([{ system: OWNER_TAG_SYSTEM, code: 'ClientApplication/editor-a' }]);

    const retry = await call(url, { method: 'PUT', as: 'editorA', body, headers });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('etag')).toBe(created.headers.get('etag'));

    const cancelled = await call<Appointment>(url, {
      method: 'PUT',
      as: 'editorA',
      body: { ...body, status: 'cancelled' },
      headers,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.headers.get('location')).toBe(`${baseUrl}/Appointment/${id}`);
    expect(cancelled.body.meta?.versionId).toBe('2');
    expect(await holders(baseUrl, value)).toHaveLength(1);
  });

  test('422: one OperationOutcome naming every problem in French; the stored version is unchanged', async () => {
    const { baseUrl } = stack();
    const value = randomUUID();
    const created = await conditionalPut(baseUrl, 'editorA', appointmentWithIdentifier(value));
    expect(created.status).toBe(201);
    const refused = {
      ...specRefusedBody(),
      identifier: [{ system: APPOINTMENT_SYSTEM, value }],
      end: '2022-09-04T13:00:00+01:00',
    };
    const rejected = await conditionalPut(baseUrl, 'editorA', refused);
    expect(rejected.status).toBe(422);
    const outcome = rejected.body as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    // Errors first, then warnings (the same body as bad.json, so the same issues).
    expect(rules(rejected)).toEqual(badJsonIssues().map(([, rule]) => rule));
    expect(outcome.issue.find((issue) => issue.details?.coding?.[0]?.code === 'ST-2')?.details?.text).toBe(
      "Le statut de participant « refused » n'existe pas en FHIR R4 ; un RDV annulé garde son participant « accepted » (attendu : accepted ou needs-action).",
    );
    const [stored] = await holders(baseUrl, value);
    expect(stored?.meta?.versionId).toBe('1');
    expect(stored?.status).toBe('booked');
  });

  test('ID-4: a body identifier other than the URL one is 422 (the bridge sees the request URL)', async () => {
    const { baseUrl } = stack();
    const [url, body] = [randomUUID(), randomUUID()];
    const answer = await conditionalPut(
      baseUrl,
      'editorA',
      appointmentWithIdentifier(body),
      `Identifier=${APPOINTMENT_SYSTEM}|${url}`,
    );
    expect(answer.status).toBe(422);
    expect(rules(answer)).toContain('ID-4');
    expect(await holders(baseUrl, url)).toHaveLength(0);
    expect(await holders(baseUrl, body)).toHaveLength(0);
  });

  test('412 when a bare ?Identifier=<value> matches two of the caller’s appointments', async () => {
    const { baseUrl } = stack();
    const value = randomUUID();
    expect((await conditionalPut(baseUrl, 'editorA', appointmentWithIdentifier(value))).status).toBe(201);
    expect(
      (await conditionalPut(baseUrl, 'editorA', appointmentWithIdentifier(value, 'urn:oid:1.2.250.1.213.1.9'))).status,
    ).toBe(201);
    const answer = await conditionalPut(baseUrl, 'editorA', appointmentWithIdentifier(value), `Identifier=${value}`);
    expect(answer.status).toBe(412);
    expect((answer.body as OperationOutcome).resourceType).toBe('OperationOutcome');
  });

  test('400 with an OperationOutcome: unparsable body, unknown parameter, profile violation (not HAPI’s 412)', async () => {
    const { baseUrl } = stack();
    const value = randomUUID();
    const unparsable = await call(`${baseUrl}/Appointment?identifier=${APPOINTMENT_SYSTEM}|${value}`, {
      method: 'PUT',
      as: 'editorA',
      body: '{"resourceType":',
    });
    expect(unparsable.status).toBe(400);
    expect((unparsable.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    const misspelt = await conditionalPut(baseUrl, 'editorA', appointmentWithIdentifier(value), `identifer=${value}`);
    expect(misspelt.status).toBe(400);
    const { start: _start, ...withoutStart } = appointmentWithIdentifier(value);
    const profile = await conditionalPut(baseUrl, 'editorA', withoutStart);
    expect(profile.status).toBe(400);
    const diagnostics = (profile.body as OperationOutcome).issue.map((issue) => issue.diagnostics ?? '');
    expect(diagnostics.some((text) => text.includes('Appointment.start: minimum required = 1'))).toBe(true);
    expect(await holders(baseUrl, value)).toHaveLength(0);
  });

  test('a conditional update or delete without criteria is 400 and touches nothing (H2)', async () => {
    const { baseUrl } = stack();
    const value = randomUUID();
    expect((await conditionalPut(baseUrl, 'editorA', appointmentWithIdentifier(value))).status).toBe(201);
    for (const query of ['_count=1', '_sort=date&identifier=', '_summary=count']) {
      const del = await call(`${baseUrl}/Appointment?${query}`, { method: 'DELETE', as: 'admin' });
      expect(del.status).toBe(400);
      expect((del.body as OperationOutcome).issue[0]?.diagnostics).toContain('needs search criteria');
      expect((await conditionalPut(baseUrl, 'admin', appointmentWithIdentifier(value), query)).status).toBe(400);
    }
    expect(await holders(baseUrl, value)).toHaveLength(1);
  });
}
