// The project's scripts behave like commands: --help prints the usage with the exit statuses and does nothing else;
// an unknown option is refused in one line pointing to the help, exit 2, never a stack, never the work started.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ProcessResult } from '../process.ts';
import { runProcess } from '../process.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function run(script: string, args: string[]): Promise<ProcessResult> {
  return runProcess(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT });
}

// script, its name in messages, how its help is asked for
const SCRIPTS: [string, string, string][] = [
  ['bench/run.ts', 'bench', 'npm run bench -- --help'],
  ['bench/sas-check.ts', 'bench/sas-check.ts', 'npx node bench/sas-check.ts --help'],
  ['bench/sas-check-gen.ts', 'sas-check-gen', 'npx node bench/sas-check-gen.ts --help'],
  ['scripts/soak.ts', 'soak', 'npm run soak -- --help'],
  ['scripts/build.ts', 'build', 'npm run build -- --help'],
  ['scripts/build-package.ts', 'build-package', 'node scripts/build-package.ts --help'],
  ['scripts/build-profiles.ts', 'build:profiles', 'npm run build:profiles -- --help'],
  ['scripts/rules-catalogue.ts', 'docs:rules', 'npm run docs:rules -- --help'],
  ['bin/sas-check.js', 'sas-check', 'sas-check --help'],
];

describe.each(SCRIPTS)('%s', (script, name, help) => {
  test('--help: the usage and its exit statuses, exit 0, nothing done', async () => {
    const result = await run(script, ['--help']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: /);
    expect(result.stdout).toMatch(/Exit status: 0 .*2 usage error/s);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toMatch(/\[bench|kB$|rules\.md written|^Wrote \d|lib\/ compiled|^\{/m); // the work did not start
  });

  test('an unknown option: one line, exit 2', async () => {
    const result = await run(script, ['--no-such-option']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${name}: unknown option --no-such-option — see ${help}\n`);
  });
});
