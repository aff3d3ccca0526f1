import { show } from '../read.ts';
import { practitionerIdentifiers } from '../practitioner.ts';
import type { Rule } from '../types.ts';

const RPPS_OR_ADELI = /^(8\d{11}|0[0-9A-Za-z]{9})$/;

export const rule: Rule = {
  meta: {
    id: 'PS-1',
    defaultSeverity: 'error',
    code: 'value',
    source: {
      fr: 'Guide SAS 1.2.0, FrAppointmentSAS (participant.actor.identifier, IDNPS)',
      en: 'SAS IG 1.2.0, FrAppointmentSAS (participant.actor.identifier, IDNPS)',
    },
    description: {
      fr: "L'identifiant du PS effecteur est 8 + 11 chiffres (RPPS) ou 0 + 9 caractères (ADELI).",
      en: "The practitioner's identifier is 8 + 11 digits (RPPS) or 0 + 9 characters (ADELI).",
    },
    messages: {
      format: {
        fr: "L'identifiant du PS « {value} » n'est ni 8 + RPPS (11 chiffres) ni 0 + ADELI (9 caractères).",
        en: 'Practitioner identifier "{value}" is neither 8 + RPPS (11 digits) nor 0 + ADELI (9 characters).',
      },
    },
  },
  create({ appointment, report }) {
    for (const { expression, value } of practitionerIdentifiers(appointment)) {
      if (value !== undefined && !(typeof value === 'string' && RPPS_OR_ADELI.test(value))) {
        report({ messageId: 'format', expression, data: { value: show(value) } });
      }
    }
  },
};
