// `npm run build`: writes the bot bundle where medplum.config.json's `dist` says, for `medplum bot deploy`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { bundleBot, bundlePath } from '../src/build/bot-bundle.ts';
import { scriptArguments } from '../src/cli/args.ts';

const USAGE = `Usage: npm run build

Bundles the pre-commit bot (bots/sas-appointment-guard.ts, esbuild, CommonJS) where medplum.config.json's dist says,
for \`npx medplum bot deploy\`. Exit status: 0 written; 1 the bundler failed; 2 usage error.`;

scriptArguments(
  { name: 'build', help: 'npm run build -- --help', usage: USAGE },
  { options: { help: { type: 'boolean', short: 'h' } } },
);

const code = await bundleBot();
const file = bundlePath();
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, code);
console.log(`${relative(process.cwd(), file)}: ${(code.length / 1024).toFixed(1)} kB`);
