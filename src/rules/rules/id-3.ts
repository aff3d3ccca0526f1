import { identifierKey } from '../read.ts';
import type { Rule } from '../types.ts';

export const rule: Rule = {
  meta: {
    id: 'ID-3',
    defaultSeverity: 'error',
    code: 'duplicate',
    source: {
      fr: 'Guide SAS 1.2.0, Gestion de RDV (un RDV par identifiant)',
      en: 'SAS IG 1.2.0, Gestion de RDV (one appointment per identifier)',
    },
    description: {
      fr: 'Aucun autre RDV ne porte le même identifiant (second POST du même RDV).',
      en: 'No other appointment holds the same identifier (a second POST of the same appointment).',
    },
    messages: {
      duplicate: {
        fr: "Un autre RDV porte déjà l'identifiant « {identifier} » (Appointment/{holder}) : mettez-le à jour par PUT Appointment?identifier=… au lieu d'en créer un second.",
        en: 'Another appointment already holds identifier "{identifier}" (Appointment/{holder}): update it with PUT Appointment?identifier=… instead of creating a second one.',
      },
    },
  },
  create({ appointment, identifierHolders, report }) {
    const key = identifierKey(appointment);
    const ownId = appointment.id;
    const holder = identifierHolders?.find((id) => id !== ownId);
    if (key && holder !== undefined) {
      report({
        messageId: 'duplicate',
        expression: 'Appointment.identifier[0]',
        data: { identifier: `${key.system}|${key.value}`, holder },
      });
    }
  },
};
