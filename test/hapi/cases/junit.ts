// The JUnit 5 tests of hapi/plugin run by Maven, offline: HAPI's generic client against this file's server, and the
// profile validator against HAPI's own.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { HAPI_DIR } from '../../../src/bridge/hapi-build.ts';
import type { HapiStack } from '../stack.ts';
import { CLIENTS } from '../stack.ts';

const PLUGIN = join(HAPI_DIR, 'plugin');
const REPORTS = join(PLUGIN, 'target', 'surefire-reports');

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function counts(): { tests: number; failures: number } {
  let tests = 0;
  let failures = 0;
  for (const file of readdirSync(REPORTS).filter((name) => name.startsWith('TEST-') && name.endsWith('.xml'))) {
    const suite = /<testsuite [^>]*>/.exec(readFileSync(join(REPORTS, file), 'utf8'))?.[0] ?? '';
    const attribute = (name: string): number => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
    tests += attribute('tests') - attribute('skipped');
    failures += attribute('failures') + attribute('errors');
  }
  return { tests, failures };
}

export function genericClient(stack: () => HapiStack): void {
  test('mvn surefire:test: every JUnit test passes against this server', async () => {
    rmSync(REPORTS, { recursive: true, force: true });
    const { code, output } = await run(
      'mvn',
      [
        '-o',
        '-B',
        '-q',
        'surefire:test',
        `-Dsas.fhirBase=${stack().baseUrl}`,
        `-Dsas.tokenA=${CLIENTS.editorA.token}`,
        `-Dsas.tokenB=${CLIENTS.editorB.token}`,
      ],
      PLUGIN,
    );
    expect(code, output.split('\n').slice(-40).join('\n')).toBe(0);
    expect(counts()).toEqual({ tests: 8, failures: 0 });
  }, 240_000);
}
