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
      fr: 'Début et fin sont des instants lisibles, et la fin est après le début (égales : avertissement).',
      en: 'Start and end are readable instants, and the appointment ends after it starts (equal: warning).',
    },
    messages: {
      before: {
        fr: 'La fin du RDV ({end}) précède son début ({start}).',
        en: 'The appointment end ({end}) is before its start ({start}).',
      },
      unreadable: {
        fr: "L'heure « {value} » ({field}) n'est pas un instant FHIR lisible (AAAA-MM-JJThh:mm:ss avec fuseau, secondes 00 à 59) : elle ne peut pas être contrôlée.",
        en: 'The time "{value}" ({field}) is not a readable FHIR instant (YYYY-MM-DDThh:mm:ss with a zone, seconds 00 to 59): it cannot be checked.',
      },
      equal: {
        fr: 'Le RDV dure zéro minute : début et fin sont égaux ({start}).',
        en: 'The appointment lasts zero minutes: start and end are equal ({start}).',
      },
    },
  },
  create({ appointment, report }) {
    // A time present but unreadable (a leap second `…T14:00:60+01:00`, a date without time) is a violation, never a
    // skip: the checks below would otherwise be silently off.
    for (const field of ['start', 'end']) {
      const value = path(appointment, field);
      if (value !== undefined && instant(value) === undefined) {
        report({ messageId: 'unreadable', expression: `Appointment.${field}`, data: { field, value: show(value) } });
      }
    }
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
