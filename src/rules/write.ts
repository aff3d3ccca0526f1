// One write judged as the pre-commit bot judges it: the rules on the appointment against what is stored, then the
// version to store, with its owner recorded. The bot (src/bot/guard.ts), sas-check (src/check) and the HAPI bridge
// (src/bridge) share it.
import type { Appointment, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { GuardConfig } from './config.ts';
import { evaluateAppointment, toOperationOutcome } from './engine.ts';
import { authorOf, recordedOwner, withOwner } from './owner.ts';
import type { IdentifierKey, Language } from './types.ts';

export interface StoredState {
  /** The stored version being replaced; absent on creation. */
  previous?: Appointment;
  /** Ids of other appointments holding the identifier, when looked up (ID-3). */
  identifierHolders?: readonly string[];
  /** The writer, where the host knows it otherwise than by `meta.author` (HAPI: the caller's identity). */
  author?: string;
  /** The identifier of the conditional update URL, where the host sees the request (ID-4). */
  conditionalIdentifier?: IdentifierKey;
  now: Date;
}

/** `issues`: every issue the rules raised (a log or report caps them); `rejection`: the 422, capped. */
export type WriteVerdict =
  RejectedWrite | { issues: OperationOutcomeIssue[]; rejection?: undefined; stored: Appointment };
export type RejectedWrite = { issues: OperationOutcomeIssue[]; rejection: OperationOutcome; stored?: undefined };

export function judgeWrite(appointment: Appointment, state: StoredState, config: GuardConfig): WriteVerdict {
  const { previous } = state;
  const author = state.author ?? authorOf(appointment);
  const owner = previous ? recordedOwner(previous) : undefined;
  const issues = evaluateAppointment(appointment, { ...state, author, owner, ...config });
  const rejection = toOperationOutcome(issues, config.language);
  if (rejection) {
    return { issues, rejection };
  }
  // Appointments stored before sas-guard was installed have no owner tag: their last writer becomes the owner (on a
  // host that records no writer, the first writer since).
  const creator = owner ?? (previous ? (authorOf(previous) ?? author) : author);
  return { issues, stored: creator ? withOwner(appointment, creator) : appointment };
}

/**
 * Whether the adapter should validate the rejected appointment against its profile for withProfileIssues: not when
 * the rules refused it unread as too costly (src/rules/limits.ts), since the validator would walk all of it.
 */
export function wantsProfileIssues(rejection: OperationOutcome): boolean {
  return !rejection.issue.some((issue) => issue.code === 'too-costly' && issue.severity === 'error');
}

/**
 * The rejection with the errors the profile would also answer (400) in the same appointment, so that a sender fixes
 * everything in one round trip: errors first (the rules', then the profile's), then the rules' warnings; bounded.
 * Computed by the adapter on the rejected path only: an accepted write costs nothing more.
 */
export function withProfileIssues(
  verdict: RejectedWrite,
  profileIssues: readonly OperationOutcomeIssue[],
  language: Language,
): OperationOutcome {
  const profileErrors = profileIssues.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal');
  if (profileErrors.length === 0) {
    return verdict.rejection;
  }
  // Capped once, over all of them: the note then counts every issue left out.
  const ruleErrors = verdict.issues.filter((issue) => issue.severity === 'error');
  const others = verdict.issues.filter((issue) => issue.severity !== 'error');
  return toOperationOutcome([...ruleErrors, ...profileErrors, ...others], language) ?? verdict.rejection;
}
