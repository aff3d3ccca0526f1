// Property-based tests of the rules engine: it never throws, whatever the input, and reports errors exactly when a
// rule is violated (generated valid appointments get none; each single-rule violation gets that rule only).
import type { Appointment, AppointmentParticipant } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { evaluateAppointment, ruleIdOf } from '../../src/rules/engine.ts';
import {
  ALL_SAS_PROFILE_URLS,
  IDENTIFIER_TYPE_SYSTEM,
  OID_IDNPS,
  OID_SAS_TECHNICAL_ID,
  OPERATOR_EXTENSION_URL,
} from '../../src/rules/sas-codes.ts';
import type { RuleContext, RuleId } from '../../src/rules/types.ts';
import { NOW, context } from './helpers.ts';

const RUNS = { numRuns: 200, seed: 20261124 };

function luhnKey(digits: string): string {
  for (let key = 0; key < 10; key++) {
    const candidate = digits + key;
    let sum = 0;
    for (let i = 0; i < candidate.length; i++) {
      let digit = Number(candidate[candidate.length - 1 - i]);
      if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

const digits = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length });
const alphanumeric = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'), minLength: min, maxLength: max });

const rpps = digits(10).map((d) => '8' + luhnKey(d));
const adeli = alphanumeric(9, 9).map((a) => '0' + a);
const practitionerId = fc.oneof(rpps, adeli);
const typed = (code: string) => ({ coding: [{ system: IDENTIFIER_TYPE_SYSTEM, code }] });

const identifierSystem = fc.oneof(
  fc.array(fc.nat({ max: 99999 }), { minLength: 1, maxLength: 8 }).map((arcs) => `urn:oid:1.${arcs.join('.')}`),
  fc.webUrl({ validSchemes: ['https', 'http'] }),
);

const operator = fc.oneof(
  fc
    .oneof(
      rpps,
      adeli,
      fc
        .tuple(fc.constantFrom('1', '3', '4', '5', '6'), alphanumeric(1, 12), alphanumeric(1, 12))
        .map(([p, s, i]) => `${p}${s}/${i}`),
    )
    .map((value) => ({ type: typed('IDNPS'), system: OID_IDNPS, value })),
  fc.uuid().map((value) => ({ type: typed('INTRN'), system: OID_SAS_TECHNICAL_ID, value })),
);

const practitioner = (status: 'accepted' | 'needs-action') =>
  practitionerId.map((value): AppointmentParticipant => ({
    actor: { identifier: { type: typed('IDNPS'), system: OID_IDNPS, value } },
    status,
  }));
// A new object each time: a shared one would make a mutation of participant[0] change its twins too.
const unknownPractitioner = fc
  .constant(null)
  .map((): AppointmentParticipant => ({ type: [{ text: 'ADM' }], status: 'needs-action' }));

const statusAndParticipants = fc.oneof(
  fc.tuple(
    fc.constantFrom<Appointment['status']>('booked', 'fulfilled', 'noshow', 'cancelled'),
    fc.array(practitioner('accepted'), { minLength: 1, maxLength: 3 }),
  ),
  fc.tuple(
    fc.constant<Appointment['status']>('pending'),
    fc.array(fc.oneof(practitioner('accepted'), practitioner('needs-action'), unknownPractitioner), {
      minLength: 1,
      maxLength: 3,
    }),
  ),
);

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Appointments every rule accepts without even a warning. */
const validAppointment = fc
  .record({
    system: identifierSystem,
    value: fc.uuid(),
    operator,
    statusAndParticipants,
    start: fc.integer({ min: NOW.getTime() - YEAR_MS, max: NOW.getTime() + YEAR_MS }),
    minutes: fc.integer({ min: 5, max: 600 }),
    profile: fc.constantFrom(...ALL_SAS_PROFILE_URLS),
  })
  .map(
    ({
      system,
      value,
      operator: op,
      statusAndParticipants: [status, participant],
      start,
      minutes,
      profile,
    }): Appointment => ({
      resourceType: 'Appointment',
      meta: { profile: [profile] },
      extension: [{ url: OPERATOR_EXTENSION_URL, valueReference: { identifier: op } }],
      identifier: [{ system, value }],
      status,
      start: new Date(start).toISOString(),
      end: new Date(start + minutes * 60_000).toISOString(),
      created: new Date(start - 3600_000).toISOString(),
      participant,
    }),
  );

function errorRules(appointment: unknown, overrides: Partial<RuleContext> = {}): string[] {
  return evaluateAppointment(appointment, context(overrides))
    .filter((issue) => issue.severity === 'error')
    .map((issue) => ruleIdOf(issue) ?? '?');
}

const PATHS = [
  [],
  ['resourceType'],
  ['id'],
  ['meta'],
  ['meta', 'profile'],
  ['meta', 'profile', '0'],
  ['meta', 'author'],
  ['meta', 'tag'],
  ['identifier'],
  ['identifier', '0'],
  ['identifier', '0', 'system'],
  ['identifier', '0', 'value'],
  ['extension'],
  ['extension', '0'],
  ['extension', '0', 'url'],
  ['extension', '0', 'valueReference'],
  ['extension', '0', 'valueReference', 'identifier'],
  ['extension', '0', 'valueReference', 'identifier', 'type'],
  ['extension', '0', 'valueReference', 'identifier', 'type', 'coding'],
  ['extension', '0', 'valueReference', 'identifier', 'type', 'coding', '0', 'code'],
  ['extension', '0', 'valueReference', 'identifier', 'system'],
  ['extension', '0', 'valueReference', 'identifier', 'value'],
  ['status'],
  ['start'],
  ['end'],
  ['created'],
  ['participant'],
  ['participant', '0'],
  ['participant', '0', 'status'],
  ['participant', '0', 'actor'],
  ['participant', '0', 'actor', 'identifier'],
  ['participant', '0', 'actor', 'identifier', 'value'],
];

function replaceAt(root: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: unknown = structuredClone(root);
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) return copy;
    node = next as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
  return copy;
}

describe('the engine never throws', () => {
  test('for any JSON value in place of any field, in the appointment and in the previous version', () => {
    fc.assert(
      fc.property(
        validAppointment,
        fc.constantFrom(...PATHS),
        fc.jsonValue(),
        fc.constantFrom(...PATHS),
        fc.jsonValue(),
        (appointment, path, value, previousPath, previousValue) => {
          const mutated = replaceAt(appointment, path, value);
          const previous = replaceAt(appointment, previousPath, previousValue) as Appointment;
          const issues = evaluateAppointment(
            mutated,
            context({
              previous,
              author: 'ClientApplication/a',
              identifierHolders: ['x'],
              conditionalIdentifier: { value: 'v' },
            }),
          );
          expect(Array.isArray(issues)).toBe(true);
        },
      ),
      { ...RUNS, numRuns: 1000 },
    );
  });

  test('for any JSON value as the whole appointment', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => Array.isArray(evaluateAppointment(value, context()))),
      RUNS,
    );
  });
});

describe('errors appear exactly when a rule is violated', () => {
  test('generated valid appointments raise no issue at all', () => {
    fc.assert(
      fc.property(validAppointment, (appointment) => {
        expect(evaluateAppointment(appointment, context())).toEqual([]);
      }),
      RUNS,
    );
  });

  const violations: { rule: RuleId; violate: (a: Appointment) => [unknown, Partial<RuleContext>?] }[] = [
    { rule: 'ID-1', violate: (a) => [replaceAt(a, ['identifier', '0', 'system'], 'rdv-ids')] },
    { rule: 'ID-1', violate: (a) => [replaceAt(a, ['identifier', '0', 'value'], ` ${a.identifier?.[0]?.value}`)] },
    {
      rule: 'ID-2',
      violate: (a) => [a, { previous: replaceAt(a, ['identifier', '0', 'value'], 'another') as Appointment }],
    },
    { rule: 'ID-3', violate: (a) => [a, { identifierHolders: ['someone-else'] }] },
    { rule: 'ID-4', violate: (a) => [a, { conditionalIdentifier: { value: 'another' } }] },
    { rule: 'OP-1', violate: (a) => [{ ...a, extension: [...(a.extension ?? []), ...(a.extension ?? [])] }] },
    {
      rule: 'OP-2',
      violate: (a) => {
        const system =
          a.extension?.[0]?.valueReference?.identifier?.system === OID_IDNPS ? OID_SAS_TECHNICAL_ID : OID_IDNPS;
        return [replaceAt(a, ['extension', '0', 'valueReference', 'identifier', 'system'], system)];
      },
    },
    { rule: 'OP-3', violate: (a) => [replaceAt(a, ['extension', '0', 'valueReference', 'identifier', 'value'], 'x')] },
    {
      rule: 'PS-1',
      violate: (a) => [
        {
          ...a,
          participant: [
            { actor: { identifier: { system: OID_IDNPS, value: '12345' } }, status: 'accepted' },
            ...a.participant.slice(1),
          ],
        },
      ],
    },
    {
      rule: 'ST-1',
      violate: (a) => [
        { ...a, status: 'arrived', participant: a.participant.map((p) => ({ ...p, status: 'accepted' })) },
      ],
    },
    { rule: 'ST-2', violate: (a) => [replaceAt(a, ['participant', '0', 'status'], 'refused')] },
    {
      rule: 'ST-3',
      violate: (a) => [
        {
          ...a,
          status: 'booked',
          participant: [
            { actor: { identifier: { system: OID_IDNPS, value: '810000000009' } }, status: 'needs-action' },
          ],
        },
      ],
    },
    {
      rule: 'ST-4',
      violate: (a) => [
        { ...a, status: 'booked', participant: a.participant.map((p) => ({ ...p, status: 'accepted' as const })) },
        { previous: { ...a, status: 'cancelled' } },
      ],
    },
    { rule: 'TM-1', violate: (a) => [{ ...a, end: new Date(Date.parse(a.start ?? '') - 60_000).toISOString() }] },
    { rule: 'PR-1', violate: (a) => [{ ...a, meta: { profile: [] } }] },
    {
      rule: 'OW-1',
      violate: (a) => [
        a,
        {
          previous: { ...a, created: '2000-01-01T00:00:00Z', meta: { author: { reference: 'ClientApplication/a' } } },
          author: 'ClientApplication/b',
        },
      ],
    },
  ];

  test.each(violations)('a single $rule violation raises $rule and nothing else', ({ rule, violate }) => {
    fc.assert(
      fc.property(validAppointment, (appointment) => {
        const [mutated, overrides] = violate(appointment);
        expect(errorRules(mutated, overrides)).toEqual([rule]);
      }),
      RUNS,
    );
  });

  /** An RPPS whose Luhn key is wrong: the right key plus one. */
  const badLuhn = (valid: string): string => valid.slice(0, -1) + ((Number(valid.slice(-1)) + 1) % 10);
  const warnings: { rule: RuleId; violate: (a: Appointment) => [unknown, Partial<RuleContext>?] }[] = [
    {
      rule: 'OP-4',
      violate: (a) => [
        a,
        { previous: replaceAt(a, ['extension', '0', 'valueReference', 'identifier', 'value'], 'other') as Appointment },
      ],
    },
    {
      rule: 'PS-2',
      violate: (a) => [
        {
          ...a,
          participant: [
            {
              actor: { identifier: { system: OID_IDNPS, value: badLuhn('8' + luhnKey('0123456789')) } },
              status: 'accepted',
            },
          ],
        },
      ],
    },
    {
      rule: 'PS-3',
      violate: (a) => [{ ...a, status: 'booked', participant: [{ type: [{ text: 'ADM' }], status: 'accepted' }] }],
    },
    { rule: 'TM-1', violate: (a) => [{ ...a, end: a.start }] },
    {
      rule: 'TM-2',
      violate: (a) => [{ ...a, end: new Date(Date.parse(a.start ?? '') + 25 * 3600_000).toISOString() }],
    },
    {
      rule: 'TM-2',
      violate: (a) => {
        const start = Date.parse(a.start ?? '') + 4 * YEAR_MS; // generated starts are within a year of NOW
        return [{ ...a, start: new Date(start).toISOString(), end: new Date(start + 15 * 60_000).toISOString() }];
      },
    },
    { rule: 'CR-1', violate: (a) => [{ ...a, created: undefined }] },
  ];

  test.each(warnings)('a single $rule warning case raises one $rule warning and nothing else', ({ rule, violate }) => {
    fc.assert(
      fc.property(validAppointment, (appointment) => {
        const [mutated, overrides] = violate(appointment);
        const issues = evaluateAppointment(mutated, context(overrides));
        expect(issues.map((issue) => [issue.severity, ruleIdOf(issue)])).toEqual([['warning', rule]]);
      }),
      RUNS,
    );
  });
});
