import { operators } from '../operator.ts';
import type { Rule } from '../types.ts';

const OPERATOR_TYPES = ['IDNPS', 'INTRN'];

export const rule: Rule = {
  meta: {
    id: 'OP-1',
    defaultSeverity: 'error',
    code: 'business-rule',
    source: {
      fr: 'Guide SAS 1.2.0, FrAppointmentSAS (extension FrAppointmentOperator)',
      en: 'SAS IG 1.2.0, FrAppointmentSAS (extension FrAppointmentOperator)',
    },
    description: {
      fr: "Un seul opérateur (régulateur ayant pris le RDV), dont le type d'identifiant est IDNPS ou INTRN.",
      en: 'Exactly one operator (the regulator who booked), with identifier type code IDNPS or INTRN.',
    },
    messages: {
      several: {
        fr: 'Le RDV porte {count} extensions opérateur : une seule est permise.',
        en: 'The appointment carries {count} operator extensions: only one is allowed.',
      },
      type: {
        fr: "Le type d'identifiant de l'opérateur « {code} » n'est ni IDNPS ni INTRN.",
        en: 'The operator identifier type "{code}" is neither IDNPS nor INTRN.',
      },
    },
  },
  create({ appointment, report }) {
    const found = operators(appointment);
    if (found.length > 1) {
      report({ messageId: 'several', expression: 'Appointment.extension', data: { count: String(found.length) } });
    }
    for (const operator of found) {
      if (operator.code !== undefined && !OPERATOR_TYPES.includes(operator.code)) {
        report({ messageId: 'type', expression: `${operator.expression}.type`, data: { code: operator.code } });
      }
    }
  },
};
