import { practitionerIdentifiers } from '../practitioner.ts';
import type { Rule } from '../types.ts';

/** Luhn check of the 11-digit RPPS number. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) {
        digit -= 9;
      }
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export const rule: Rule = {
  meta: {
    id: 'PS-2',
    defaultSeverity: 'warning',
    code: 'value',
    source: 'ANS annuaire santé (clé de Luhn du RPPS); warning because the IG example 810100050075 fails it',
    description: {
      fr: 'Le numéro RPPS à 11 chiffres respecte sa clé de Luhn.',
      en: 'The 11-digit RPPS number passes its Luhn check.',
    },
    messages: {
      luhn: {
        fr: 'Le RPPS « {rpps} » ne respecte pas sa clé de Luhn : vérifiez le numéro du PS.',
        en: 'RPPS "{rpps}" fails its Luhn check: verify the practitioner number.',
      },
    },
  },
  create({ appointment, report }) {
    for (const { expression, value } of practitionerIdentifiers(appointment)) {
      if (typeof value === 'string' && /^8\d{11}$/.test(value) && !luhnValid(value.slice(1))) {
        report({ messageId: 'luhn', expression, data: { rpps: value.slice(1) } });
      }
    }
  },
};
