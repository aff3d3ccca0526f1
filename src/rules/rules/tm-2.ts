import { instant, path, show } from '../read.ts';
import type { Rule } from '../types.ts';

const DAY_MS = 24 * 3600 * 1000;
const TWO_YEARS_MS = 2 * 365.25 * DAY_MS;

export const rule: Rule = {
  meta: {
    id: 'TM-2',
    defaultSeverity: 'warning',
    code: 'business-rule',
    source: {
      fr: 'politique sas-guard (vraisemblance pour des soins non programmés)',
      en: 'sas-guard policy (plausibility for unscheduled care)',
    },
    description: {
      fr: 'Durée de plus de 24 h, ou début à plus de 2 ans de maintenant.',
      en: 'Duration over 24 h, or start more than 2 years away from now.',
    },
    messages: {
      long: {
        fr: 'Le RDV dure plus de 24 heures ({start} → {end}).',
        en: 'The appointment lasts more than 24 hours ({start} → {end}).',
      },
      far: {
        fr: 'Le début du RDV ({start}) est à plus de 2 ans de la date du jour.',
        en: 'The appointment start ({start}) is more than 2 years away from today.',
      },
    },
  },
  create({ appointment, now, report }) {
    const startText = show(path(appointment, 'start'));
    const start = instant(path(appointment, 'start'));
    const end = instant(path(appointment, 'end'));
    if (start !== undefined && end !== undefined && end - start > DAY_MS) {
      report({
        messageId: 'long',
        expression: 'Appointment.end',
        data: { start: startText, end: show(path(appointment, 'end')) },
      });
    }
    if (start !== undefined && Math.abs(start - now.getTime()) > TWO_YEARS_MS) {
      report({ messageId: 'far', expression: 'Appointment.start', data: { start: startText } });
    }
  },
};
