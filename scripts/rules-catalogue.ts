// `npm run docs:rules`: regenerates docs/rules.md from the rule modules.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderRulesCatalogue } from '../src/docs/rules-catalogue.ts';

writeFileSync(join(import.meta.dirname, '..', 'docs', 'rules.md'), renderRulesCatalogue());
console.log('docs/rules.md written');
