import { identifiers, show } from '../read.ts';
import type { Rule } from '../types.ts';

const OID = /^urn:oid:[0-2](\.(0|[1-9]\d*))+$/;

function isValidSystem(system: string): boolean {
  if (OID.test(system)) {
    return true;
  }
  try {
    const url = new URL(system);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export const rule: Rule = {
  meta: {
    id: 'ID-1',
    defaultSeverity: 'error',
    code: 'value',
    source: {
      fr: 'Guide SAS 1.2.0, FrAppointmentSAS (identifier) ; types de données FHIR R4 (uri)',
      en: 'SAS IG 1.2.0, FrAppointmentSAS (identifier); FHIR R4 datatypes (uri)',
    },
    description: {
      fr: "L'identifiant du RDV a pour système `urn:oid:` suivi d'un OID valide ou une URL http(s) absolue, et une valeur non vide sans espaces autour.",
      en: "The appointment identifier's system is `urn:oid:` plus a valid OID or an absolute http(s) URL; its value is non-empty with no surrounding whitespace.",
    },
    messages: {
      system: {
        fr: "Le système d'identifiant « {system} » n'est ni `urn:oid:` suivi d'un OID valide, ni une URL http(s) absolue.",
        en: 'Identifier system "{system}" is neither `urn:oid:` followed by a valid OID nor an absolute http(s) URL.',
      },
      value: {
        fr: "La valeur d'identifiant « {value} » est vide ou entourée d'espaces.",
        en: 'Identifier value "{value}" is empty or has surrounding whitespace.',
      },
    },
  },
  create({ appointment, report }) {
    for (const { index, system, value } of identifiers(appointment)) {
      if (system !== undefined && !(typeof system === 'string' && isValidSystem(system))) {
        report({
          messageId: 'system',
          expression: `Appointment.identifier[${index}].system`,
          data: { system: show(system) },
        });
      }
      if (value !== undefined && !(typeof value === 'string' && value !== '' && value.trim() === value)) {
        report({
          messageId: 'value',
          expression: `Appointment.identifier[${index}].value`,
          data: { value: show(value) },
        });
      }
    }
  },
};
