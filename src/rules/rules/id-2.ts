import { identifierKey } from '../read.ts';
import type { Rule } from '../types.ts';

export const rule: Rule = {
  meta: {
    id: 'ID-2',
    defaultSeverity: 'error',
    code: 'business-rule',
    source: {
      fr: "Guide SAS 1.2.0, Mise à jour de rendez-vous (mise à jour conditionnelle sur l'identifiant)",
      en: 'SAS IG 1.2.0, Mise à jour de rendez-vous (conditional update on identifier)',
    },
    description: {
      fr: "À la mise à jour, l'identifiant (system|value) du RDV ne change jamais.",
      en: "On update, the appointment's identifier (system|value) never changes.",
    },
    messages: {
      changed: {
        fr: "L'identifiant du RDV ne peut pas changer : « {previous} » est devenu « {current} ».",
        en: 'The appointment identifier cannot change: "{previous}" became "{current}".',
      },
    },
  },
  create({ appointment, previous, report }) {
    const before = identifierKey(previous);
    const after = identifierKey(appointment);
    if (before && after && (before.system !== after.system || before.value !== after.value)) {
      report({
        messageId: 'changed',
        expression: 'Appointment.identifier[0]',
        data: { previous: `${before.system}|${before.value}`, current: `${after.system}|${after.value}` },
      });
    }
  },
};
