import { participants, path, show } from '../read.ts';
import { PARTICIPANT_STATUSES } from '../sas-codes.ts';
import type { Rule } from '../types.ts';

const ALLOWED: readonly unknown[] = PARTICIPANT_STATUSES;
/** FHIR R4 participationstatus codes: `refused` is not one of them. */
const R4_CODES: readonly unknown[] = ['accepted', 'declined', 'tentative', 'needs-action'];

export const rule: Rule = {
  meta: {
    id: 'ST-2',
    defaultSeverity: 'error',
    code: 'value',
    source: {
      fr: 'Guides SAS 1.2.0 et 2026, FrAppointmentSAS (participant.status) ; FHIR R4 participationstatus',
      en: 'SAS IG 1.2.0 and 2026, FrAppointmentSAS (participant.status); FHIR R4 participationstatus',
    },
    description: {
      fr: 'Le statut de chaque participant est accepted ou needs-action.',
      en: 'Each participant status is accepted or needs-action.',
    },
    messages: {
      notR4: {
        fr: "Le statut de participant « {status} » n'existe pas en FHIR R4 ; un RDV annulé garde son participant « accepted » (attendu : accepted ou needs-action).",
        en: 'Participant status "{status}" is not a FHIR R4 code; a cancelled appointment keeps its participant "accepted" (expected: accepted or needs-action).',
      },
      status: {
        fr: "Le statut de participant « {status} » n'est pas accepté par le SAS (attendu : accepted ou needs-action).",
        en: 'Participant status "{status}" is not accepted by SAS (expected: accepted or needs-action).',
      },
    },
  },
  create({ appointment, report }) {
    for (const { index, participant } of participants(appointment)) {
      const status = path(participant, 'status');
      if (status !== undefined && !ALLOWED.includes(status)) {
        report({
          messageId: R4_CODES.includes(status) ? 'status' : 'notR4',
          expression: `Appointment.participant[${index}].status`,
          data: { status: show(status) },
        });
      }
    }
  },
};
