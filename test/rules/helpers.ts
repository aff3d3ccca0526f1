import type { Appointment, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { evaluateAppointment, ruleIdOf } from '../../src/rules/engine.ts';
import type { RuleContext, RuleId } from '../../src/rules/types.ts';

export const NOW = new Date('2022-09-01T12:00:00+02:00');

export function context(overrides: Partial<RuleContext> = {}): RuleContext {
  return { now: NOW, language: 'fr', severities: {}, trustedAuthors: [], ...overrides };
}

/** The issues one rule raises on an appointment. */
export function issuesOf(
  ruleId: RuleId,
  appointment: unknown,
  overrides: Partial<RuleContext> = {},
): OperationOutcomeIssue[] {
  return evaluateAppointment(appointment, context(overrides)).filter((issue) => ruleIdOf(issue) === ruleId);
}

export function withChange(appointment: Appointment, change: (a: Appointment) => void): Appointment {
  const copy = structuredClone(appointment);
  change(copy);
  return copy;
}
