// Parallel writers of one new identifier (hapi-fhir issue #3141): exactly one appointment is stored.
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { appointmentWithIdentifier } from '../../fixtures/appointments.ts';
import { call, conditionalPut, holders, rules } from '../fhir.ts';
import type { HapiStack } from '../stack.ts';

const WRITERS = 8;

export function duplicates(stack: () => HapiStack): void {
  test(`${WRITERS} parallel conditional PUTs of a new identifier: one 201, the others 200, one appointment`, async () => {
    const { baseUrl } = stack();
    const value = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: WRITERS }, () => conditionalPut(baseUrl, 'editorA', appointmentWithIdentifier(value))),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(await holders(baseUrl, value)).toHaveLength(1);
  });

  test(`${WRITERS} parallel POSTs of one identifier: one 201, the others 422 ID-3, one appointment`, async () => {
    const { baseUrl } = stack();
    const value = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: WRITERS }, () =>
        call(`${baseUrl}/Appointment`, { method: 'POST', as: 'editorA', body: appointmentWithIdentifier(value) }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 201)) {
      expect(answer.status).toBe(422);
      expect(rules(answer)).toContain('ID-3');
    }
    expect(await holders(baseUrl, value)).toHaveLength(1);
  });
}
