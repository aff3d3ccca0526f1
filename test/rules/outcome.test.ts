// The OperationOutcome the rules give a sender: errors before warnings, every text in the configured language
// (details.text, details.coding.display, diagnostics), and messages that quote the values as they were sent.
import { MedplumClient } from '@medplum/core';
import type { Appointment, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import { evaluateAppointment, ruleIdOf, toOperationOutcome } from '../../src/rules/engine.ts';
import { rulesById } from '../../src/rules/index.ts';
import type { Language, RuleId } from '../../src/rules/types.ts';
import {
  APPOINTMENT_SYSTEM,
  APPOINTMENT_VALUE,
  RPPS_IG_EXAMPLE,
  bookedAppointment,
  specRefusedBody,
} from '../fixtures/appointments.ts';
import { context, issuesOf, withChange } from './helpers.ts';

/** The spec's refused body (ST-2 error, PS-2 and CR-1 warnings) with an end before its start (TM-1 error). */
function mixed(): Appointment {
  return { ...specRefusedBody(), end: '2000-01-01T00:00:00Z' };
}

describe('order', () => {
  test('errors come first, then warnings, each group in rule order', () => {
    const issues = evaluateAppointment(mixed(), context());
    expect(issues.map((issue) => [issue.severity, ruleIdOf(issue)])).toEqual([
      ['error', 'ST-2'],
      ['error', 'TM-1'],
      ['warning', 'PS-2'],
      ['warning', 'CR-1'],
    ]);
    expect(toOperationOutcome(issues)?.issue[0]?.severity).toBe('error');
  });
});

describe.each<Language>(['fr', 'en'])('language %s', (language) => {
  test('details.text, details.coding.display and diagnostics all follow it', () => {
    const issues = evaluateAppointment(mixed(), context({ language }));
    expect(issues.length).toBe(4);
    for (const issue of issues) {
      const { meta } = rulesById[ruleIdOf(issue) as RuleId];
      expect(issue.details?.coding?.[0]?.display).toBe(meta.description[language]);
      expect(issue.diagnostics).toBe(`${meta.id} — ${meta.source[language]}`);
      const texts = Object.values(meta.messages).map((message) => message[language].split('{')[0] ?? '');
      expect(texts.some((start) => issue.details?.text?.startsWith(start))).toBe(true);
    }
  });
});

test('every rule has its description and source in both languages', () => {
  for (const { meta } of Object.values(rulesById)) {
    for (const language of ['fr', 'en'] as const) {
      expect(meta.description[language], meta.id).toMatch(/\S/);
      expect(meta.source[language], meta.id).toMatch(/\S/);
    }
  }
});

describe('messages quote what the sender sent', () => {
  const textOf = (issues: OperationOutcomeIssue[]): string => issues[0]?.details?.text ?? '';

  test('PS-2 quotes the whole practitioner identifier, 8 prefix included', () => {
    expect(RPPS_IG_EXAMPLE).toBe('810100050075');
    expect(textOf(issuesOf('PS-2', bookedAppointment()))).toContain('« 810100050075 »');
    expect(textOf(issuesOf('PS-2', bookedAppointment(), { language: 'en' }))).toContain('"810100050075"');
  });

  test('ID-4 quotes a body identifier that is not a string as it was written', () => {
    const numeric = withChange(bookedAppointment(), (a) => {
      (a.identifier![0] as { value: unknown }).value = 12345;
    });
    const issues = issuesOf('ID-4', numeric, { conditionalIdentifier: { system: APPOINTMENT_SYSTEM, value: 'x' } });
    expect(textOf(issues)).toContain(`« ${APPOINTMENT_SYSTEM}|12345 »`);
  });

  test('values other rules quote appear in the appointment exactly as sent', () => {
    const sent = withChange(bookedAppointment(), (a) => {
      a.status = ' Booked' as Appointment['status'];
      a.participant[0]!.status = 'Declined' as Appointment['participant'][number]['status'];
      a.participant[0]!.actor!.identifier!.value = ' 81234';
    });
    const issues = evaluateAppointment(sent, context());
    const texts = issues.map((issue) => issue.details?.text ?? '');
    expect(texts.some((t) => t.includes('«  Booked »'))).toBe(true);
    expect(texts.some((t) => t.includes('« Declined »'))).toBe(true);
    expect(texts.some((t) => t.includes('«  81234 »'))).toBe(true);
  });
});

describe('through MedplumClient', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await start({ port: 0, log: () => undefined });
  });
  afterAll(async () => {
    await host.close();
  });

  test("a 422's err.message starts with its first error, not with a warning", async () => {
    const medplum = new MedplumClient({ baseUrl: host.url, fetch: globalThis.fetch });
    const error = await medplum
      .upsertResource(mixed(), { identifier: `${APPOINTMENT_SYSTEM}|${APPOINTMENT_VALUE}` })
      .then(() => undefined)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(Error);
    const st2 = rulesById['ST-2'].meta.messages.notR4?.fr.split('«')[0] ?? 'missing';
    expect((error as Error).message.startsWith(st2), (error as Error).message).toBe(true);
  });
});
