// `npm run docs:rules`: regenerates docs/rules.md from the rule modules.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scriptArguments } from '../src/cli/args.ts';
import { renderRulesCatalogue } from '../src/docs/rules-catalogue.ts';

const USAGE = `Usage: npm run docs:rules

Regenerates docs/rules.md from the rule modules (src/rules/rules/*.ts). Exit status: 0 written; 2 usage error.`;

scriptArguments(
  { name: 'docs:rules', help: 'npm run docs:rules -- --help', usage: USAGE },
  { options: { help: { type: 'boolean', short: 'h' } } },
);

writeFileSync(join(import.meta.dirname, '..', 'docs', 'rules.md'), renderRulesCatalogue());
console.log('docs/rules.md written');
