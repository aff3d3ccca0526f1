import { participants, path } from '../read.ts';
import type { Rule } from '../types.ts';

/** A PS that has not answered yet: the appointment awaits acceptance, or was cancelled before it (sas-guard's reading). */
const WHILE_NEEDS_ACTION = ['pending', 'cancelled'];

export const rule: Rule = {
  meta: {
    id: 'ST-3',
    defaultSeverity: 'error',
    code: 'invariant',
    source: {
      fr: "Guide SAS 2026 et SOS Médecins (pending tant que le PS n'a pas accepté)",
      en: 'SAS IG 2026 and SOS Médecins (pending while the practitioner has not accepted)',
    },
    description: {
      fr: 'Un participant needs-action implique un RDV pending (ou annulé) ; un RDV booked, fulfilled ou noshow a tous ses participants accepted.',
      en: 'A needs-action participant implies a pending (or cancelled) appointment; a booked, fulfilled or noshow appointment has every participant accepted.',
    },
    messages: {
      needsAction: {
        fr: 'Le participant attend encore une réponse (needs-action) : le RDV doit être « pending », pas « {status} ».',
        en: 'The participant still needs to answer (needs-action): the appointment must be "pending", not "{status}".',
      },
    },
  },
  create({ appointment, report }) {
    const status = path(appointment, 'status');
    if (typeof status !== 'string' || WHILE_NEEDS_ACTION.includes(status)) {
      return;
    }
    for (const { index, participant } of participants(appointment)) {
      // needs-action is the one valid participant code a booked/fulfilled/noshow appointment cannot hold; codes
      // other than accepted and needs-action are ST-2's finding.
      if (path(participant, 'status') === 'needs-action') {
        report({ messageId: 'needsAction', expression: `Appointment.participant[${index}].status`, data: { status } });
      }
    }
  },
};
