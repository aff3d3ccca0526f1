// The fast structural validation (profile parsed once, profile first) gives the server's verdict and outcome:
// compared with validateResource(resource) then validateResource(resource, { profile }) on the full definitions.
import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { Appointment, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { indexAllDefinitions } from '../../src/check/definitions.ts';
import { StructuralValidator } from '../../src/check/validate.ts';
import { loadConformanceResources } from '../../src/profiles/index.ts';
import { bookedAppointment, PROFILE_SAS_ESANTE, PROFILE_SOS, sosPendingAppointment } from '../fixtures/appointments.ts';

const profiles = loadConformanceResources().filter(
  (r): r is StructureDefinition => r.resourceType === 'StructureDefinition',
);

/** The server's order, literally: base, then each known meta.profile, parsing the profile every time. */
function serverVerdict(resource: Appointment): { failed: boolean; issues: OperationOutcomeIssue[] } {
  try {
    validateResource(resource);
    for (const url of resource.meta?.profile ?? []) {
      const profile = profiles.find((sd) => sd.url === url);
      if (profile) {
        validateResource(resource, { profile });
      }
    }
    return { failed: false, issues: [] };
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return { failed: true, issues: err.outcome.issue ?? [] };
    }
    throw err;
  }
}

function variants(): Appointment[] {
  const out: Appointment[] = [bookedAppointment(), sosPendingAppointment()];
  const drop = (key: keyof Appointment): Appointment => {
    const copy = bookedAppointment();
    delete copy[key];
    return copy;
  };
  out.push(drop('end'), drop('start'), drop('identifier'), drop('extension'), drop('participant'), drop('created'));
  out.push({ ...bookedAppointment(), identifier: [{ system: 'urn:oid:1.2' }] });
  out.push({ ...bookedAppointment(), extension: [] });
  out.push({ ...bookedAppointment(), status: 'bogus' as 'booked' });
  out.push({ ...bookedAppointment(), meta: { profile: [PROFILE_SAS_ESANTE, 'http://unknown.example/sd'] } });
  out.push({ ...sosPendingAppointment(), meta: { profile: [PROFILE_SOS] }, participant: [] });
  out.push({ ...bookedAppointment(), unknownField: 1 } as Appointment);
  out.push({ ...bookedAppointment(), minutesDuration: 'ten' as unknown as number });
  const noOperatorValue = bookedAppointment();
  const operator = noOperatorValue.extension?.[0]?.valueReference?.identifier;
  if (operator) {
    delete operator.value;
  }
  out.push(noOperatorValue);
  return out;
}

describe('StructuralValidator', () => {
  it('gives the verdict and outcome of the server order on varied appointments', () => {
    indexAllDefinitions();
    const fast = new StructuralValidator(profiles);
    const ordered = new StructuralValidator(profiles, { fast: false });
    for (const appointment of variants()) {
      const expected = serverVerdict(appointment);
      for (const validator of [fast, ordered]) {
        const actual = validator.validate(appointment);
        expect(actual.failed, JSON.stringify(appointment)).toBe(expected.failed);
        if (expected.failed) {
          expect(actual.issues).toEqual(expected.issues);
        }
      }
    }
  });
});
