// The bot's handler with Medplum's MockClient (vitest + MockClient, as Medplum's own bot examples test).
import { getStatus, normalizeOperationOutcome, serverError } from '@medplum/core';
import type { BotEvent } from '@medplum/core';
import type { Appointment, OperationOutcome, ProjectSetting } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { handler } from '../../bots/sas-appointment-guard.ts';
import { indexServerDefinitions } from '../../src/profiles/index.ts';
import { ruleIdOf } from '../../src/rules/engine.ts';
import { OWNER_TAG_SYSTEM } from '../../src/rules/sas-codes.ts';
import { bookedAppointment, cancelledAppointment, specRefusedBody } from '../fixtures/appointments.ts';

const EDITOR = 'ClientApplication/editor-a';

function event(input: Appointment, secrets: Record<string, ProjectSetting> = {}): BotEvent {
  return {
    bot: { reference: 'Bot/sas-appointment-guard' },
    contentType: 'application/fhir+json',
    input,
    secrets,
    headers: {},
  };
}

/** As Medplum hands it to a pre-commit bot: id set, meta.author injected. */
function incoming(appointment: Appointment, id: string, author = EDITOR): Appointment {
  return { ...appointment, id, meta: { ...appointment.meta, author: { reference: author } } };
}

async function rejection(promise: Promise<unknown>): Promise<OperationOutcome> {
  try {
    await promise;
  } catch (thrown) {
    return thrown as OperationOutcome;
  }
  throw new Error('the write was not rejected');
}

let medplum: MockClient;
beforeAll(() => {
  // Without the definitions and search parameters, MockClient's repository matches nothing on `identifier`.
  indexServerDefinitions();
});
beforeEach(() => {
  medplum = new MockClient();
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});

describe('creation', () => {
  test('a valid appointment passes, with its creator recorded as owner', async () => {
    const result = await handler(medplum, event(incoming(bookedAppointment(), 'new-1')));
    expect(result?.id).toBe('new-1');
    expect(result?.meta?.tag).toContainEqual({ system: OWNER_TAG_SYSTEM, code: EDITOR });
  });

  test('a second appointment with the same identifier is rejected (ID-3)', async () => {
    const existing = await medplum.createResource(bookedAppointment());
    const thrown = await rejection(handler(medplum, event(incoming(bookedAppointment(), 'new-2'))));
    expect(thrown.issue.filter((i) => i.severity === 'error').map(ruleIdOf)).toEqual(['ID-3']);
    expect(thrown.issue[0]?.details?.text).toContain(`Appointment/${existing.id}`);
  });

  test('several violations: one plain OperationOutcome, every issue, French, 422', async () => {
    const appointment = { ...specRefusedBody(), status: 'proposed' as const, end: '2022-09-04T13:00:00+01:00' };
    const thrown = await rejection(handler(medplum, event(incoming(appointment, 'new-3'))));
    expect(thrown).not.toBeInstanceOf(Error);
    expect(thrown.resourceType).toBe('OperationOutcome');
    expect(thrown.id).toBe('business-rule');
    expect(thrown.issue.filter((i) => i.severity === 'error').map(ruleIdOf)).toEqual(['ST-1', 'ST-2', 'TM-1']);
    expect(thrown.issue.find((i) => ruleIdOf(i) === 'ST-2')).toMatchObject({
      code: 'value',
      expression: ['Appointment.participant[0].status'],
      details: { text: expect.stringContaining("n'existe pas en FHIR R4") as string },
    });
    expect(getStatus(normalizeOperationOutcome(thrown))).toBe(422);
  });

  test('English on configuration', async () => {
    const secrets = { SAS_GUARD_LANGUAGE: { name: 'SAS_GUARD_LANGUAGE', valueString: 'en' } };
    const thrown = await rejection(handler(medplum, event(incoming(specRefusedBody(), 'new-4'), secrets)));
    expect(thrown.issue.find((i) => ruleIdOf(i) === 'ST-2')?.details?.text).toContain('is not a FHIR R4 code');
  });

  test('a severity switched off lets the appointment through', async () => {
    const secrets = { SAS_GUARD_SEVERITIES: { name: 'SAS_GUARD_SEVERITIES', valueString: '{"ST-2":"off"}' } };
    await expect(handler(medplum, event(incoming(specRefusedBody(), 'new-5'), secrets))).resolves.toBeDefined();
  });

  test('a wrong configuration is reported, never ignored', async () => {
    const secrets = {
      SAS_GUARD_LANGUAGE: { name: 'SAS_GUARD_LANGUAGE', valueString: 'de' },
      SAS_GUARD_SEVERITIES: { name: 'SAS_GUARD_SEVERITIES', valueString: '{"XX-9":"off"}' },
    };
    const thrown = await rejection(handler(medplum, event(incoming(bookedAppointment(), 'new-6'), secrets)));
    expect(thrown.issue[0]?.code).toBe('exception');
    expect(thrown.issue[0]?.details?.text).toMatch(/SAS_GUARD_LANGUAGE.*"de".*XX-9/);
  });
});

describe('update', () => {
  test('one read of the previous version, no search', async () => {
    const stored = await medplum.createResource(incoming(bookedAppointment(), 'unused'));
    const read = vi.spyOn(medplum, 'readResource');
    const search = vi.spyOn(medplum, 'search');
    await handler(medplum, event(incoming(cancelledAppointment(), stored.id ?? '')));
    expect(read).toHaveBeenCalledTimes(1);
    expect(search).not.toHaveBeenCalled();
  });

  test('a cancelled appointment cannot be booked again (ST-4), an identical retry passes', async () => {
    const stored = await medplum.createResource(incoming(cancelledAppointment(), 'unused'));
    const thrown = await rejection(handler(medplum, event(incoming(bookedAppointment(), stored.id ?? ''))));
    expect(thrown.issue.map(ruleIdOf)).toContain('ST-4');
    await expect(handler(medplum, event(incoming(cancelledAppointment(), stored.id ?? '')))).resolves.toBeDefined();
  });

  test("another client cannot rewrite the creator's appointment (OW-1); the owner tag is carried forward", async () => {
    const created = await handler(medplum, event(incoming(bookedAppointment(), 'x')));
    const { id: _id, ...owned } = created as Appointment;
    const stored = await medplum.createResource<Appointment>(owned);
    const thrown = await rejection(
      handler(medplum, event(incoming(cancelledAppointment(), stored.id ?? '', 'ClientApplication/editor-b'))),
    );
    expect(thrown.issue.filter((i) => i.severity === 'error').map(ruleIdOf)).toEqual(['OW-1']);
    const admin = 'ClientApplication/admin';
    const secrets = { SAS_GUARD_TRUSTED_AUTHORS: { name: 'SAS_GUARD_TRUSTED_AUTHORS', valueString: admin } };
    const corrected = await handler(medplum, event(incoming(cancelledAppointment(), stored.id ?? '', admin), secrets));
    expect(corrected?.meta?.tag).toContainEqual({ system: OWNER_TAG_SYSTEM, code: EDITOR });
  });

  test('a failing read rejects the write rather than letting it through unchecked', async () => {
    vi.spyOn(medplum, 'readResource').mockRejectedValue(new Error('connect ECONNREFUSED'));
    const thrown = await rejection(handler(medplum, event(incoming(bookedAppointment(), 'y'))));
    expect(thrown.issue[0]?.code).toBe('exception');
    expect(getStatus(normalizeOperationOutcome(thrown))).toBe(500);
  });

  test('a failing identifier search rejects the write too', async () => {
    vi.spyOn(medplum, 'search').mockRejectedValue(serverError(new Error('timeout')));
    const thrown = await rejection(handler(medplum, event(incoming(bookedAppointment(), 'z'))));
    expect(thrown.issue[0]?.details?.text).toContain("l'unicité de l'identifiant");
  });
});

describe('inputs that are not appointments', () => {
  test.each([null, 42, 'text', [], { resourceType: 'Patient' }])('%j passes untouched', async (input) => {
    await expect(handler(medplum, event(input as unknown as Appointment))).resolves.toBeUndefined();
  });
});
