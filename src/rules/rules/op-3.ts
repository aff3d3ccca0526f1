import { show } from '../read.ts';
import { operators } from '../operator.ts';
import type { Rule } from '../types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** RPPS (8 + 11 digits), ADELI (0 + 9 characters), or a structure-prefixed id: 1|3|4|5|6 + structure id + `/` + internal id. */
const IDNPS = /^(8\d{11}|0[0-9A-Za-z]{9}|[13456][0-9A-Za-z]+\/[0-9A-Za-z]+)$/;

export const rule: Rule = {
  meta: {
    id: 'OP-3',
    defaultSeverity: 'error',
    code: 'value',
    source: {
      fr: "Guide SAS 1.2.0, FrAppointmentOperator ; Annuaire Santé de l'ANS (formats des identifiants nationaux)",
      en: 'SAS IG 1.2.0, FrAppointmentOperator; ANS Annuaire Santé (national identifier formats)',
    },
    description: {
      fr: 'Format de la valeur opérateur : INTRN → un UUID ; IDNPS → identifiant national préfixé (8+RPPS, 0+ADELI, ou 1|3|4|5|6 + structure + « / » + identifiant interne).',
      en: 'Operator value format: INTRN → a UUID; IDNPS → a prefixed national id (8+RPPS, 0+ADELI, or 1|3|4|5|6 + structure + "/" + internal id).',
    },
    messages: {
      INTRN: {
        fr: "L'identifiant technique SAS de l'opérateur « {value} » n'est pas un UUID.",
        en: 'The operator\'s SAS technical id "{value}" is not a UUID.',
      },
      IDNPS: {
        fr: "L'identifiant national de l'opérateur « {value} » n'est ni 8+RPPS (11 chiffres), ni 0+ADELI (9 caractères), ni structure/identifiant interne (ex. 3456780581/11242343).",
        en: 'The operator\'s national id "{value}" is neither 8+RPPS (11 digits), 0+ADELI (9 characters), nor structure/internal id (e.g. 3456780581/11242343).',
      },
    },
  },
  create({ appointment, report }) {
    for (const operator of operators(appointment)) {
      const { code, value } = operator;
      if (value === undefined || (code !== 'INTRN' && code !== 'IDNPS')) {
        continue;
      }
      const pattern = code === 'INTRN' ? UUID : IDNPS;
      if (typeof value !== 'string' || !pattern.test(value)) {
        report({ messageId: code, expression: `${operator.expression}.value`, data: { value: show(value) } });
      }
    }
  },
};
