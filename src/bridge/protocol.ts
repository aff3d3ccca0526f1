// What the HAPI interceptor sends the bridge for one Appointment write (POST /judge, JSON), read without trusting its
// shape: the appointment as HAPI parsed it, the stored version it replaces, the conditional update's identifier, the
// caller, and the other appointments already holding the identifier.
import type { Appointment } from '@medplum/fhirtypes';
import { parseIdentifierToken } from '../http/sas-conditional.ts';
import { isRecord, list, text } from '../rules/read.ts';
import type { StoredState } from '../rules/write.ts';

export interface JudgementRequest {
  appointment: Appointment;
  state: Omit<StoredState, 'now'>;
}

function isAppointment(value: unknown): value is Appointment {
  return isRecord(value) && value.resourceType === 'Appointment';
}

/** The request, or the reason it is not one (answered 400). */
export function parseJudgementRequest(body: unknown): JudgementRequest | string {
  if (!isRecord(body)) {
    return 'the body must be a JSON object';
  }
  const { appointment, previous, conditionalIdentifier, author, identifierHolders } = body;
  if (!isAppointment(appointment)) {
    return 'appointment must be an Appointment resource';
  }
  if (previous !== undefined && !isAppointment(previous)) {
    return 'previous, when given, must be an Appointment resource';
  }
  const token = text(conditionalIdentifier);
  if (conditionalIdentifier !== undefined && !token) {
    return 'conditionalIdentifier, when given, must be a non-empty string (system|value or value)';
  }
  if (author !== undefined && (text(author) ?? '') === '') {
    return 'author, when given, must be a non-empty string such as ClientApplication/<id>';
  }
  const holders = list(identifierHolders);
  if (identifierHolders !== undefined && (!Array.isArray(identifierHolders) || holders.some((id) => !text(id)))) {
    return 'identifierHolders, when given, must be a list of appointment ids';
  }
  return {
    appointment,
    state: {
      previous,
      author: text(author),
      conditionalIdentifier: token === undefined ? undefined : parseIdentifierToken(token),
      // Absent means "not looked up", never "none" (ID-3).
      identifierHolders: identifierHolders === undefined ? undefined : holders.map(String),
    },
  };
}
