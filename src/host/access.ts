// AccessPolicy enforcement of the embedded host, as a Medplum server does it (packages/server/src/fhir/accesspolicy.ts
// builds the policy of a login; its Repository refuses a forbidden interaction with 403 before anything else, the
// pre-commit bot included). Only the resource-type level is enforced: `resourceType`, `interaction`, `readonly`
// (Medplum's own accessPolicySupportsInteraction); `criteria`, compartments and field rules are not.
import type { AccessPolicyInteraction } from '@medplum/core';
import {
  OperationOutcomeError,
  Operator,
  accessPolicySupportsInteraction,
  badRequest,
  forbidden,
  projectAdminResourceTypes,
} from '@medplum/core';
import type {
  AccessPolicy,
  AccessPolicyResource,
  ProjectMembership,
  Reference,
  ResourceType,
} from '@medplum/fhirtypes';
import type { FhirRepository } from '@medplum/fhir-router';

/** Throws Medplum's 403 `forbidden` when `policy` does not allow `interaction` on `resourceType`; no policy allows all. */
export function checkAccess(
  policy: AccessPolicy | undefined,
  resourceType: string,
  interaction: AccessPolicyInteraction,
): void {
  if (policy && !accessPolicySupportsInteraction(policy, interaction, resourceType as ResourceType)) {
    throw new OperationOutcomeError(forbidden);
  }
}

/**
 * The policy of `author` as Medplum builds it for a login (buildAccessPolicy, applyProjectAdminAccessPolicy): the
 * resource entries of the membership's `accessPolicy` and `access[].policy`, read-only SearchParameter and
 * StructureDefinition added, project admin types removed for a non-admin. Undefined when `author` has no membership
 * or its membership names no policy (the host's writers so far: unrestricted).
 */
export async function accessPolicyOf(
  repo: Pick<FhirRepository, 'searchOne' | 'readReference'>,
  author: Reference,
): Promise<AccessPolicy | undefined> {
  if (!author.reference) {
    return undefined;
  }
  const membership = await repo.searchOne<ProjectMembership>({
    resourceType: 'ProjectMembership',
    filters: [{ code: 'profile', operator: Operator.EQUALS, value: author.reference }],
  });
  const references = [membership?.accessPolicy, ...(membership?.access ?? []).map((access) => access.policy)];
  const policies = references.filter((reference): reference is Reference<AccessPolicy> => !!reference);
  if (!membership || policies.length === 0) {
    return undefined;
  }
  const resource: AccessPolicyResource[] = [];
  for (const reference of policies) {
    try {
      resource.push(...((await repo.readReference<AccessPolicy>(reference)).resource ?? []));
    } catch {
      throw new OperationOutcomeError(
        badRequest('Cannot authenticate: Invalid access policy configuration. Please contact your administrator.'),
      );
    }
  }
  for (const resourceType of ['SearchParameter', 'StructureDefinition']) {
    if (!resource.some((entry) => entry.resourceType === resourceType)) {
      resource.push({ resourceType, readonly: true });
    }
  }
  return {
    resourceType: 'AccessPolicy',
    resource: membership.admin
      ? resource
      : resource.filter((entry) => !projectAdminResourceTypes.includes(entry.resourceType)),
  };
}
