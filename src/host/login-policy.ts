// The AccessPolicy of a login as Medplum builds it (packages/server/src/fhir/accesspolicy.ts buildAccessPolicy,
// applyProjectAdminAccessPolicy): the entries of the membership's `accessPolicy` and of each `access[].policy`, with
// `%name` replaced by each `access[].parameter` and the built-ins `%profile`/`%profile.id` (and `%patient`, which
// defaults to the profile); read-only SearchParameter and StructureDefinition added; project admin types removed for
// a non-admin. Undefined when the login has no membership or its membership names no policy: unrestricted.
import { OperationOutcomeError, Operator, badRequest, projectAdminResourceTypes, resolveId } from '@medplum/core';
import type { FhirRepository } from '@medplum/fhir-router';
import type {
  AccessPolicy,
  AccessPolicyResource,
  ProjectMembership,
  ProjectMembershipAccess,
  ProjectMembershipAccessParameter,
  Reference,
} from '@medplum/fhirtypes';

type PolicyReader = Pick<FhirRepository, 'searchOne' | 'readReference'>;

/** Medplum's substitution: a plain replaceAll on the policy's JSON, user parameters first, then profile and patient. */
function substitute(
  policy: AccessPolicy,
  parameters: ProjectMembershipAccessParameter[],
  profile: Reference | undefined,
): AccessPolicy {
  const params = [...parameters, { name: 'profile', valueReference: profile }];
  if (!params.some((p) => p.name === 'patient')) {
    params.push({ name: 'patient', valueReference: profile });
  }
  let json = JSON.stringify(policy);
  for (const param of params) {
    if (param.valueString) {
      json = json.replaceAll(`%${param.name}`, param.valueString);
    } else if (param.valueReference?.reference) {
      json = json.replaceAll(`%${param.name}.id`, resolveId(param.valueReference) ?? '');
      json = json.replaceAll(`%${param.name}`, param.valueReference.reference);
    }
  }
  return JSON.parse(json) as AccessPolicy;
}

export async function accessPolicyOf(repo: PolicyReader, author: Reference): Promise<AccessPolicy | undefined> {
  if (!author.reference) {
    return undefined;
  }
  const membership = await repo.searchOne<ProjectMembership>({
    resourceType: 'ProjectMembership',
    filters: [{ code: 'profile', operator: Operator.EQUALS, value: author.reference }],
  });
  const access: ProjectMembershipAccess[] = [
    ...(membership?.accessPolicy ? [{ policy: membership.accessPolicy }] : []),
    ...(membership?.access ?? []),
  ];
  if (!membership || access.length === 0) {
    return undefined;
  }
  const resource: AccessPolicyResource[] = [];
  for (const entry of access) {
    let policy: AccessPolicy;
    try {
      policy = await repo.readReference<AccessPolicy>(entry.policy);
    } catch {
      throw new OperationOutcomeError(
        badRequest('Cannot authenticate: Invalid access policy configuration. Please contact your administrator.'),
      );
    }
    resource.push(...(substitute(policy, entry.parameter ?? [], membership.profile).resource ?? []));
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
