import { list, path } from '../read.ts';
import { ALL_SAS_PROFILE_URLS } from '../sas-codes.ts';
import type { Rule } from '../types.ts';

export const rule: Rule = {
  meta: {
    id: 'PR-1',
    defaultSeverity: 'error',
    code: 'required',
    source: {
      fr: 'Guide SAS 1.2.0 (meta.profile) ; sans lui, Medplum ne valide aucun profil',
      en: 'SAS IG 1.2.0 (meta.profile); without it Medplum validates no profile',
    },
    description: {
      fr: "meta.profile déclare un profil SAS (FrAppointmentSAS sous l'une de ses URL, ou le profil SOS Médecins).",
      en: 'meta.profile names a SAS profile (FrAppointmentSAS under one of its URLs, or the SOS Médecins profile).',
    },
    messages: {
      missing: {
        fr: `meta.profile ne déclare aucun profil SAS ; attendu l'un de : ${ALL_SAS_PROFILE_URLS.join(', ')}.`,
        en: `meta.profile names no SAS profile; expected one of: ${ALL_SAS_PROFILE_URLS.join(', ')}.`,
      },
    },
  },
  create({ appointment, report }) {
    const profiles = list(path(appointment, 'meta', 'profile'));
    if (!profiles.some((profile) => typeof profile === 'string' && ALL_SAS_PROFILE_URLS.includes(profile))) {
      report({ messageId: 'missing', expression: 'Appointment.meta.profile' });
    }
  },
};
