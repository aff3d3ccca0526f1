// The generated profiles as Medplum's own validator (validateResource of @medplum/core) enforces them.
import { OperationOutcomeError, validateResource } from '@medplum/core';
import type {
  Appointment,
  Extension,
  Identifier,
  OperationOutcomeIssue,
  StructureDefinition,
} from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_SAS_PROFILE_URLS,
  createProfileValidator,
  getProfile,
  indexBaseDefinitions,
  loadConformanceResources,
  OPERATOR_EXTENSION_URL,
  SAS_PROFILE_URL,
  SAS_PROFILE_URL_ESANTE,
  SAS_PROFILE_URL_INTEROPSANTE,
  SOS_PROFILE_URL,
} from '../../src/profiles/index.ts';
import {
  bookedAppointment,
  cancelledAppointment,
  pageCreateBody,
  sosPendingAppointment,
} from '../fixtures/appointments.ts';

interface Problem {
  code: string | undefined;
  expression: string | undefined;
  text: string | undefined;
}

/** The error issues validateResource reports (it throws them), in a printable form; [] when the resource conforms. */
function errors(resource: Appointment, profile: StructureDefinition): Problem[] {
  try {
    validateResource(resource, { profile });
    return [];
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      throw err;
    }
    return (err.outcome.issue ?? [])
      .filter((i) => i.severity === 'error')
      .map((i) => ({ code: i.code, expression: i.expression?.join(','), text: i.details?.text }));
  }
}

function expressions(resource: Appointment, profile: StructureDefinition): (string | undefined)[] {
  return errors(resource, profile).map((p) => p.expression);
}

/** The operator extension of a fixture (always extension[0]). */
function operator(appointment: Appointment): Extension {
  const ext = appointment.extension?.[0];
  if (!ext) {
    throw new Error('fixture without operator extension');
  }
  return ext;
}

function operatorIdentifier(appointment: Appointment): Identifier {
  const id = operator(appointment).valueReference?.identifier;
  if (!id) {
    throw new Error('fixture without operator identifier');
  }
  return id;
}

function psIdentifier(appointment: Appointment): Identifier {
  const id = appointment.participant[0]?.actor?.identifier;
  if (!id) {
    throw new Error('fixture without PS identifier');
  }
  return id;
}

function withoutId(appointment: Appointment): Appointment {
  const { id: _id, ...rest } = appointment;
  return rest;
}

let sas: StructureDefinition;
let sos: StructureDefinition;

beforeAll(() => {
  indexBaseDefinitions();
  indexBaseDefinitions(); // idempotent
  sas = getProfile(SAS_PROFILE_URL);
  sos = getProfile(SOS_PROFILE_URL);
});

describe('generated conformance resources', () => {
  it('ship every profile URL, the operator extension and the value sets, StructureDefinitions with snapshots', () => {
    const resources = loadConformanceResources();
    const urls = resources.map((r) => r.url);
    for (const url of [...ALL_SAS_PROFILE_URLS, OPERATOR_EXTENSION_URL]) {
      expect(urls).toContain(url);
    }
    expect(resources.filter((r) => r.resourceType === 'ValueSet').map((r) => r.url)).toEqual([
      'http://sas.fr/fhir/ValueSet/sas-appointment-status',
      'http://sas.fr/fhir/ValueSet/sas-operator-identifier-type',
      'http://sas.fr/fhir/ValueSet/sas-participant-status',
    ]);
    const sds = resources.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');
    expect(new Set(sds.map((sd) => sd.id)).size).toBe(sds.length);
    for (const sd of sds) {
      expect(sd.snapshot?.element?.length, sd.url).toBeGreaterThan(0);
    }
    // A stable order: the same on every call, StructureDefinitions first.
    expect(loadConformanceResources().map((r) => r.url)).toEqual(urls);
    expect(resources[0]?.resourceType).toBe('StructureDefinition');
  });

  it('carry the operator slice children in the snapshot, so Medplum can match the slice by url', () => {
    for (const url of ALL_SAS_PROFILE_URLS) {
      const urlElement = getProfile(url).snapshot?.element?.find(
        (e) => e.id === 'Appointment.extension:appointmentOperator.url',
      );
      expect(urlElement?.fixedUri, url).toBe(OPERATOR_EXTENSION_URL);
    }
  });

  it('publish the aliases with the canonical profile content under their own url/id/name', () => {
    const canonical = getProfile(SAS_PROFILE_URL);
    for (const url of [SAS_PROFILE_URL_INTEROPSANTE, SAS_PROFILE_URL_ESANTE]) {
      const alias = getProfile(url);
      expect(alias.id).not.toBe(canonical.id);
      expect(alias.name).not.toBe(canonical.name);
      expect(alias.snapshot).toEqual(canonical.snapshot);
      expect(alias.differential).toEqual(canonical.differential);
    }
  });
});

describe('FrAppointmentSAS accepts the fixtures', () => {
  for (const url of [SAS_PROFILE_URL, SAS_PROFILE_URL_INTEROPSANTE, SAS_PROFILE_URL_ESANTE]) {
    it(`under ${url}`, () => {
      const profile = getProfile(url);
      expect(errors(bookedAppointment(), profile)).toEqual([]);
      expect(errors(cancelledAppointment(), profile)).toEqual([]);
      expect(errors(pageCreateBody(), profile)).toEqual([]);
      expect(errors(withoutId(pageCreateBody()), profile)).toEqual([]);
    });
  }

  it('and each alias rejects what the canonical profile rejects', () => {
    const broken = bookedAppointment();
    delete broken.identifier;
    for (const url of ALL_SAS_PROFILE_URLS) {
      expect(expressions(broken, getProfile(url)), url).toEqual(['Appointment.identifier']);
    }
  });
});

const cases: [string, (a: Appointment) => void, string, RegExp][] = [
  ['missing identifier', (a) => delete a.identifier, 'Appointment.identifier', /Missing required property/],
  [
    'repeated identifier',
    (a) => a.identifier?.push({ system: 'urn:oid:1.2.3', value: 'other' }),
    'Appointment.identifier',
    /expected 1\.\.1, but found 2/,
  ],
  [
    'identifier without system',
    (a) => delete a.identifier?.[0]?.system,
    'Appointment.identifier[0].system',
    /Missing required property/,
  ],
  [
    'identifier without value',
    (a) => delete a.identifier?.[0]?.value,
    'Appointment.identifier[0].value',
    /Missing required property/,
  ],
  ['missing start', (a) => delete a.start, 'Appointment.start', /Missing required property/],
  ['missing end', (a) => delete a.end, 'Appointment.end', /Missing required property/],
  ['operator missing (no extension)', (a) => delete a.extension, 'Appointment.extension', /Missing required/],
  [
    'operator missing (another extension instead)',
    (a) => (a.extension = [{ url: 'http://example.org/other', valueString: 'x' }]),
    'Appointment.extension',
    /slice 'appointmentOperator': expected 1\.\.1, but found 0/,
  ],
  [
    'operator twice',
    (a) => a.extension?.push(structuredClone(operator(a))),
    'Appointment.extension',
    /expected 1\.\.1, but found 2/,
  ],
  [
    'operator value not a Reference',
    (a) => (a.extension = [{ url: OPERATOR_EXTENSION_URL, valueString: '3456780581/11242343' }]),
    'Appointment.extension[0]',
    /sas-op-1/,
  ],
  [
    'operator identifier without system',
    (a) => delete operatorIdentifier(a).system,
    'Appointment.extension[0]',
    /sas-op-2/,
  ],
  [
    'operator identifier without value',
    (a) => delete operatorIdentifier(a).value,
    'Appointment.extension[0]',
    /sas-op-2/,
  ],
  [
    'operator identifier without type',
    (a) => delete operatorIdentifier(a).type,
    'Appointment.extension[0]',
    /sas-op-3/,
  ],
  [
    'operator type coding from another CodeSystem',
    (a) =>
      (operatorIdentifier(a).type = {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PRN' }],
      }),
    'Appointment.extension[0]',
    /sas-op-3/,
  ],
  [
    'operator type with two codings',
    (a) =>
      operatorIdentifier(a).type?.coding?.push({
        system: 'http://interopsante.org/fhir/CodeSystem/fr-v2-0203',
        code: 'INTRN',
      }),
    'Appointment.extension[0]',
    /sas-op-3/,
  ],
  [
    'a second, unrelated extension',
    (a) => a.extension?.push({ url: 'http://example.org/other', valueString: 'x' }),
    'Appointment.extension',
    /expected 1\.\.1, but found 2/,
  ],
  [
    'PS identifier with another system',
    (a) => (psIdentifier(a).system = 'urn:oid:1.2.250.1.71.4.2.2'),
    'Appointment.participant.actor.identifier.system',
    /did not match expected pattern/,
  ],
  [
    'PS identifier with another type',
    (a) =>
      (psIdentifier(a).type = {
        coding: [{ system: 'http://interopsante.org/fhir/CodeSystem/fr-v2-0203', code: 'INTRN' }],
      }),
    'Appointment.participant.actor.identifier.type',
    /did not match expected pattern/,
  ],
  [
    'PS identifier without type',
    (a) => delete psIdentifier(a).type,
    'Appointment.participant[0].actor.identifier.type',
    /Missing required property/,
  ],
  [
    'PS identifier without value',
    (a) => delete psIdentifier(a).value,
    'Appointment.participant[0].actor.identifier.value',
    /Missing required property/,
  ],
];

// Expressions are Medplum's own: a missing property is reported with the array index of its parent
// (Appointment.participant[0].actor...), a value that does not match a fixed/pattern value without it
// (Appointment.participant.actor...), and an invariant on Appointment.extension at the extension (extension[0]).
describe('FrAppointmentSAS structural constraints', () => {
  for (const [name, breakIt, expression, text] of cases) {
    it(`rejects: ${name}`, () => {
      // Cancelled: the base R4 invariant app-3 lets a cancelled appointment omit start/end, the profile does not.
      const appointment = cancelledAppointment();
      breakIt(appointment);
      const problems = errors(appointment, sas);
      expect(problems, JSON.stringify(problems)).toContainEqual(
        expect.objectContaining({ expression, text: expect.stringMatching(text) as unknown }),
      );
      // Every alias enforces the same.
      for (const url of [SAS_PROFILE_URL_INTEROPSANTE, SAS_PROFILE_URL_ESANTE]) {
        expect(expressions(appointment, getProfile(url))).toContain(expression);
      }
    });
  }

  it('leaves codes to the business rules: an unknown participant status code is not a structural error', () => {
    const appointment = bookedAppointment();
    appointment.participant[0] = { ...appointment.participant[0], status: 'tentative' };
    expect(errors(appointment, sas)).toEqual([]);
  });
});

describe('SOS Médecins profile', () => {
  it('accepts the pending SOS appointment whose PS is not known yet', () => {
    expect(errors(sosPendingAppointment(), sos)).toEqual([]);
  });

  it('does not constrain participant.actor', () => {
    const appointment = sosPendingAppointment();
    appointment.participant = [
      { actor: { identifier: { system: 'urn:oid:1.2.3', value: 'x' } }, status: 'needs-action' },
    ];
    expect(errors(appointment, sos)).toEqual([]);
    expect(expressions(appointment, sas)).toEqual(
      expect.arrayContaining([
        'Appointment.participant[0].actor.identifier.type',
        'Appointment.participant.actor.identifier.system',
      ]),
    );
  });

  it('keeps the other constraints of FrAppointmentSAS', () => {
    const noIdentifier = sosPendingAppointment();
    delete noIdentifier.identifier;
    expect(expressions(noIdentifier, sos)).toEqual(['Appointment.identifier']);

    const noEnd = sosPendingAppointment();
    delete noEnd.end;
    expect(expressions(noEnd, sos)).toContain('Appointment.end');

    const noOperatorSystem = sosPendingAppointment();
    delete operatorIdentifier(noOperatorSystem).system;
    expect(expressions(noOperatorSystem, sos)).toEqual(['Appointment.extension[0]']);

    const twoExtensions = sosPendingAppointment();
    twoExtensions.extension?.push({ url: 'http://example.org/other', valueString: 'x' });
    expect(expressions(twoExtensions, sos)).toContain('Appointment.extension');
  });
});

describe('createProfileValidator', () => {
  const simplify = (issues: OperationOutcomeIssue[]): Problem[] =>
    issues.map((i) => ({ code: i.code, expression: i.expression?.join(','), text: i.details?.text }));

  it('returns the issues instead of throwing, in both parse modes', () => {
    for (const parse of ['once', 'every-call'] as const) {
      const validate = createProfileValidator(sas, { parse });
      expect(validate(bookedAppointment()).filter((i) => i.severity === 'error')).toEqual([]);
      const broken = bookedAppointment();
      delete broken.start;
      const issues = validate(broken);
      expect(issues.some((i) => i.severity === 'error' && i.expression?.includes('Appointment.start'))).toBe(true);
    }
  });

  it('parsed once reports exactly what validateResource(resource, { profile }) reports, case by case', () => {
    const fixtures: [string, () => Appointment, StructureDefinition][] = [
      ['booked', bookedAppointment, sas],
      ['cancelled', cancelledAppointment, sas],
      ['page body', pageCreateBody, sas],
      ['sos pending', sosPendingAppointment, sos],
      ['sos pending against FrAppointmentSAS', sosPendingAppointment, sas],
      ...cases.map(([name, breakIt]): [string, () => Appointment, StructureDefinition] => [
        name,
        () => {
          const a = cancelledAppointment();
          breakIt(a);
          return a;
        },
        sas,
      ]),
    ];
    const once = new Map([sas, sos].map((sd) => [sd, createProfileValidator(sd)]));
    for (const [name, make, profile] of fixtures) {
      const expected = simplify(createProfileValidator(profile, { parse: 'every-call' })(make()));
      expect(simplify(once.get(profile)?.(make()) ?? []), name).toEqual(expected);
    }
  });

  it('leaves the base Appointment type alone', () => {
    createProfileValidator(sas);
    const plain = bookedAppointment();
    delete plain.identifier;
    delete plain.extension;
    expect(() => validateResource(plain)).not.toThrow();
  });

  it('rejects another resource type, and a StructureDefinition without snapshot', () => {
    const validate = createProfileValidator(sas);
    expect(validate({ resourceType: 'Patient' }).map((i) => i.severity)).toEqual(['error']);
    const { snapshot: _snapshot, ...differentialOnly } = sas;
    expect(() => createProfileValidator(differentialOnly)).toThrow(/no snapshot/);
  });
});
