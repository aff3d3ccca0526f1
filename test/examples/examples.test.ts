// The production examples the README links to are real files, each checked by what reads it in production: the
// gateway configuration by the gateway's parser, the deploy .env by deploy's own loader and checks (then a dry run of
// deploy itself with it), the systemd unit's command line by the gateway's option parser.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { validateDeployConfig } from '../../src/deploy/steps/secrets.ts';
import { loadDotEnv } from '../../src/deploy/env.ts';
import { configDir, loadConfigFile, parseConfig } from '../../src/gateway/config.ts';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import { parseConfig as parseGuardConfig } from '../../src/rules/config.ts';
import type { ProcessResult } from '../process.ts';
import { runProcess, userEnvironment } from '../process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const CLI = join(ROOT, 'src', 'cli', 'sas-guard.ts');

function runCli(args: string[], options: { cwd: string; env: Record<string, string> }): Promise<ProcessResult> {
  return runProcess(process.execPath, [CLI, ...args], { cwd: options.cwd, env: userEnvironment(options.env) });
}

describe('examples/gateway.json', () => {
  const file = join(EXAMPLES, 'gateway.json');

  test('passes the gateway parser: mTLS with CRLs, certificate mapping, refuse passthrough', () => {
    const config = parseConfig(loadConfigFile(file), configDir(file));
    expect(config.tls).toMatchObject({
      key: '/etc/sas-guard/tls/gateway.key',
      ca: '/etc/sas-guard/tls/igc-sante-ca-bundle.pem',
      crl: ['/etc/sas-guard/tls/igc-sante-crls.pem'],
    });
    expect(config.plainHttp).toBeUndefined();
    expect(config.passthrough).toBe('refuse');
    expect(config.auth.mode).toBe('certificate');
    const clients = config.auth.mode === 'certificate' ? config.auth.clients : [];
    expect(clients.map((client) => client.clientSecretEnv)).toEqual([
      'SAS_CLIENT_EDITEUR_UN_SECRET',
      'SAS_CLIENT_EDITEUR_DEUX_SECRET',
    ]);
    expect(clients.every((client) => client.clientSecret === undefined)).toBe(true);
  });
});

describe('examples/deploy.env', () => {
  const file = join(EXAMPLES, 'deploy.env');
  let host: RunningHost;
  let dir: string;
  beforeAll(async () => {
    host = await start({ bare: true, port: 0, log: () => undefined });
    dir = mkdtempSync(join(tmpdir(), 'deploy-env-'));
  });
  afterAll(async () => {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("is read by deploy's loader, and its bot configuration passes deploy's checks", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadDotEnv(env, file)).toBe(true);
    expect(env.MEDPLUM_BASE_URL).toBe('https://api.example.com/');
    expect(env.MEDPLUM_CLIENT_ID).toBeTruthy();
    expect(env.MEDPLUM_CLIENT_SECRET).toBeTruthy();
    const config = {
      language: env.SAS_GUARD_LANGUAGE,
      severities: env.SAS_GUARD_SEVERITIES,
      trustedAuthors: env.SAS_GUARD_TRUSTED_AUTHORS,
    };
    expect(config.language).toBe('fr');
    expect(() => validateDeployConfig(config)).not.toThrow();
    expect(parseGuardConfig(env).severities).toEqual({ 'PS-2': 'off' });
  });

  test('as the .env of `sas-guard deploy --dry-run` (connection given by the environment): its plan', async () => {
    copyFileSync(file, join(dir, '.env'));
    // Variables already in the environment win over .env, as with the medplum CLI: point it at the local host.
    const result = await runCli(['deploy', '--dry-run', '--json'], {
      cwd: dir,
      env: { MEDPLUM_BASE_URL: host.url, MEDPLUM_CLIENT_ACCESS_TOKEN: 'local' },
    });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { items: { action: string; kind: string; name: string }[] };
    const secrets = report.items.filter((item) => /secret/i.test(item.kind)).map((item) => [item.action, item.name]);
    expect(secrets).toEqual(
      expect.arrayContaining([
        ['would create', 'SAS_GUARD_LANGUAGE'],
        ['would create', 'SAS_GUARD_SEVERITIES'],
      ]),
    );
  });
});

describe('examples/sas-guard-gateway.service', () => {
  const unit = readFileSync(join(EXAMPLES, 'sas-guard-gateway.service'), 'utf8');
  const directives = new Map<string, string>();
  let section = '';
  for (const line of unit.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line.trim());
    if (header?.[1]) {
      section = header[1];
    } else if (/^[A-Za-z]+=/.test(line)) {
      const [key = '', ...value] = line.split('=');
      directives.set(`${section}.${key}`, value.join('='));
    }
  }

  test('is a service unit with the directives it needs', () => {
    expect(directives.get('Service.Type')).toBe('simple');
    expect(directives.get('Service.User')).toBe('sas-guard');
    expect(directives.get('Service.EnvironmentFile')).toBe('/etc/sas-guard/gateway.env');
    expect(directives.get('Service.Restart')).toBe('on-failure');
    expect(directives.get('Install.WantedBy')).toBe('multi-user.target');
  });

  test("ExecStart runs the package's sas-guard bin with gateway options the gateway accepts", async () => {
    const [node, script, command, ...options] = (directives.get('Service.ExecStart') ?? '').split(' ');
    expect(node).toMatch(/\/node$/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(script).toBe(`/opt/sas-guard/node_modules/sas-guard/${pkg.bin['sas-guard']}`);
    expect(command).toBe('gateway');
    expect(options).toEqual(['--config', '/etc/sas-guard/gateway.json']);
    // The gateway's own parser: unknown options would be refused (exit 2) before --help is honoured.
    const parsed = await runCli(['gateway', ...options, '--help'], { cwd: ROOT, env: {} });
    expect(parsed.code, parsed.stderr).toBe(0);
    expect(directives.get('Service.ReadOnlyPaths')?.split(' ')).toContain('/etc/sas-guard');
  });
});
