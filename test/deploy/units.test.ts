// The installer's pure parts: comparisons, Binary ids in Medplum URLs, versions, deploy state, error lines.
import { OperationOutcomeError, unauthorized, forbidden } from '@medplum/core';
import { describe, expect, test } from 'vitest';
import { containsContent, sameContent } from '../../src/deploy/compare.ts';
import {
  deployStateExtension,
  desiredAccessPolicy,
  desiredSubscription,
  readDeployState,
} from '../../src/deploy/desired.ts';
import { describeError } from '../../src/deploy/errors.ts';
import { binaryIdOf } from '../../src/deploy/lookups.ts';
import { versionAtLeast } from '../../src/deploy/server.ts';
import { validateDeployConfig } from '../../src/deploy/steps/secrets.ts';

const ID = '3f1c2b9e-8d7a-4c6b-9e5f-0a1b2c3d4e5f';
const VERSION = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

describe('binaryIdOf', () => {
  test.each([
    [`Binary/${ID}`, ID],
    [`https://api.example.com/fhir/R4/Binary/${ID}`, ID],
    [`https://storage.example.com/binary/${ID}/${VERSION}?Expires=1&Signature=x`, ID],
    [`http://localhost:8103/storage/${ID}/${VERSION}?Expires=1&Key-Pair-Id=k&Signature=x`, ID],
    ['', undefined],
    [undefined, undefined],
    ['https://example.com/file.js', undefined],
  ])('%s → %s', (url, id) => {
    expect(binaryIdOf(url)).toBe(id);
  });
});

describe('comparisons', () => {
  test('sameContent ignores id, meta, key order and empty values', () => {
    expect(
      sameContent(
        {
          resourceType: 'ValueSet',
          id: 'x',
          meta: { versionId: '2' },
          url: 'u',
          status: 'active',
          compose: { include: [] },
        },
        { status: 'active', url: 'u', resourceType: 'ValueSet', name: '' },
      ),
    ).toBe(true);
    expect(sameContent({ resourceType: 'ValueSet', url: 'u' }, { resourceType: 'ValueSet', url: 'v' })).toBe(false);
    expect(sameContent({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });

  test('containsContent ignores fields only the stored resource has', () => {
    expect(
      containsContent(
        { name: 'b', runtimeVersion: 'vmcontext', cdsService: { x: 1 } },
        { name: 'b', runtimeVersion: 'vmcontext' },
      ),
    ).toBe(true);
    expect(
      containsContent({ name: 'b', runtimeVersion: 'awslambda' }, { name: 'b', runtimeVersion: 'vmcontext' }),
    ).toBe(false);
  });
});

describe('desired resources', () => {
  test('the AccessPolicy grants Appointment create and update, and read/search of the login’s own appointments', () => {
    expect(desiredAccessPolicy().resource).toEqual([
      { resourceType: 'Appointment', interaction: ['create', 'update'] },
      {
        resourceType: 'Appointment',
        interaction: ['read', 'search'],
        criteria: 'Appointment?_tag=https://sas-guard.dev/fhir/CodeSystem/appointment-owner|%profile',
      },
    ]);
  });

  test('the Subscription is a pre-commit rest-hook on Appointment to the bot', () => {
    expect(desiredSubscription('b1')).toMatchObject({
      status: 'active',
      criteria: 'Appointment',
      channel: { type: 'rest-hook', endpoint: 'Bot/b1' },
      extension: [{ url: 'https://medplum.com/fhir/StructureDefinition/pre-commit-bot', valueBoolean: true }],
    });
  });

  test('deploy state round-trips through the Bot extension', () => {
    const state = { codeSha256: 'abc', executableUrl: ID, preCommitSettingBefore: 'absent' };
    expect(readDeployState({ resourceType: 'Bot', extension: [deployStateExtension(state)] })).toEqual(state);
    expect(readDeployState({ resourceType: 'Bot' })).toEqual({});
  });
});

describe('versionAtLeast', () => {
  test.each([
    ['5.0.10-abc1234', true],
    ['4.3.10', true],
    ['4.3.9', false],
    ['4.10.0', true],
    ['3.9.99', false],
    ['unknown', undefined],
    [undefined, undefined],
  ])('%s ≥ 4.3.10 → %s', (version, expected) => {
    expect(versionAtLeast(version, '4.3.10')).toBe(expected);
  });
});

describe('errors and configuration', () => {
  test('network, auth and permission failures become one line with a hint', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(describeError(refused, 'http://x/')).toMatchObject({
      message: 'cannot reach the Medplum server at http://x/ (ECONNREFUSED)',
    });
    expect(describeError(new OperationOutcomeError(unauthorized)).message).toMatch(/^authentication failed/);
    expect(describeError(new OperationOutcomeError(forbidden)).message).toMatch(/^forbidden/);
    expect(describeError(new OperationOutcomeError(unauthorized)).message).not.toContain('\n');
  });

  test('the bot configuration is checked with the bot’s own parser', () => {
    expect(() =>
      validateDeployConfig({ language: 'en', severities: '{"PS-2":"off"}', trustedAuthors: 'ClientApplication/a1' }),
    ).not.toThrow();
    expect(() => validateDeployConfig({ severities: 'not json' })).toThrow(/SAS_GUARD_SEVERITIES/);
    expect(() => validateDeployConfig({ trustedAuthors: 'nobody' })).toThrow(/SAS_GUARD_TRUSTED_AUTHORS/);
    expect(() => validateDeployConfig({ language: '' })).not.toThrow();
  });
});
