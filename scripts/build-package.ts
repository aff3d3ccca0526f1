// `npm pack` runs this (prepack): what the installed package runs, with no TypeScript at run time. src/ is compiled to
// lib/ (tsc with tsconfig.build.json: relative `.ts` imports rewritten to `.js`, same folder depth as src/, so paths
// from import.meta.dirname still reach profiles/generated and medplum.config.json), and the bot bundle is written where
// medplum.config.json says (dist/bots/), so that `sas-guard deploy` and `sas-guard start` need neither esbuild nor tsc.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { bundleBot, bundlePath } from '../src/build/bot-bundle.ts';
import { scriptArguments } from '../src/cli/args.ts';

const USAGE = `Usage: node scripts/build-package.ts      (run by npm pack, as prepack)

Compiles src/ to lib/ (tsconfig.build.json) and writes the bot bundle to dist/bots/, what the package's bins run.
Exit status: 0 built; 1 the compiler or the bundler failed; 2 usage error.`;

scriptArguments(
  { name: 'build-package', help: 'node scripts/build-package.ts --help', usage: USAGE },
  { options: { help: { type: 'boolean', short: 'h' } } },
);

const ROOT = join(import.meta.dirname, '..');
const started = performance.now();
rmSync(join(ROOT, 'lib'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
} catch {
  console.error('build-package: tsc failed (its errors are above)');
  process.exit(1);
}
const code = await bundleBot();
const file = bundlePath();
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, code);
console.log(
  `build-package: lib/ compiled, ${relative(ROOT, file)} (${(code.length / 1024).toFixed(1)} kB) in ${Math.round(performance.now() - started)} ms`,
);
