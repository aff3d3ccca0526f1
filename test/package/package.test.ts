// What users install, tested as installed: `npm pack` (prepack compiles lib/ and prebuilds the bot bundle), the tarball
// installed in an empty folder from the npm cache, then both bins run through npx on the machine's Node (20 on this
// project's machines) and on the project's own Node 22, with no TypeScript tooling in the installed tree.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RPPS_VALID_LUHN, bookedAppointment, specRefusedBody } from '../fixtures/appointments.ts';
import type { ProcessResult as Result } from '../process.ts';
import { runProcess } from '../process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const NOW = '2022-09-01T00:00:00Z';

/** PATH without any node_modules/.bin: what a user's shell has. */
const USER_PATH = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => dir !== '' && !dir.includes(`node_modules${'/'}.bin`))
  .join(delimiter);

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The machine's `node` (first on the user's PATH), then the project's Node 22 if it is another binary. */
function nodes(): string[] {
  const project = realpathSync(join(ROOT, 'node_modules', '.bin', 'node'));
  const machine = USER_PATH.split(delimiter)
    .map((dir) => join(dir, 'node'))
    .find(isExecutable);
  const found = machine ? [realpathSync(machine)] : [];
  return found.includes(project) ? found : [...found, project];
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Result> {
  return runProcess(command, args, { cwd: options.cwd, env: options.env ?? process.env });
}

let work: string;
let app: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sas-guard-package-'));
  app = join(work, 'app');
  mkdirSync(app);
  // npm pack runs prepack with the project's node_modules/.bin first on PATH, as `npm test` has it.
  const packed = await run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: ROOT });
  expect(packed.code, packed.stderr).toBe(0);
  const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
  expect(tarball).toBeDefined();
  const installed = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, tarball ?? '')],
    { cwd: app, env: { ...process.env, PATH: USER_PATH } },
  );
  expect(installed.code, installed.stderr).toBe(0);
  const valid = bookedAppointment();
  const actor = valid.participant[0]?.actor?.identifier;
  if (actor) {
    actor.value = RPPS_VALID_LUHN;
  }
  writeFileSync(join(app, 'valid.json'), JSON.stringify(valid));
  writeFileSync(join(app, 'refused.json'), JSON.stringify(specRefusedBody()));
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

it('installs the bins with no TypeScript tooling, the compiled code and the prebuilt bot bundle', () => {
  const installed = join(app, 'node_modules');
  for (const tool of ['typescript', 'esbuild', 'node', 'vitest']) {
    expect(existsSync(join(installed, tool)), tool).toBe(false);
  }
  const pkg = join(installed, 'sas-guard');
  expect(existsSync(join(pkg, 'lib', 'cli', 'sas-check.js'))).toBe(true);
  expect(existsSync(join(pkg, 'dist', 'bots', 'sas-appointment-guard.js'))).toBe(true);
  expect(existsSync(join(pkg, 'src'))).toBe(false);
  expect(existsSync(join(installed, '.bin', 'sas-check'))).toBe(true);
  expect(existsSync(join(installed, '.bin', 'sas-guard'))).toBe(true);
});

describe.each(nodes())('with %s', (node) => {
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${dirname(node)}${delimiter}${USER_PATH}` });
  const npx = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Result> =>
    run('npx', ['--no', '--', ...args], { cwd: app, env: { ...env(), NO_COLOR: '1', ...extra } });

  it('is the Node the bins get (#!/usr/bin/env node)', async () => {
    const probe = await run('node', ['-p', 'process.execPath'], { cwd: app, env: env() });
    expect(realpathSync(probe.stdout.trim())).toBe(node);
  });

  it('sas-check: exit 0 on a valid appointment, 1 on a refused one, 2 on a missing path; worker threads too', async () => {
    const [valid, refused, missing, threads] = await Promise.all([
      npx(['sas-check', '--now', NOW, 'valid.json']),
      npx(['sas-check', '--now', NOW, 'refused.json']),
      npx(['sas-check', 'nowhere.json']),
      npx(['sas-check', '--jobs', '2', '--now', NOW, 'valid.json', 'refused.json']),
    ]);
    expect(threads.code, threads.stderr).toBe(1);
    expect(threads.stdout).toMatch(/✔ ok {2}valid\.json[^]*✘ 422 {2}refused\.json/);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toMatch(/✔ ok {2}valid\.json/);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(/✘ 422 {2}refused\.json/);
    expect(refused.stdout).toMatch(/ST-2/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere\.json/);
  });

  it('sas-guard: --help, gateway --help and deploy --help', async () => {
    const [help, gateway, deploy] = await Promise.all([
      npx(['sas-guard', '--help']),
      npx(['sas-guard', 'gateway', '--help']),
      npx(['sas-guard', 'deploy', '--help']),
    ]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^ {2}start .*\n {2}deploy .*\n {2}gateway /m);
    expect(gateway.code, gateway.stderr).toBe(0);
    expect(gateway.stdout).toMatch(/^Usage: sas-guard gateway/);
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(deploy.stdout).toMatch(/^Usage: sas-guard deploy/);
  });

  it('sas-guard start: installs the prebuilt bot, answers /healthcheck and a 422, stops on SIGTERM', async () => {
    const host = await startHost(binProcess(['sas-guard', 'start'], env()));
    try {
      const health = await fetch(new URL('/healthcheck', host.root));
      expect(health.status).toBe(200);
      const refused = await fetch(new URL('fhir/R4/Appointment', host.root), {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify(specRefusedBody()),
      });
      expect(refused.status).toBe(422);
      expect(await refused.text()).toMatch(/ST-2/);
      // The test bench page ships with the package (page/), and shows that request.
      const page = await fetch(host.root);
      expect(await page.text()).toContain('/_sas-guard/assets/main.js');
      expect((await fetch(new URL('_sas-guard/assets/main.js', host.root))).status).toBe(200);
      const logged = (await (await fetch(new URL('_sas-guard/api/requests', host.root))).json()) as {
        requests: { method: string; status: number }[];
      };
      expect(logged.requests[0]).toMatchObject({ method: 'POST', status: 422 });
    } finally {
      expect(await host.stop()).toBe(0);
    }
  });

  it('sas-guard deploy installs the prebuilt bot into a bare host', async () => {
    const host = await startHost(binProcess(['sas-guard', 'start', '--bare'], env()));
    try {
      const deployed = await npx(['sas-guard', 'deploy', '--no-write-config'], { MEDPLUM_BASE_URL: host.root });
      expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
      expect(deployed.stdout).toMatch(/^created\s+Bot\s+sas-appointment-guard/m);
      expect(deployed.stdout).toMatch(/Smoke test: passed/);
    } finally {
      expect(await host.stop()).toBe(0);
    }
  });

  /** The installed bin itself (npx does not pass SIGTERM on to the command it runs), as a service manager starts it. */
  function binProcess(args: string[], environment: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
    const [bin = '', ...rest] = args;
    return spawn(join(app, 'node_modules', '.bin', bin), rest, { cwd: app, env: { ...environment, PORT: '0' } });
  }
});

/** Waits for the host's "FHIR base <url>" line; `stop` sends SIGTERM and resolves with the exit code. */
function startHost(
  child: ChildProcessWithoutNullStreams,
): Promise<{ root: string; stop: () => Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    let output = '';
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const base = /FHIR base (http:\/\/\S+?)\/fhir\/R4/.exec(output);
      if (base?.[1]) {
        child.stdout.off('data', onData);
        resolve({
          root: `${base[1]}/`,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`the host exited (${code}) before serving: ${output}`)));
  });
}
