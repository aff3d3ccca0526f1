// Identity, OW-1 and editor isolation on HAPI: bearer tokens name the writer, the owner tag recorded at creation
// decides who may change, read, search and delete an appointment; the trusted author sees and updates everything.
import type { Appointment, Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { OWNER_TAG_SYSTEM } from '../../../src/rules/sas-codes.ts';
import { APPOINTMENT_SYSTEM, appointmentWithIdentifier } from '../../fixtures/appointments.ts';
import { call, conditionalPut, holders, rules } from '../fhir.ts';
import type { HapiStack } from '../stack.ts';

async function createdByA(baseUrl: string): Promise<{ value: string; stored: Appointment }> {
  const value = randomUUID();
  const created = await conditionalPut(baseUrl, 'editorA', appointmentWithIdentifier(value));
  expect(created.status).toBe(201);
  return { value, stored: created.body as Appointment };
}

export function ownership(stack: () => HapiStack): void {
  test('no token or an unknown one: 401 with an OperationOutcome, nothing stored', async () => {
    const { baseUrl } = stack();
    const value = randomUUID();
    const url = `${baseUrl}/Appointment?identifier=${APPOINTMENT_SYSTEM}|${value}`;
    const body = appointmentWithIdentifier(value);
    const anonymous = await call(url, { method: 'PUT', body });
    expect(anonymous.status).toBe(401);
    expect((anonymous.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    const unknown = await call(url, { method: 'PUT', body, headers: { authorization: 'Bearer not-a-client' } });
    expect(unknown.status).toBe(401);
    expect(await holders(baseUrl, value)).toHaveLength(0);
  });

  test('OW-1: another editor cannot change an appointment (422), the stored version stays', async () => {
    const { baseUrl } = stack();
    const { value, stored } = await createdByA(baseUrl);
    const changed = { ...stored, status: 'cancelled' as const };
    const answer = await call(`${baseUrl}/Appointment/${stored.id}`, { method: 'PUT', as: 'editorB', body: changed });
    expect(answer.status).toBe(422);
    expect(rules(answer)).toContain('OW-1');
    const [after] = await holders(baseUrl, value);
    expect(after?.meta?.versionId).toBe('1');
    expect(after?.status).toBe('booked');
  });

  test('isolation: another editor neither reads, searches, resolves nor deletes the appointment', async () => {
    const { baseUrl } = stack();
    const { value, stored } = await createdByA(baseUrl);
    expect((await call(`${baseUrl}/Appointment/${stored.id}`, { as: 'editorB' })).status).toBe(404);
    expect((await call(`${baseUrl}/Appointment/${stored.id}`, { as: 'editorA' })).status).toBe(200);
    const search = await call<Bundle>(`${baseUrl}/Appointment?Identifier=${value}`, { as: 'editorB' });
    expect(search.status).toBe(200);
    expect(search.body.entry ?? []).toHaveLength(0);
    const own = await call<Bundle>(`${baseUrl}/Appointment?Identifier=${value}`, { as: 'editorA' });
    expect(own.body.entry ?? []).toHaveLength(1);
    // A bare ?Identifier= resolves among B's own appointments only: none, so a creation, which ID-3 refuses.
    const bare = await conditionalPut(baseUrl, 'editorB', appointmentWithIdentifier(value), `Identifier=${value}`);
    expect(bare.status).toBe(422);
    expect(rules(bare)).toContain('ID-3');
    const taken = await conditionalPut(baseUrl, 'editorB', appointmentWithIdentifier(value));
    expect(rules(taken)).toContain('ID-3');
    expect((await call(`${baseUrl}/Appointment/${stored.id}`, { method: 'DELETE', as: 'editorB' })).status).toBe(403);
    expect(await holders(baseUrl, value)).toHaveLength(1);
  });

  test('the trusted author sees and updates every appointment; the owner stays the creator', async () => {
    const { baseUrl } = stack();
    const { value } = await createdByA(baseUrl);
    const corrected = { ...appointmentWithIdentifier(value), status: 'cancelled' as const };
    const answer = await conditionalPut(baseUrl, 'admin', corrected, `identifier=${APPOINTMENT_SYSTEM}|${value}`);
    expect(answer.status).toBe(200);
    expect((answer.body as Appointment).meta?.tag).toEqual([
      { system: OWNER_TAG_SYSTEM, code: 'ClientApplication/editor-a' },
    ]);
    const again = await conditionalPut(baseUrl, 'editorA', corrected);
    expect(again.status).toBe(200);
  });
}
