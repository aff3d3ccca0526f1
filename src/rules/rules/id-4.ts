import { identifiers, show, text } from '../read.ts';
import type { Rule } from '../types.ts';

/** A body value as the sender wrote it (absent: nothing). */
function sent(value: unknown): string {
  return value === undefined ? '' : show(value);
}

export const rule: Rule = {
  meta: {
    id: 'ID-4',
    defaultSeverity: 'error',
    code: 'business-rule',
    source: {
      fr: 'FHIR R4 http.html#cond-update ; guide SAS 1.2.0, Mise à jour de rendez-vous',
      en: 'FHIR R4 http.html#cond-update; SAS IG 1.2.0, Mise à jour de rendez-vous',
    },
    description: {
      fr: "Quand l'URL de la requête est visible, l'identifiant du corps est celui de l'URL de mise à jour conditionnelle.",
      en: "Where the request URL is visible, the body's identifier is the conditional update URL's identifier.",
    },
    messages: {
      mismatch: {
        fr: "L'identifiant du corps « {body} » ne correspond pas à celui de l'URL « {url} ».",
        en: 'The body identifier "{body}" does not match the URL\'s "{url}".',
      },
    },
  },
  create({ appointment, conditionalIdentifier, report }) {
    const first = identifiers(appointment)[0];
    if (!conditionalIdentifier || !first) {
      return;
    }
    const system = text(first.system);
    const value = text(first.value);
    const matches =
      value === conditionalIdentifier.value &&
      (conditionalIdentifier.system === undefined || system === conditionalIdentifier.system);
    if (!matches) {
      const url =
        conditionalIdentifier.system === undefined
          ? conditionalIdentifier.value
          : `${conditionalIdentifier.system}|${conditionalIdentifier.value}`;
      report({
        messageId: 'mismatch',
        expression: 'Appointment.identifier[0]',
        data: { body: `${sent(first.system)}|${sent(first.value)}`, url },
      });
    }
  },
};
