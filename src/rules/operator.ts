// Reading the FrAppointmentOperator extension, shared by the OP-* rules.
import { operatorExtensions, path, text, typeCodings } from './read.ts';
import { IDENTIFIER_TYPE_SYSTEM, OPERATOR_EXTENSION_URL } from './sas-codes.ts';

export interface Operator {
  /** FHIRPath of the operator's identifier. */
  expression: string;
  identifier: unknown;
  /** The fr-v2-0203 code (the first coding's code when it is a string). */
  code: string | undefined;
  system: unknown;
  value: unknown;
}

export function operators(appointment: unknown): Operator[] {
  return operatorExtensions(appointment, OPERATOR_EXTENSION_URL).map(({ index, extension }) => {
    const identifier = path(extension, 'valueReference', 'identifier');
    const coding =
      typeCodings(identifier).find((c) => c.system === IDENTIFIER_TYPE_SYSTEM) ?? typeCodings(identifier)[0];
    return {
      expression: `Appointment.extension[${index}].valueReference.identifier`,
      identifier,
      code: text(coding?.code),
      system: path(identifier, 'system'),
      value: path(identifier, 'value'),
    };
  });
}

/** `system|value` of the single operator, when it has both. */
export function operatorKey(appointment: unknown): string | undefined {
  const found = operators(appointment);
  const system = text(found[0]?.system);
  const value = text(found[0]?.value);
  return found.length === 1 && system !== undefined && value !== undefined ? `${system}|${value}` : undefined;
}
