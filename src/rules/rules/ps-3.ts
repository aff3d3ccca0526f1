import { practitionerIdentifiers } from '../practitioner.ts';
import { path } from '../read.ts';
import type { Rule } from '../types.ts';

const NEEDS_PRACTITIONER = ['booked', 'fulfilled', 'noshow'];

export const rule: Rule = {
  meta: {
    id: 'PS-3',
    defaultSeverity: 'warning',
    code: 'business-rule',
    source: {
      fr: 'Guide SAS 1.2.0, Gestion de RDV (PS effecteur)',
      en: 'SAS IG 1.2.0, Gestion de RDV (the practitioner who sees the patient)',
    },
    description: {
      fr: 'Un RDV booked, fulfilled ou noshow identifie au moins un PS.',
      en: 'A booked, fulfilled or noshow appointment identifies at least one practitioner.',
    },
    messages: {
      missing: {
        fr: "Le RDV est « {status} » mais aucun PS effecteur n'est identifié (participant.actor.identifier).",
        en: 'The appointment is "{status}" but no practitioner is identified (participant.actor.identifier).',
      },
    },
  },
  create({ appointment, report }) {
    const status = path(appointment, 'status');
    if (typeof status !== 'string' || !NEEDS_PRACTITIONER.includes(status)) {
      return;
    }
    const identified = practitionerIdentifiers(appointment).some(
      ({ value }) => typeof value === 'string' && value !== '',
    );
    if (!identified) {
      report({ messageId: 'missing', expression: 'Appointment.participant', data: { status } });
    }
  },
};
