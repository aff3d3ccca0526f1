// `node src/cli/sas-guard.ts deploy` as a process: a bare host then `deploy` installs (what `npm start -- --bare` then
// `npm run deploy` does); failures end with one line on stderr, a non-zero exit and no stack.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import type { ProcessResult as Result } from '../process.ts';
import { runProcess, userEnvironment } from '../process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'src', 'cli', 'sas-guard.ts');

/** Runs the CLI with only the variables given (plus PATH/HOME), from an empty directory (no .env). */
function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<Result> {
  return runProcess(process.execPath, [CLI, ...args], { cwd, env: userEnvironment(env) });
}

function expectOneLineError(result: Result, pattern: RegExp): void {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^sas-guard deploy: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr + result.stdout).not.toMatch(/\n\s+at /);
}

let dir: string;
let host: RunningHost;
let secured: RunningHost;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sas-guard-deploy-'));
  copyFileSync(join(ROOT, 'medplum.config.json'), join(dir, 'medplum.config.json'));
  mkdirSync(join(dir, 'bots'));
  copyFileSync(join(ROOT, 'bots', 'sas-appointment-guard.ts'), join(dir, 'bots', 'sas-appointment-guard.ts'));
  host = await start({ bare: true, port: 0, log: () => undefined });
  secured = await start({ bare: true, port: 0, token: 'right-token', log: () => undefined });
});

afterAll(async () => {
  await host.close();
  await secured.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sas-guard deploy (process)', () => {
  test('bare host then deploy: installs, smoke test passes, the bot id kept for the medplum CLI; again: unchanged', async () => {
    const env = { MEDPLUM_BASE_URL: host.url };
    const tracked = readFileSync(join(dir, 'medplum.config.json'), 'utf8');
    const first = await runCli(['deploy'], env, dir);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^created\s+Bot\s+sas-appointment-guard/m);
    expect(first.stdout).toMatch(/Smoke test: passed/);
    // The tracked file is never changed: the id goes to the git-ignored .medplum/, with paths seen from there.
    expect(readFileSync(join(dir, 'medplum.config.json'), 'utf8')).toBe(tracked);
    const config = JSON.parse(readFileSync(join(dir, '.medplum', 'medplum.config.json'), 'utf8')) as {
      bots: { id: string; source: string; dist: string }[];
    };
    expect(config.bots[0]).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      source: '../bots/sas-appointment-guard.ts',
      dist: '../dist/bots/sas-appointment-guard.js',
    });
    expect(readFileSync(join(dir, 'dist', 'bots', 'sas-appointment-guard.js'), 'utf8')).toContain(
      'Object.assign(exports, module.exports);',
    );

    const second = await runCli(['deploy', '--no-smoke-test'], env, dir);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/\d+ unchanged in \d+ ms/);
    expect(second.stdout).not.toMatch(/^(created|updated)\s/m);

    const json = await runCli(['deploy', '--dry-run', '--json'], env, dir);
    const report = JSON.parse(json.stdout) as { mode: string; items: { action: string }[] };
    expect(report.mode).toBe('dry-run');
    expect(new Set(report.items.map((i) => i.action))).toEqual(new Set(['unchanged']));

    // And the medplum CLI itself, run there, finds the bot and redeploys it.
    // (Asynchronously: the host answering it runs in this process.)
    const cli = await runProcess(
      process.execPath,
      [
        join(ROOT, 'node_modules', '@medplum', 'cli', 'dist', 'cjs', 'index.cjs'),
        'bot',
        'deploy',
        'sas-appointment-guard',
      ],
      {
        cwd: join(dir, '.medplum'),
        env: { ...process.env, MEDPLUM_BASE_URL: host.url, MEDPLUM_CLIENT_ACCESS_TOKEN: 'open-host' },
      },
    );
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`Deploy.*${config.bots[0]?.id ?? 'no id'}|Success`, 's'));
    // Deploy notices the redeploy (a new Binary) and puts its own bundle back.
    const after = await runCli(['deploy', '--no-smoke-test', '--verbose'], env, dir);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stdout).toMatch(/updated\s+BotCode .*redeployed by someone else since/);

    const removed = await runCli(['deploy', '--uninstall'], env, dir);
    expect(removed.code, removed.stdout + removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/^deleted\s+Bot\s+sas-appointment-guard/m);
  });

  test('unreachable server: one line, exit 1, no stack', async () => {
    const result = await runCli(['deploy'], { MEDPLUM_BASE_URL: 'http://127.0.0.1:9/' }, dir);
    expectOneLineError(result, /cannot reach the Medplum server at http:\/\/127\.0\.0\.1:9\//);
  });

  test('bad access token: one line, exit 1, no stack', async () => {
    const result = await runCli(
      ['deploy'],
      { MEDPLUM_BASE_URL: secured.url, MEDPLUM_CLIENT_ACCESS_TOKEN: 'wrong-token' },
      dir,
    );
    expectOneLineError(result, /authentication failed/);
  });

  test('no MEDPLUM_BASE_URL, a bad flag, a bad configuration: one line each', async () => {
    expectOneLineError(await runCli(['deploy'], {}, dir), /MEDPLUM_BASE_URL is not set/);
    expectOneLineError(await runCli(['deploy', '--bogus'], { MEDPLUM_BASE_URL: host.url }, dir), /--bogus/);
    expectOneLineError(
      await runCli(['deploy'], { MEDPLUM_BASE_URL: host.url, SAS_GUARD_LANGUAGE: 'de' }, dir),
      /SAS_GUARD_LANGUAGE/,
    );
  });

  test('the right token works; the dispatcher lists its commands', async () => {
    const ok = await runCli(
      ['deploy', '--dry-run'],
      { MEDPLUM_BASE_URL: secured.url, MEDPLUM_CLIENT_ACCESS_TOKEN: 'right-token' },
      dir,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/would create\s+Bot/);
    const help = await runCli(['--help'], {}, dir);
    expect(help.stdout).toMatch(/deploy\s+install sas-guard/);
    const unknown = await runCli(['nope'], {}, dir);
    expect(unknown.code).toBe(1);
  });
});

describe('MEDPLUM_BASE_URL mistakes, one line each', () => {
  test('the FHIR base instead of the server root: a hint naming the root', async () => {
    const result = await runCli(['deploy'], { MEDPLUM_BASE_URL: `${host.url}fhir/R4` }, dir);
    expectOneLineError(
      result,
      /names the FHIR base .* give the server root instead, e\.g\. http:\/\/127\.0\.0\.1:\d+\//,
    );
  });

  test('credentials in the URL are never printed', async () => {
    const result = await runCli(
      ['deploy'],
      { MEDPLUM_BASE_URL: 'https://deployer:s3cr3t-value@medplum.example/' },
      dir,
    );
    expectOneLineError(result, /holds credentials \(https:\/\/<redacted>@medplum\.example\/\)/);
    expect(result.stdout + result.stderr).not.toContain('s3cr3t-value');
    const unreachable = await runCli(['deploy'], { MEDPLUM_BASE_URL: 'http://user:pw-value@127.0.0.1:9/' }, dir);
    expect(unreachable.stdout + unreachable.stderr).not.toContain('pw-value');
  });
});
