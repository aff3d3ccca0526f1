// The bridge slow (its process paused) or down: HAPI refuses the write with a 503 OperationOutcome and stores
// nothing, rather than storing an unjudged appointment.
import type { OperationOutcome } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { appointmentWithIdentifier } from '../../fixtures/appointments.ts';
import { call, conditionalPut, holders } from '../fhir.ts';
import type { HapiStack } from '../stack.ts';

function refusal(answer: { status: number; body: unknown }): string {
  expect(answer.status).toBe(503);
  const outcome = answer.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  return outcome.issue[0]?.details?.text ?? '';
}

export function failClosed(stack: () => HapiStack): void {
  test('bridge too slow: 503 once the timeout passes, nothing stored', async () => {
    const { baseUrl, bridge } = stack();
    const value = randomUUID();
    const pid = bridge.process.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    try {
      const started = performance.now();
      const answer = await conditionalPut(baseUrl, 'editorA', appointmentWithIdentifier(value));
      expect(refusal(answer)).toMatch(
        /^sas-guard n'a pas pu juger l'écriture \(le bridge n'a pas répondu en 2000 ms\)/,
      );
      expect(performance.now() - started).toBeGreaterThanOrEqual(2000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(await holders(baseUrl, value)).toHaveLength(0);
  });

  test('bridge down: 503, nothing stored; reads still answer', async () => {
    const { baseUrl, bridge } = stack();
    await bridge.stop();
    const value = randomUUID();
    const create = await conditionalPut(baseUrl, 'editorA', appointmentWithIdentifier(value));
    expect(refusal(create)).toMatch(/bridge injoignable/);
    const post = await call(`${baseUrl}/Appointment`, {
      method: 'POST',
      as: 'editorA',
      body: appointmentWithIdentifier(value),
    });
    expect(refusal(post)).toMatch(/bridge injoignable/);
    expect(await holders(baseUrl, value)).toHaveLength(0);
  });
}
