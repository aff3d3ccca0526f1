// `npm run build`: writes the bot bundle where medplum.config.json's `dist` says, for `medplum bot deploy`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { bundleBot, bundlePath } from '../src/build/bot-bundle.ts';

const code = await bundleBot();
const file = bundlePath();
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, code);
console.log(`${relative(process.cwd(), file)}: ${(code.length / 1024).toFixed(1)} kB`);
