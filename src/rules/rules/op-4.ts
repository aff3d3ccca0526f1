import { operatorKey } from '../operator.ts';
import type { Rule } from '../types.ts';

export const rule: Rule = {
  meta: {
    id: 'OP-4',
    defaultSeverity: 'warning',
    code: 'business-rule',
    source: {
      fr: 'politique sas-guard (traçabilité du régulateur qui a pris le RDV)',
      en: 'sas-guard policy (traceability of the booking regulator)',
    },
    description: {
      fr: "L'opérateur diffère de celui de la version précédente.",
      en: "The operator differs from the previous version's.",
    },
    messages: {
      changed: {
        fr: "L'opérateur du RDV a changé : « {previous} » devient « {current} ».",
        en: 'The appointment operator changed: "{previous}" becomes "{current}".',
      },
    },
  },
  create({ appointment, previous, report }) {
    const before = operatorKey(previous);
    const after = operatorKey(appointment);
    if (before !== undefined && after !== undefined && before !== after) {
      report({
        messageId: 'changed',
        expression: 'Appointment.extension',
        data: { previous: before, current: after },
      });
    }
  },
};
