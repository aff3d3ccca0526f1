// The BUILT bundle, run the way Medplum's vmcontext runtime runs it: a new node:vm context per execution, the code
// wrapped as a script, `require` resolving in the host's node_modules, and a MedplumClient reading over real HTTP
// from a (bare) embedded host.
import { getStatus, normalizeOperationOutcome } from '@medplum/core';
import type { Appointment, Bot, OperationOutcome } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleBot } from '../../src/build/bot-bundle.ts';
import { runInVmContext } from '../../src/host/bots.ts';
import { start } from '../../src/host/server.ts';
import type { RunningHost } from '../../src/host/server.ts';
import { OWNER_TAG_SYSTEM, RULE_CODE_SYSTEM } from '../../src/rules/sas-codes.ts';
import { appointmentWithIdentifier, bookedAppointment, specRefusedBody } from '../fixtures/appointments.ts';

let host: RunningHost;
let code: string;
const bot = { resourceType: 'Bot', id: 'sas-appointment-guard', name: 'sas-appointment-guard' } as Bot & { id: string };

beforeAll(async () => {
  [host, code] = await Promise.all([start({ bare: true, port: 0, log: () => undefined }), bundleBot()]);
});
afterAll(async () => {
  await host.close();
});

function execute(input: unknown) {
  return runInVmContext({
    bot,
    code,
    input: input as Appointment,
    headers: {},
    secrets: {},
    baseUrl: host.url,
    accessToken: 'unused',
    traceId: 'bundle-test',
  });
}

function asAuthoredInput(appointment: Appointment, id: string): Appointment {
  return { ...appointment, id, meta: { ...appointment.meta, author: { reference: 'ClientApplication/editor-a' } } };
}

test('the bundle is one CommonJS script: no import, @medplum/core external, Medplum footer', () => {
  expect(code).not.toMatch(/^\s*import\s/m);
  expect(code).toContain('require("@medplum/core")');
  expect(code.trimEnd().endsWith('Object.assign(exports, module.exports);')).toBe(true);
});

test('a valid appointment passes, returned with its owner recorded', async () => {
  const result = await execute(asAuthoredInput(bookedAppointment(), 'vm-valid'));
  expect(result.success).toBe(true);
  expect(result.returnValue).toMatchObject({ resourceType: 'Appointment', id: 'vm-valid', status: 'booked' });
  // The owner: the writer of the creation (meta.author), in sas-guard's owner tag, exactly once.
  const tags = (result.returnValue as Appointment).meta?.tag ?? [];
  expect(tags.filter((tag) => tag.system === OWNER_TAG_SYSTEM)).toEqual([
    { system: OWNER_TAG_SYSTEM, code: 'ClientApplication/editor-a' },
  ]);
});

describe('a violation', () => {
  let thrown: OperationOutcome;
  let logResult: string;
  beforeAll(async () => {
    const appointment = { ...specRefusedBody(), status: 'proposed', end: '2022-09-04T13:00:00+01:00' };
    const result = await execute(asAuthoredInput(appointment as Appointment, 'vm-bad'));
    expect(result.success).toBe(false);
    thrown = result.returnValue as OperationOutcome;
    logResult = result.logResult;
  });

  test('is thrown as a plain object, not an Error, with id business-rule', () => {
    expect(Object.prototype.toString.call(thrown)).toBe('[object Object]');
    expect(thrown instanceof Error).toBe(false);
    // Medplum's wrapper logs an Error with its stack and anything else as JSON.
    expect(logResult).toContain('Unhandled error: {');
    expect(thrown).toMatchObject({ resourceType: 'OperationOutcome', id: 'business-rule' });
  });

  test('names every problem: severity, code, rule coding, French text, expression', () => {
    const errors = thrown.issue.filter((issue) => issue.severity === 'error');
    expect(errors.map((issue) => issue.details?.coding?.[0]?.code)).toEqual(['ST-1', 'ST-2', 'TM-1']);
    for (const issue of thrown.issue) {
      expect(issue.code).toMatch(/^(business-rule|value|invariant|required|security|duplicate)$/);
      expect(issue.details?.coding?.[0]?.system).toBe(RULE_CODE_SYSTEM);
      expect(issue.expression?.[0]).toMatch(/^Appointment/);
    }
    expect(errors[1]?.details?.text).toContain("n'existe pas en FHIR R4");
  });

  test('maps to 422 through @medplum/core, as the server does', () => {
    expect(getStatus(normalizeOperationOutcome(thrown))).toBe(422);
  });
});

test('malformed input never throws anything but a business-rule OperationOutcome', async () => {
  const fields = ['identifier', 'extension', 'status', 'start', 'end', 'participant', 'meta', 'created'] as const;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...fields), fc.jsonValue(), fc.nat(), async (field, value, n) => {
      const appointment = { ...appointmentWithIdentifier(`fuzz-${n}`), [field]: value };
      const result = await execute(asAuthoredInput(appointment, `vm-fuzz-${n}`));
      if (!result.success) {
        expect(result.returnValue).toMatchObject({ resourceType: 'OperationOutcome', id: 'business-rule' });
        expect(result.logResult).not.toContain('Unhandled error: TypeError');
      }
    }),
    { numRuns: 60, seed: 42 },
  );
});
