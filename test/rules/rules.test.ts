// Every business rule, both sides: a case it accepts and a case it rejects at the right expression; first through the
// engine, then through the bot's handler with Medplum's MockClient holding the stored versions.
import type { BotEvent } from '@medplum/core';
import type { Appointment, OperationOutcome, ProjectSetting } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { handler } from '../../bots/sas-appointment-guard.ts';
import { indexServerDefinitions } from '../../src/profiles/index.ts';
import { OWNER_TAG_SYSTEM } from '../../src/rules/sas-codes.ts';
import type { RuleContext, RuleId } from '../../src/rules/types.ts';
import {
  APPOINTMENT_SYSTEM,
  APPOINTMENT_VALUE,
  OID_SAS_TECHNICAL_ID,
  RPPS_VALID_LUHN,
  bookedAppointment,
  cancelledAppointment,
  pageCreateBody,
  sosPendingAppointment,
  specRefusedBody,
} from '../fixtures/appointments.ts';
import { NOW, issuesOf, withChange } from './helpers.ts';

interface Case {
  name: string;
  appointment: Appointment;
  context?: Partial<RuleContext>;
}
interface RuleCases {
  accepts: Case[];
  rejects: (Case & { expression: string; severity?: 'error' | 'warning' })[];
}

const booked = bookedAppointment();
const operator = (a: Appointment) => {
  const reference = a.extension?.[0]?.valueReference;
  if (!reference?.identifier) throw new Error('fixture without operator');
  return reference.identifier;
};
const practitioner = (a: Appointment) => {
  const identifier = a.participant[0]?.actor?.identifier;
  if (!identifier) throw new Error('fixture without practitioner');
  return identifier;
};
const stored = (a: Appointment, author = 'ClientApplication/editor-a'): Appointment => ({
  ...a,
  id: 'stored-1',
  meta: { ...a.meta, author: { reference: author } },
});

/** The booked appointment moved to start `days` after NOW (15 minutes long). */
function startingDaysFromNow(days: number): Appointment {
  const start = NOW.getTime() + days * 24 * 3600 * 1000;
  return { ...booked, start: new Date(start).toISOString(), end: new Date(start + 15 * 60 * 1000).toISOString() };
}

const cases: Record<RuleId, RuleCases> = {
  'ID-1': {
    accepts: [
      { name: 'urn:oid system and a uuid value', appointment: booked },
      {
        name: 'an https system',
        appointment: withChange(booked, (a) => (a.identifier![0]!.system = 'https://editor.example/rdv')),
      },
    ],
    rejects: [
      {
        name: 'a malformed OID',
        appointment: withChange(booked, (a) => (a.identifier![0]!.system = 'urn:oid:1..2')),
        expression: 'Appointment.identifier[0].system',
      },
      {
        name: 'a relative system',
        appointment: withChange(booked, (a) => (a.identifier![0]!.system = 'rdv-ids')),
        expression: 'Appointment.identifier[0].system',
      },
      {
        name: 'a value with spaces around',
        appointment: withChange(booked, (a) => (a.identifier![0]!.value = ' 42 ')),
        expression: 'Appointment.identifier[0].value',
      },
      {
        name: 'an empty value',
        appointment: withChange(booked, (a) => (a.identifier![0]!.value = '')),
        expression: 'Appointment.identifier[0].value',
      },
      {
        name: 'a zero-width space inside the value (it would look like another appointment’s)',
        appointment: withChange(booked, (a) => (a.identifier![0]!.value = 'b6e39355\u200b-8a61')),
        expression: 'Appointment.identifier[0].value',
      },
      {
        name: 'a no-break space inside the value',
        appointment: withChange(booked, (a) => (a.identifier![0]!.value = 'rdv\u00a042')),
        expression: 'Appointment.identifier[0].value',
      },
    ],
  },
  'ID-2': {
    accepts: [
      { name: 'the same identifier', appointment: cancelledAppointment(), context: { previous: stored(booked) } },
    ],
    rejects: [
      {
        name: 'another identifier value',
        appointment: withChange(cancelledAppointment(), (a) => (a.identifier![0]!.value = 'other')),
        context: { previous: stored(booked) },
        expression: 'Appointment.identifier[0]',
      },
    ],
  },
  'ID-3': {
    accepts: [
      { name: 'no other holder', appointment: booked, context: { identifierHolders: [] } },
      { name: 'the holder is itself', appointment: { ...booked, id: 'x1' }, context: { identifierHolders: ['x1'] } },
    ],
    rejects: [
      {
        name: 'another appointment holds it',
        appointment: { ...booked, id: 'new' },
        context: { identifierHolders: ['old'] },
        expression: 'Appointment.identifier[0]',
      },
    ],
  },
  'ID-4': {
    accepts: [
      {
        name: 'system|value match',
        appointment: booked,
        context: { conditionalIdentifier: { system: APPOINTMENT_SYSTEM, value: APPOINTMENT_VALUE } },
      },
      {
        name: 'value only matches',
        appointment: booked,
        context: { conditionalIdentifier: { value: APPOINTMENT_VALUE } },
      },
    ],
    rejects: [
      {
        name: 'another value in the URL',
        appointment: booked,
        context: { conditionalIdentifier: { value: 'other' } },
        expression: 'Appointment.identifier[0]',
      },
      {
        name: 'another system in the URL',
        appointment: booked,
        context: { conditionalIdentifier: { system: 'urn:oid:1.2.3', value: APPOINTMENT_VALUE } },
        expression: 'Appointment.identifier[0]',
      },
    ],
  },
  'OP-1': {
    accepts: [
      { name: 'one IDNPS operator', appointment: booked },
      {
        name: 'one INTRN operator',
        appointment: withChange(booked, (a) =>
          Object.assign(operator(a), {
            type: { coding: [{ system: 'http://interopsante.org/fhir/CodeSystem/fr-v2-0203', code: 'INTRN' }] },
            system: OID_SAS_TECHNICAL_ID,
            value: '0b9c1f1e-7a4e-4a55-9d2c-0e9d9c1c2b3a',
          }),
        ),
      },
    ],
    rejects: [
      {
        name: 'two operators',
        appointment: withChange(booked, (a) => a.extension!.push(structuredClone(a.extension![0]!))),
        expression: 'Appointment.extension',
      },
      {
        name: 'an RPPS type code',
        appointment: withChange(booked, (a) => (operator(a).type!.coding![0]!.code = 'RPPS')),
        expression: 'Appointment.extension[0].valueReference.identifier.type',
      },
    ],
  },
  'OP-2': {
    accepts: [{ name: 'IDNPS with the IDNPS OID', appointment: booked }],
    rejects: [
      {
        name: 'IDNPS with the SAS technical OID',
        appointment: withChange(booked, (a) => (operator(a).system = OID_SAS_TECHNICAL_ID)),
        expression: 'Appointment.extension[0].valueReference.identifier.system',
      },
    ],
  },
  'OP-3': {
    accepts: [
      { name: 'structure/internal id', appointment: booked },
      { name: 'an RPPS', appointment: withChange(booked, (a) => (operator(a).value = RPPS_VALID_LUHN)) },
      {
        name: 'alphanumeric internal id',
        appointment: withChange(booked, (a) => (operator(a).value = '3620100057/70326SR')),
      },
    ],
    rejects: [
      {
        name: 'a bare number',
        appointment: withChange(booked, (a) => (operator(a).value = '12345')),
        expression: 'Appointment.extension[0].valueReference.identifier.value',
      },
      {
        name: 'INTRN not a UUID',
        appointment: withChange(booked, (a) =>
          Object.assign(operator(a), {
            type: { coding: [{ system: 'http://interopsante.org/fhir/CodeSystem/fr-v2-0203', code: 'INTRN' }] },
            system: OID_SAS_TECHNICAL_ID,
            value: 'regulateur-42',
          }),
        ),
        expression: 'Appointment.extension[0].valueReference.identifier.value',
      },
    ],
  },
  'OP-4': {
    accepts: [
      { name: 'the same operator', appointment: cancelledAppointment(), context: { previous: stored(booked) } },
    ],
    rejects: [
      {
        name: 'another operator',
        appointment: withChange(cancelledAppointment(), (a) => (operator(a).value = '3456780581/99999999')),
        context: { previous: stored(booked) },
        expression: 'Appointment.extension',
        severity: 'warning',
      },
    ],
  },
  'PS-1': {
    accepts: [
      { name: 'an RPPS', appointment: booked },
      { name: 'an ADELI', appointment: withChange(booked, (a) => (practitioner(a).value = '0751234567')) },
    ],
    rejects: [
      {
        name: 'a bare RPPS without prefix',
        appointment: withChange(booked, (a) => (practitioner(a).value = '10100050075')),
        expression: 'Appointment.participant[0].actor.identifier.value',
      },
    ],
  },
  'PS-2': {
    accepts: [
      { name: 'a valid Luhn key', appointment: withChange(booked, (a) => (practitioner(a).value = RPPS_VALID_LUHN)) },
    ],
    rejects: [
      {
        name: "the IG's example RPPS",
        appointment: booked,
        expression: 'Appointment.participant[0].actor.identifier.value',
        severity: 'warning',
      },
    ],
  },
  'PS-3': {
    accepts: [
      { name: 'booked with a PS', appointment: booked },
      { name: 'pending without a PS (SOS)', appointment: sosPendingAppointment() },
    ],
    rejects: [
      {
        name: 'booked without a PS',
        appointment: withChange(booked, (a) => (a.participant = [{ type: [{ text: 'ADM' }], status: 'accepted' }])),
        expression: 'Appointment.participant',
        severity: 'warning',
      },
    ],
  },
  'ST-1': {
    accepts: [
      { name: 'booked', appointment: booked },
      { name: 'pending', appointment: sosPendingAppointment() },
    ],
    rejects: [{ name: 'proposed', appointment: { ...booked, status: 'proposed' }, expression: 'Appointment.status' }],
  },
  'ST-2': {
    accepts: [
      { name: 'accepted', appointment: booked },
      { name: 'needs-action', appointment: sosPendingAppointment() },
    ],
    rejects: [
      {
        name: 'refused (the spec page example)',
        appointment: specRefusedBody(),
        expression: 'Appointment.participant[0].status',
      },
      {
        name: 'declined',
        appointment: withChange(booked, (a) => (a.participant[0]!.status = 'declined')),
        expression: 'Appointment.participant[0].status',
      },
    ],
  },
  'ST-3': {
    accepts: [
      { name: 'pending with needs-action', appointment: sosPendingAppointment() },
      { name: 'a pending SOS appointment cancelled', appointment: { ...sosPendingAppointment(), status: 'cancelled' } },
    ],
    rejects: [
      {
        name: 'booked with needs-action',
        appointment: withChange(booked, (a) => (a.participant[0]!.status = 'needs-action')),
        expression: 'Appointment.participant[0].status',
      },
    ],
  },
  'ST-4': {
    accepts: [
      { name: 'booked → cancelled', appointment: cancelledAppointment(), context: { previous: stored(booked) } },
      {
        name: 'fulfilled → noshow',
        appointment: { ...booked, status: 'noshow' },
        context: { previous: stored({ ...booked, status: 'fulfilled' }) },
      },
      {
        name: 'cancelled → cancelled with a new end',
        appointment: { ...cancelledAppointment(), end: '2022-09-04T14:30:00+01:00' },
        context: { previous: stored(cancelledAppointment()) },
      },
    ],
    rejects: [
      {
        name: 'cancelled → booked',
        appointment: booked,
        context: { previous: stored(cancelledAppointment()) },
        expression: 'Appointment.status',
      },
      {
        name: 'fulfilled → pending',
        appointment: { ...booked, status: 'pending' },
        context: { previous: stored({ ...booked, status: 'fulfilled' }) },
        expression: 'Appointment.status',
      },
    ],
  },
  'TM-1': {
    accepts: [{ name: 'end after start', appointment: booked }],
    rejects: [
      {
        name: 'end before start',
        appointment: { ...booked, end: '2022-09-04T13:00:00+01:00' },
        expression: 'Appointment.end',
      },
      {
        name: 'end equal to start',
        appointment: { ...booked, end: booked.start },
        expression: 'Appointment.end',
        severity: 'warning',
      },
      {
        name: 'a leap second, which no date library reads (the checks would be off)',
        appointment: { ...booked, start: '2022-09-04T14:00:60+01:00' },
        expression: 'Appointment.start',
      },
      {
        name: 'an end without time',
        appointment: { ...booked, end: '2022-09-04' },
        expression: 'Appointment.end',
      },
    ],
  },
  'TM-2': {
    accepts: [
      { name: '15 minutes, in three days', appointment: booked },
      { name: 'exactly 24 hours long', appointment: { ...booked, end: '2022-09-05T14:00:00+01:00' } },
      // The threshold is 2 × 365.25 days from now, either way: a day inside it on both sides.
      { name: 'starting 730 days from now', appointment: startingDaysFromNow(730) },
      { name: 'starting 730 days ago', appointment: startingDaysFromNow(-730) },
    ],
    rejects: [
      {
        name: '24 hours and a minute long',
        appointment: { ...booked, end: '2022-09-05T14:01:00+01:00' },
        expression: 'Appointment.end',
        severity: 'warning',
      },
      {
        name: 'starting 731 days from now',
        appointment: startingDaysFromNow(731),
        expression: 'Appointment.start',
        severity: 'warning',
      },
      {
        name: 'starting 731 days ago',
        appointment: startingDaysFromNow(-731),
        expression: 'Appointment.start',
        severity: 'warning',
      },
    ],
  },
  'CR-1': {
    accepts: [{ name: 'created present', appointment: booked }],
    rejects: [
      {
        name: 'created missing',
        appointment: pageCreateBody(),
        expression: 'Appointment.created',
        severity: 'warning',
      },
    ],
  },
  'PR-1': {
    accepts: [
      { name: 'sas.fr URL', appointment: booked },
      { name: 'interopsante.org URL', appointment: pageCreateBody() },
      { name: 'SOS profile', appointment: sosPendingAppointment() },
    ],
    rejects: [
      { name: 'no meta.profile', appointment: { ...booked, meta: {} }, expression: 'Appointment.meta.profile' },
      {
        name: 'a versioned URL',
        appointment: { ...booked, meta: { profile: ['http://sas.fr/fhir/StructureDefinition/FrAppointmentSAS|1.0'] } },
        expression: 'Appointment.meta.profile',
      },
    ],
  },
  'OW-1': {
    accepts: [
      {
        name: 'the creator updates',
        appointment: cancelledAppointment(),
        context: { previous: stored(booked), author: 'ClientApplication/editor-a' },
      },
      {
        name: 'a trusted author updates',
        appointment: cancelledAppointment(),
        context: {
          previous: stored(booked),
          author: 'ClientApplication/admin',
          trustedAuthors: ['ClientApplication/admin'],
        },
      },
      {
        name: 'the creator after an admin correction (owner tag)',
        appointment: cancelledAppointment(),
        context: {
          previous: {
            ...stored(booked, 'ClientApplication/admin'),
            meta: {
              author: { reference: 'ClientApplication/admin' },
              tag: [{ system: OWNER_TAG_SYSTEM, code: 'ClientApplication/editor-a' }],
            },
          },
          author: 'ClientApplication/editor-a',
        },
      },
    ],
    rejects: [
      {
        name: 'another client',
        appointment: cancelledAppointment(),
        context: { previous: stored(booked), author: 'ClientApplication/editor-b' },
        expression: 'Appointment',
      },
    ],
  },
};

describe.each(Object.entries(cases))('%s', (ruleId, { accepts, rejects }) => {
  test.each(accepts)('accepts $name', ({ appointment, context }) => {
    expect(issuesOf(ruleId as RuleId, appointment, context)).toEqual([]);
  });
  test.each(rejects)('rejects $name', ({ appointment, context, expression, severity }) => {
    const issues = issuesOf(ruleId as RuleId, appointment, context);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: severity ?? 'error', expression: [expression] });
    expect(issues[0]?.details?.text).toMatch(/\S/);
    expect(issues[0]?.diagnostics).toContain(ruleId);
  });
});

interface Finding {
  severity: string;
  rule: string;
  expression: string;
}

interface BotRun {
  /** What the bot logged, one finding per line. */
  findings: Finding[];
  /** What the handler returned (the version Medplum stores), when it did not throw. */
  returned?: Appointment;
  /** What the handler threw (the rejection), when it did. */
  thrown?: unknown;
}

/** Runs a case through the bot with a MockClient holding what the context describes. */
async function runThroughBot(appointment: Appointment, context: Partial<RuleContext> = {}): Promise<BotRun> {
  const medplum = new MockClient();
  if (context.previous) {
    await medplum.createResource(context.previous);
  }
  for (const holder of context.identifierHolders ?? []) {
    await medplum.createResource({ ...appointment, id: holder });
  }
  const input: Appointment = {
    ...appointment,
    id: context.previous?.id ?? appointment.id ?? 'new-appointment',
    meta: { ...appointment.meta, author: context.author ? { reference: context.author } : undefined },
  };
  const secrets: Record<string, ProjectSetting> = {};
  if (context.trustedAuthors) {
    const valueString = context.trustedAuthors.join(',');
    secrets.SAS_GUARD_TRUSTED_AUTHORS = { name: 'SAS_GUARD_TRUSTED_AUTHORS', valueString };
  }
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const event: BotEvent = { bot: { reference: 'Bot/guard' }, contentType: 'application/fhir+json', input, secrets };
  const run: BotRun = { findings: [] };
  try {
    run.returned = await handler(medplum, event);
  } catch (thrown) {
    run.thrown = thrown;
  }
  run.findings = log.mock.calls.flatMap(([line]) => {
    const match = /^sas-guard: (error|warning) (\S+) at (\S+): /.exec(String(line));
    return match ? [{ severity: match[1] ?? '', rule: match[2] ?? '', expression: match[3] ?? '' }] : [];
  });
  log.mockRestore();
  return run;
}

/** The rule ids of the 422 the bot threw (a plain OperationOutcome with id business-rule). */
function rejectedRules(thrown: unknown): string[] {
  const outcome = thrown as OperationOutcome;
  expect(outcome).toMatchObject({ resourceType: 'OperationOutcome', id: 'business-rule' });
  return outcome.issue
    .filter((issue) => issue.severity === 'error')
    .map((issue) => issue.details?.coding?.[0]?.code ?? '');
}

describe('through the bot, with MockClient', () => {
  beforeAll(() => {
    indexServerDefinitions();
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  // ID-4 needs the request URL, which a Medplum bot never sees: the SAS HTTP layer applies it (test/host).
  const botCases = Object.entries(cases).filter(([ruleId]) => ruleId !== 'ID-4');
  describe.each(botCases)('%s', (ruleId, { accepts, rejects }) => {
    test.each(accepts)('accepts $name', async ({ appointment, context }) => {
      const { findings, returned, thrown } = await runThroughBot(appointment, context);
      expect(findings.filter((finding) => finding.rule === ruleId)).toEqual([]);
      if (findings.some((finding) => finding.severity === 'error')) {
        expect(rejectedRules(thrown)).not.toContain(ruleId);
      } else {
        // Accepted: the bot returns the appointment to store (same id), it does not throw.
        expect(thrown).toBeUndefined();
        expect(returned).toMatchObject({
          resourceType: 'Appointment',
          id: context?.previous?.id ?? appointment.id ?? 'new-appointment',
        });
      }
    });
    test.each(rejects)('rejects $name', async ({ appointment, context, expression, severity }) => {
      const { findings, returned, thrown } = await runThroughBot(appointment, context);
      expect(findings.filter((finding) => finding.rule === ruleId)).toEqual([
        { severity: severity ?? 'error', rule: ruleId, expression },
      ]);
      if ((severity ?? 'error') === 'error') {
        expect(returned).toBeUndefined();
        expect(rejectedRules(thrown)).toContain(ruleId);
      } else if (!findings.some((finding) => finding.severity === 'error')) {
        expect(thrown).toBeUndefined();
        expect(returned?.resourceType).toBe('Appointment');
      }
    });
  });
});
