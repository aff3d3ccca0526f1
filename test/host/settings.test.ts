// `npm start` honours the settings of a deployment (issue 15): SAS_GUARD_LANGUAGE, SAS_GUARD_SEVERITIES and
// SAS_GUARD_TRUSTED_AUTHORS reach the bot (as project secrets) and the SAS layer (ID-4), and a wrong value stops the
// host at start with one line. The SAS layer's own checks cannot be passed by (issue 13: ID-4 bypasses).
import type { OperationOutcome } from '@medplum/fhirtypes';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import { ConfigError } from '../../src/rules/config.ts';
import { ruleIdOf } from '../../src/rules/engine.ts';
import { APPOINTMENT_SYSTEM, appointmentWithIdentifier } from '../fixtures/appointments.ts';
import { call, issuesText } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('a host started with SAS_GUARD_LANGUAGE=en and ID-4 as a warning', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await start({
      port: 0,
      log: () => undefined,
      settings: { SAS_GUARD_LANGUAGE: 'en', SAS_GUARD_SEVERITIES: '{"ID-4":"warning","TM-2":"off"}' },
    });
  });
  afterAll(async () => {
    await host.close();
  });

  test('the bot answers in English, with the configured severities', async () => {
    const res = await call(
      host,
      'PUT',
      `fhir/R4/Appointment?identifier=${encodeURIComponent('urn:oid:1.1.111.1.11.1.1.1|c0ffee00-0000-4000-8000-000000000001')}`,
      readFileSync(join(ROOT, 'examples', 'bad.json'), 'utf8'),
    );
    expect(res.status).toBe(422);
    const outcome = res.body as unknown as OperationOutcome;
    expect(outcome.issue.map(ruleIdOf)).not.toContain('TM-2');
    expect(issuesText(outcome)[0]).toMatch(/^Participant status "refused" is not a FHIR R4 code/);
    expect(outcome.issue[0]?.details?.coding?.[0]?.display).toBe(
      'Each participant status is accepted or needs-action.',
    );
  });

  test('the SAS layer applies ID-4 as configured: a warning lets the write through', async () => {
    const res = await call(
      host,
      'PUT',
      `fhir/R4/Appointment?identifier=${encodeURIComponent(`${APPOINTMENT_SYSTEM}|url-value`)}`,
      appointmentWithIdentifier('body-value'),
    );
    expect(res.status).toBe(201);
  });
});

describe('the SAS conditional update is addressed by one identifier and nothing else', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await start({ port: 0, log: () => undefined, settings: {} });
  });
  afterAll(async () => {
    await host.close();
  });

  const id = (value: string): string => encodeURIComponent(`${APPOINTMENT_SYSTEM}|${value}`);
  test.each([
    ['the identifier twice', (v: string) => `identifier=${id(v)}&identifier=${id(v)}`],
    ['a modifier', (v: string) => `identifier:exact=${id(v)}`],
    ['an _id beside it', (v: string) => `identifier=${id(v)}&_id=another`],
    ['two values in one', (v: string) => `identifier=${id(v)},${id('other')}`],
    ['another parameter only', () => `_id=new-one`],
  ])('%s → 400, ID-4 cannot be passed by, nothing stored', async (_name, query) => {
    const res = await call(
      host,
      'PUT',
      `fhir/R4/Appointment?${query('someone-elses')}`,
      appointmentWithIdentifier('mine'),
    );
    expect(res.status).toBe(400);
    expect(issuesText(res.body)[0]).toMatch(/^A SAS conditional update is addressed by one identifier/);
    const stored = await call(host, 'GET', `fhir/R4/Appointment?identifier=${id('mine')}`);
    expect(stored.body.total).toBe(0);
  });
});

test('a wrong setting stops the host at start: ConfigError in process, one line and exit 2 from the command', async () => {
  await expect(start({ port: 0, log: () => undefined, settings: { SAS_GUARD_LANGUAGE: 'de' } })).rejects.toThrow(
    ConfigError,
  );
  const run = spawnSync(process.execPath, [join(ROOT, 'src', 'cli', 'sas-guard.ts'), 'start'], {
    env: { ...process.env, PORT: '0', SAS_GUARD_SEVERITIES: '{"XX-9":"loud"}' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(run.status).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toEqual([
    expect.stringMatching(/^sas-guard start: .*SAS_GUARD_SEVERITIES: unknown rule "XX-9"/),
  ]);
});
