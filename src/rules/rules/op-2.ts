import { show } from '../read.ts';
import { operators } from '../operator.ts';
import { OID_IDNPS, OID_SAS_TECHNICAL_ID } from '../sas-codes.ts';
import type { Rule } from '../types.ts';

const SYSTEM_OF_TYPE: Record<string, string> = { IDNPS: OID_IDNPS, INTRN: OID_SAS_TECHNICAL_ID };

export const rule: Rule = {
  meta: {
    id: 'OP-2',
    defaultSeverity: 'error',
    code: 'value',
    source: {
      fr: "Guide SAS 1.2.0, FrAppointmentOperator ; kit de test SAS de l'ANS",
      en: 'SAS IG 1.2.0, FrAppointmentOperator; ANS SAS test kit',
    },
    description: {
      fr: `Type et système de l'identifiant opérateur concordent : IDNPS ⇔ ${OID_IDNPS}, INTRN ⇔ ${OID_SAS_TECHNICAL_ID}.`,
      en: `The operator identifier's type and system agree: IDNPS ⇔ ${OID_IDNPS}, INTRN ⇔ ${OID_SAS_TECHNICAL_ID}.`,
    },
    messages: {
      mismatch: {
        fr: 'Un identifiant opérateur de type {code} a pour système {expected}, pas « {system} ».',
        en: 'An operator identifier of type {code} has system {expected}, not "{system}".',
      },
    },
  },
  create({ appointment, report }) {
    for (const operator of operators(appointment)) {
      const expected = operator.code === undefined ? undefined : SYSTEM_OF_TYPE[operator.code];
      if (expected !== undefined && operator.system !== undefined && operator.system !== expected) {
        report({
          messageId: 'mismatch',
          expression: `${operator.expression}.system`,
          data: { code: operator.code ?? '', expected, system: show(operator.system) },
        });
      }
    }
  },
};
