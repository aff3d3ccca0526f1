// checkAccess: Medplum's resource-type level AccessPolicy semantics (a forbidden interaction → 403 forbidden).
import type { AccessPolicyInteraction } from '@medplum/core';
import { OperationOutcomeError, getStatus } from '@medplum/core';
import type { AccessPolicy } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { checkAccess } from '../../src/host/access.ts';

const ALL: AccessPolicyInteraction[] = ['create', 'read', 'vread', 'update', 'delete', 'history', 'search'];

/** The interactions `policy` allows on `resourceType`; anything else must throw a 403. */
function allowed(policy: AccessPolicy | undefined, resourceType: string): AccessPolicyInteraction[] {
  return ALL.filter((interaction) => {
    try {
      checkAccess(policy, resourceType, interaction);
      return true;
    } catch (err) {
      expect(err instanceof OperationOutcomeError && getStatus(err.outcome)).toBe(403);
      return false;
    }
  });
}

const policy = (resource: AccessPolicy['resource']): AccessPolicy => ({ resourceType: 'AccessPolicy', resource });

describe('checkAccess', () => {
  test('no policy, or an entry without interaction or readonly: everything', () => {
    expect(allowed(undefined, 'Patient')).toEqual(ALL);
    expect(allowed(policy([{ resourceType: 'Patient' }]), 'Patient')).toEqual(ALL);
  });

  test('readonly: read, vread, history, search', () => {
    expect(allowed(policy([{ resourceType: 'Patient', readonly: true }]), 'Patient')).toEqual([
      'read',
      'vread',
      'history',
      'search',
    ]);
  });

  test('interaction lists exactly; other types nothing; `*` all but the project admin types', () => {
    const sas = policy([{ resourceType: 'Appointment', interaction: ['create', 'read', 'search', 'update'] }]);
    expect(allowed(sas, 'Appointment')).toEqual(['create', 'read', 'update', 'search']);
    expect(allowed(sas, 'Patient')).toEqual([]);
    expect(allowed(policy([{ resourceType: '*' }]), 'Observation')).toEqual(ALL);
    expect(allowed(policy([{ resourceType: '*' }]), 'ProjectMembership')).toEqual([]);
  });
});
