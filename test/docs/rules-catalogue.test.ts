import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { renderRulesCatalogue } from '../../src/docs/rules-catalogue.ts';
import { RULE_IDS } from '../../src/rules/types.ts';

test('docs/rules.md is what the rule modules generate (run `npm run docs:rules` after changing a rule)', () => {
  const committed = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rules.md'), 'utf8');
  expect(committed).toBe(renderRulesCatalogue());
});

test('the catalogue names every rule of the policy', () => {
  const catalogue = renderRulesCatalogue();
  for (const id of RULE_IDS) {
    expect(catalogue).toContain(`| ${id} |`);
  }
});
