// Bounded cost of hostile input: a body is read only up to a size of tree a SAS write never needs, and an answer
// lists at most MAX_LISTED_ISSUES issues (then one saying how many more), so that neither the time spent judging nor
// the size of the OperationOutcome grows with what an attacker sends.
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Language } from './types.ts';

/** A SAS appointment holds a few hundred JSON values; a batch of a hundred, a few tens of thousands. */
export const MAX_JSON_VALUES = 50_000;
/** A SAS appointment nests about 8 deep (extension → valueReference → identifier → type → coding). */
export const MAX_JSON_DEPTH = 64;
export const MAX_LISTED_ISSUES = 100;

/** Why `value` is too big a tree to judge, or undefined. Stops counting at the first limit passed. */
export function tooComplex(value: unknown, language: Language = 'fr'): string | undefined {
  let values = 0;
  // An explicit stack: a 200,000-deep body must not overflow the call stack here either.
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    values++;
    if (values > MAX_JSON_VALUES || depth > MAX_JSON_DEPTH) {
      return language === 'fr'
        ? `Le corps est trop volumineux pour être contrôlé : sas-guard lit au plus ${MAX_JSON_VALUES.toLocaleString('fr-FR')} valeurs JSON, imbriquées sur ${MAX_JSON_DEPTH} niveaux au plus (un RDV SAS en compte quelques centaines, sur une dizaine de niveaux).`
        : `The body is too large to be checked: sas-guard reads at most ${MAX_JSON_VALUES.toLocaleString('en')} JSON values, nested at most ${MAX_JSON_DEPTH} deep (a SAS appointment has a few hundred, about ten deep).`;
    }
    if (node !== null && typeof node === 'object') {
      for (const child of Object.values(node as Record<string, unknown>)) {
        stack.push([child, depth + 1]);
      }
    }
  }
  return undefined;
}

/** The first MAX_LISTED_ISSUES issues, and one saying how many were left out (errors come first in every list). */
export function capIssues(issues: OperationOutcomeIssue[], language: Language = 'fr'): OperationOutcomeIssue[] {
  if (issues.length <= MAX_LISTED_ISSUES) {
    return issues;
  }
  const more = issues.length - MAX_LISTED_ISSUES;
  return [
    ...issues.slice(0, MAX_LISTED_ISSUES),
    {
      severity: 'information',
      code: 'too-costly',
      details: {
        text:
          language === 'fr'
            ? `… et ${more} autre(s) problème(s), non listés : corrigez les premiers et renvoyez.`
            : `… and ${more} more issue(s), not listed: fix the first ones and send again.`,
      },
    },
  ];
}
