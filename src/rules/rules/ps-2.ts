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
    source: {
      fr: "Annuaire Santé de l'ANS (clé de Luhn du RPPS) ; avertissement, car l'exemple du guide 810100050075 ne la respecte pas",
      en: 'ANS Annuaire Santé (RPPS Luhn check digit); a warning because the IG example 810100050075 fails it',
    },
    description: {
      fr: 'Le numéro RPPS à 11 chiffres respecte sa clé de Luhn.',
      en: 'The 11-digit RPPS number passes its Luhn check.',
    },
    messages: {
      luhn: {
        fr: "Le RPPS de l'identifiant du PS « {value} » (8 + RPPS) ne respecte pas sa clé de Luhn : vérifiez le numéro du PS.",
        en: 'The RPPS in practitioner identifier "{value}" (8 + RPPS) fails its Luhn check: verify the practitioner number.',
      },
    },
  },
  create({ appointment, report }) {
    for (const { expression, value } of practitionerIdentifiers(appointment)) {
      if (typeof value === 'string' && /^8\d{11}$/.test(value) && !luhnValid(value.slice(1))) {
        report({ messageId: 'luhn', expression, data: { value } });
      }
    }
  },
};
