import { path, show } from '../read.ts';
import { APPOINTMENT_STATUSES } from '../sas-codes.ts';
import type { Rule } from '../types.ts';

const ALLOWED: readonly unknown[] = APPOINTMENT_STATUSES;

export const rule: Rule = {
  meta: {
    id: 'ST-1',
    defaultSeverity: 'error',
    code: 'value',
    source: {
      fr: "kit de test SAS de l'ANS (statuts acceptés) ; guide SAS 2026 (pending)",
      en: 'ANS SAS test kit (accepted statuses); SAS IG 2026 (pending)',
    },
    description: {
      fr: `Le statut du RDV est l'un de : ${APPOINTMENT_STATUSES.join(', ')}.`,
      en: `The appointment status is one of: ${APPOINTMENT_STATUSES.join(', ')}.`,
    },
    messages: {
      status: {
        fr: `Le statut « {status} » n'est pas accepté par le SAS (attendu : ${APPOINTMENT_STATUSES.join(', ')}).`,
        en: `Status "{status}" is not accepted by SAS (expected: ${APPOINTMENT_STATUSES.join(', ')}).`,
      },
    },
  },
  create({ appointment, report }) {
    const status = path(appointment, 'status');
    if (status !== undefined && !ALLOWED.includes(status)) {
      report({ messageId: 'status', expression: 'Appointment.status', data: { status: show(status) } });
    }
  },
};
