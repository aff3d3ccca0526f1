import { instant, path, show } from '../read.ts';
import type { Rule } from '../types.ts';

export const rule: Rule = {
  meta: {
    id: 'TM-1',
    defaultSeverity: 'error',
    code: 'invariant',
    source: {
      fr: 'FHIR R4 Appointment (start/end) ; guide SAS 1.2.0',
      en: 'FHIR R4 Appointment (start/end); SAS IG 1.2.0',
    },
    description: {
      fr: 'La fin du RDV est après son début (égales : avertissement).',
      en: 'The appointment ends after it starts (equal: warning).',
    },
    messages: {
      before: {
        fr: 'La fin du RDV ({end}) précède son début ({start}).',
        en: 'The appointment end ({end}) is before its start ({start}).',
      },
      equal: {
        fr: 'Le RDV dure zéro minute : début et fin sont égaux ({start}).',
        en: 'The appointment lasts zero minutes: start and end are equal ({start}).',
      },
    },
  },
  create({ appointment, report }) {
    const start = instant(path(appointment, 'start'));
    const end = instant(path(appointment, 'end'));
    if (start === undefined || end === undefined || end > start) {
      return;
    }
    const data = { start: show(path(appointment, 'start')), end: show(path(appointment, 'end')) };
    if (end < start) {
      report({ messageId: 'before', expression: 'Appointment.end', data });
    } else {
      report({ messageId: 'equal', expression: 'Appointment.end', data, warningOnly: true });
    }
  },
};
