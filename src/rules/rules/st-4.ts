import { path } from '../read.ts';
import type { Rule } from '../types.ts';

/** Statuses each status may become. Absent: anything. */
const NEXT: Record<string, readonly string[]> = {
  cancelled: ['cancelled'],
  fulfilled: ['fulfilled', 'noshow', 'cancelled'],
  noshow: ['noshow', 'fulfilled', 'cancelled'],
};

export const rule: Rule = {
  meta: {
    id: 'ST-4',
    defaultSeverity: 'error',
    code: 'business-rule',
    source: {
      fr: "politique locale sas-guard (CI-SIS Gestion d'Agendas Partagés, flux 6b) ; configurable",
      en: "sas-guard local policy (CI-SIS Gestion d'Agendas Partagés, flow 6b); configurable",
    },
    description: {
      fr: 'Cycle de vie : un RDV annulé le reste ; fulfilled ⇄ noshow se corrigent, sans retour à booked ou pending.',
      en: 'Lifecycle: a cancelled appointment stays cancelled; fulfilled ⇄ noshow may be corrected, never back to booked or pending.',
    },
    messages: {
      transition: {
        fr: 'Un RDV « {previous} » ne peut pas redevenir « {status} ».',
        en: 'A "{previous}" appointment cannot become "{status}".',
      },
    },
  },
  create({ appointment, previous, report }) {
    const before = path(previous, 'status');
    const after = path(appointment, 'status');
    if (typeof before !== 'string' || typeof after !== 'string') {
      return;
    }
    const allowed = NEXT[before];
    if (allowed && !allowed.includes(after)) {
      report({ messageId: 'transition', expression: 'Appointment.status', data: { previous: before, status: after } });
    }
  },
};
