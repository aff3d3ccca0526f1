// A typo in gateway.json is refused at start with one line naming the key, at every level of the configuration,
// instead of the gateway starting with a default the admin did not choose.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/gateway/config.ts';
import { ConfigError } from '../../src/gateway/config-values.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'sas-guard.ts');
const dir = mkdtempSync(join(tmpdir(), 'gateway-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = (): Record<string, unknown> => ({
  listen: { host: '127.0.0.1', port: 0 },
  plainHttp: true,
  upstream: { url: 'http://127.0.0.1:1/' },
  auth: { mode: 'bearer' },
});

const certificateAuth = (client: Record<string, unknown>): Record<string, unknown> => ({
  ...base(),
  plainHttp: true,
  clientCertHeader: 'x-client-cert',
  clientVerifyHeader: 'x-client-verify',
  auth: { mode: 'certificate', clients: [{ match: { cn: 'a' }, clientId: 'c', clientSecret: 's', ...client }] },
});

describe('unknown keys', () => {
  test.each([
    [
      'a misspelt top-level key',
      { ...base(), pasthrough: 'all' },
      'unknown key "pasthrough" (did you mean "passthrough"?)',
    ],
    [
      'a singular section name',
      { ...base(), timeout: { connectMs: 1 } },
      'unknown key "timeout" (did you mean "timeouts"?)',
    ],
    [
      'a key inside timeouts',
      { ...base(), timeouts: { connectMS: 1 } },
      'unknown key "timeouts.connectMS" (did you mean "timeouts.connectMs"?)',
    ],
    [
      'a key inside listen',
      { ...base(), listen: { hots: 'x' } },
      'unknown key "listen.hots" (did you mean "listen.host"?)',
    ],
    [
      'a key inside upstream',
      { ...base(), upstream: { url: 'http://x/', timeout: 3 } },
      'unknown key "upstream.timeout"',
    ],
    ['a key inside limits', { ...base(), limits: { bodyBytes: 3 } }, 'unknown key "limits.bodyBytes"'],
    [
      'a key inside tls',
      { ...base(), plainHttp: undefined, tls: { key: 'k', cert: 'c', ca: 'a', crls: 'x' } },
      'unknown key "tls.crls" (did you mean "tls.crl"?)',
    ],
    [
      'a key of the other auth mode',
      { ...base(), auth: { mode: 'bearer', clients: [] } },
      'unknown key "auth.clients"',
    ],
    ['a key inside a client', certificateAuth({ secretEnv: 'X' }), 'unknown key "auth.clients[0].secretEnv"'],
    ['an unrelated word', { ...base(), comment: 'prod' }, 'unknown key "comment" (expected one of listen, tls,'],
  ])('%s is refused, naming it', (_name, raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });

  test('every key the gateway reads is accepted', () => {
    const config = parseConfig({
      ...certificateAuth({ name: 'n', clientSecret: undefined, clientSecretEnv: 'SECRET' }),
      fhirBasePath: '/fhir/R4',
      publicUrl: 'https://sas.example/',
      timeouts: { connectMs: 1, responseMs: 2, clientRequestMs: 3 },
      limits: { requestBodyBytes: 1, responseBodyBytes: 2, upstreamSockets: 3 },
      passthrough: 'refuse',
      allowPaths: ['/fhir/R4/metadata'],
      upstream: { url: 'http://127.0.0.1:1/', ca: 'ca.pem' },
    });
    expect(config.timeouts).toMatchObject({ connectMs: 1, responseMs: 2, clientRequestMs: 3 });
  });

  test('sas-guard gateway --config with a typo: one line naming the key, exit 1, nothing served', () => {
    const file = join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ ...base(), pasthrough: 'all' }));
    const result = spawnSync(process.execPath, [CLI, 'gateway', '--config', file], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('sas-guard gateway: unknown key "pasthrough" (did you mean "passthrough"?)\n');
  });
});
