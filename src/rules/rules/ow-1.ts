import type { Rule } from '../types.ts';
import { foreignOwner } from '../owner.ts';

export const rule: Rule = {
  meta: {
    id: 'OW-1',
    defaultSeverity: 'error',
    code: 'security',
    source: {
      fr: "politique de sécurité sas-guard (un éditeur ne peut pas réécrire les RDV d'un autre)",
      en: "sas-guard security policy (one editor cannot rewrite another editor's appointments)",
    },
    description: {
      fr: 'Seul le client qui a créé le RDV peut le mettre à jour, sauf auteur de confiance configuré.',
      en: 'Only the client that created an appointment may update it, unless the writer is a configured trusted author.',
    },
    messages: {
      owner: {
        fr: 'Ce RDV appartient à {owner} : {author} ne peut pas le modifier.',
        en: 'This appointment belongs to {owner}: {author} cannot change it.',
      },
    },
  },
  create(run) {
    const owner = foreignOwner(run);
    if (owner && run.author) {
      run.report({ messageId: 'owner', expression: 'Appointment', data: { owner, author: run.author } });
    }
  },
};
