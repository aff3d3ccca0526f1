import { identifiers, show } from '../read.ts';
import type { Rule } from '../types.ts';

const OID = /^urn:oid:[0-2](\.(0|[1-9]\d*))+$/;
/**
 * Control and format characters (zero-width space, joiners, bidi marks, …) and separators other than the plain space:
 * invisible, they make an identifier that looks like another one a new identifier.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu');

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
      fr: "L'identifiant du RDV a pour système `urn:oid:` suivi d'un OID valide ou une URL http(s) absolue, et une valeur non vide, sans espaces autour ni caractère invisible.",
      en: "The appointment identifier's system is `urn:oid:` plus a valid OID or an absolute http(s) URL; its value is non-empty, with no surrounding whitespace and no invisible character.",
    },
    messages: {
      system: {
        fr: "Le système d'identifiant « {system} » n'est ni `urn:oid:` suivi d'un OID valide, ni une URL http(s) absolue.",
        en: 'Identifier system "{system}" is neither `urn:oid:` followed by a valid OID nor an absolute http(s) URL.',
      },
      invisible: {
        fr: "La valeur d'identifiant « {value} » contient un caractère invisible (contrôle, format ou espace spéciale) : elle désignerait un autre RDV que celui qu'elle semble nommer.",
        en: 'Identifier value "{value}" holds an invisible character (control, format or special space): it would name another appointment than the one it seems to.',
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
      } else if (typeof value === 'string' && INVISIBLE.test(value)) {
        report({
          messageId: 'invisible',
          expression: `Appointment.identifier[${index}].value`,
          data: {
            value: value.replace(
              INVISIBLE_ALL,
              (c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`,
            ),
          },
        });
      }
    }
  },
};
