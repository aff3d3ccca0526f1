import { path } from '../read.ts';
import type { Rule } from '../types.ts';

export const rule: Rule = {
  meta: {
    id: 'CR-1',
    defaultSeverity: 'warning',
    code: 'required',
    source: {
      fr: 'Guide SAS 1.2.0, FrAppointmentSAS (created must-support ; transmission au LRM)',
      en: 'SAS IG 1.2.0, FrAppointmentSAS (created must-support; transmission to the LRM)',
    },
    description: {
      fr: 'La date de création du RDV (created) est renseignée.',
      en: 'The appointment creation date (created) is present.',
    },
    messages: {
      missing: {
        fr: 'La date de création du RDV (created) est absente : elle est attendue depuis le guide 1.2.0 pour la transmission au LRM.',
        en: 'The appointment creation date (created) is missing: expected since guide 1.2.0 for transmission to the LRM.',
      },
    },
  },
  create({ appointment, report }) {
    if (path(appointment, 'created') === undefined) {
      report({ messageId: 'missing', expression: 'Appointment.created' });
    }
  },
};
