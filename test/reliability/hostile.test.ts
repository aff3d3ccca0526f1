// Bounded cost of hostile input (issue 13, medium 4): a body of about 1 MB shaped to make every check report on
// every element, or nested thousands deep, is refused with a small OperationOutcome; below the limits, an answer lists
// at most 100 issues and says how many more. (How long each takes is measured by `npm run bench`: bench/hostile.ts.)
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import type { Appointment, OperationOutcome } from '@medplum/fhirtypes';
import { Checker } from '../../src/check/checker.ts';
import { StructuralValidator } from '../../src/check/validate.ts';
import { loadStructureDefinitions } from '../../src/profiles/index.ts';
import { DEFAULT_CONFIG } from '../../src/rules/config.ts';
import { judgeWrite } from '../../src/rules/write.ts';
import { evaluateAppointment } from '../../src/rules/engine.ts';
import { MAX_LISTED_ISSUES } from '../../src/rules/limits.ts';
import { appointmentWithIdentifier } from '../fixtures/appointments.ts';
import { context } from '../rules/helpers.ts';
import { answerProblem, conditionalPath, send, startInstalledHost, storedState } from './helpers.ts';
import { hostileBodies } from './hostile-bodies.ts';

let host: RunningHost;
beforeAll(async () => {
  host = await startInstalledHost();
});
afterAll(async () => {
  await host.close();
});

describe.each(hostileBodies())('$name ($bytes bytes)', ({ body }) => {
  test('refused with one small too-costly OperationOutcome, nothing stored, honest writes still served', async () => {
    const [answer, honest] = await Promise.all([
      send(host, 'PUT', conditionalPath('hostile'), { body }),
      send(host, 'PUT', conditionalPath('honest'), { body: appointmentWithIdentifier('honest') }),
    ]);
    expect(answerProblem(answer)).toBeUndefined();
    expect(answer.status).toBe(413);
    expect((answer.json as OperationOutcome).issue.map((issue) => issue.code)).toEqual(['too-costly']);
    expect(answer.text.length).toBeLessThan(2_000);
    expect([200, 201]).toContain(honest.status);
    expect(storedState(host)).not.toContain('"value":"hostile"');
  });
});

test('below the limits, 2,000 bad participants: a 422 listing 100 issues, then one saying how many more', async () => {
  const many = {
    ...appointmentWithIdentifier('many-issues'),
    participant: Array.from({ length: 2_000 }, () => ({
      actor: { identifier: { system: 'urn:oid:1.2.250.1.71.4.2.1', value: 'x' } },
      status: 'refused',
    })),
  };
  const answer = await send(host, 'PUT', conditionalPath('many-issues'), { body: many });
  expect(answer.status).toBe(422);
  const issues = (answer.json as OperationOutcome).issue;
  expect(issues).toHaveLength(MAX_LISTED_ISSUES + 1);
  expect(issues.slice(0, MAX_LISTED_ISSUES).every((issue) => issue.severity === 'error')).toBe(true);
  expect(issues.at(-1)).toMatchObject({ severity: 'information', code: 'too-costly' });
  expect(issues.at(-1)?.details?.text).toMatch(/^… et \d+ autre\(s\) problème\(s\)/);
});

test('sas-check (as the bot and the bridge) refuses it unread: no profile validation of the body, one issue', () => {
  const checker = new Checker({ now: new Date('2026-03-01T00:00:00Z') });
  for (const { body } of hostileBodies()) {
    const result = checker.check({ location: 'hostile.json', source: 'hostile.json', resource: JSON.parse(body) });
    expect(result.outcome?.issue.map((issue) => issue.code)).toEqual(['too-costly']);
  }
});

test("a 422 capped with the profile's errors too counts every issue it leaves out", () => {
  const many = {
    ...appointmentWithIdentifier('many-and-profile'),
    extension: undefined,
    participant: Array.from({ length: 150 }, () => ({
      actor: { identifier: { system: 'urn:oid:1.2.250.1.71.4.2.1', value: 'x' } },
      status: 'refused',
    })),
  };
  const now = new Date('2026-03-01T00:00:00Z');
  const checker = new Checker({ now });
  const ruleIssues = judgeWrite(many as Appointment, { now }, DEFAULT_CONFIG).issues.length;
  const profileErrors = new StructuralValidator(loadStructureDefinitions())
    .validate(many as Appointment)
    .issues.filter((issue) => issue.severity === 'error').length;
  expect(profileErrors).toBeGreaterThan(0);
  const issues = checker.check({ location: 'many.json', source: 'many.json', resource: many }).outcome?.issue ?? [];
  expect(issues).toHaveLength(MAX_LISTED_ISSUES + 1);
  const left = Number(/^… et (\d+) autre/.exec(issues.at(-1)?.details?.text ?? '')?.[1]);
  expect(left).toBe(ruleIssues + profileErrors - MAX_LISTED_ISSUES);
});

test('the engine alone (the bot on a Medplum without the gateway) bounds the same way', () => {
  const [huge] = hostileBodies();
  const issues = evaluateAppointment(JSON.parse(huge?.body ?? 'null'), context());
  expect(issues).toEqual([expect.objectContaining({ severity: 'error', code: 'too-costly' })]);
});
