// The rule catalogue: every SAS business rule of sas-rules.md §3, in the policy's order.
import { rule as cr1 } from './rules/cr-1.ts';
import { rule as id1 } from './rules/id-1.ts';
import { rule as id2 } from './rules/id-2.ts';
import { rule as id3 } from './rules/id-3.ts';
import { rule as id4 } from './rules/id-4.ts';
import { rule as op1 } from './rules/op-1.ts';
import { rule as op2 } from './rules/op-2.ts';
import { rule as op3 } from './rules/op-3.ts';
import { rule as op4 } from './rules/op-4.ts';
import { rule as ow1 } from './rules/ow-1.ts';
import { rule as pr1 } from './rules/pr-1.ts';
import { rule as ps1 } from './rules/ps-1.ts';
import { rule as ps2 } from './rules/ps-2.ts';
import { rule as ps3 } from './rules/ps-3.ts';
import { rule as st1 } from './rules/st-1.ts';
import { rule as st2 } from './rules/st-2.ts';
import { rule as st3 } from './rules/st-3.ts';
import { rule as st4 } from './rules/st-4.ts';
import { rule as tm1 } from './rules/tm-1.ts';
import { rule as tm2 } from './rules/tm-2.ts';
import type { Rule, RuleId } from './types.ts';

export const allRules: readonly Rule[] = [
  id1,
  id2,
  id3,
  id4,
  op1,
  op2,
  op3,
  op4,
  ps1,
  ps2,
  ps3,
  st1,
  st2,
  st3,
  st4,
  tm1,
  tm2,
  cr1,
  pr1,
  ow1,
];

export const rulesById = Object.fromEntries(allRules.map((rule) => [rule.meta.id, rule])) as Record<RuleId, Rule>;
