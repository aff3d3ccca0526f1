// AccessPolicy enforcement of the embedded host, as a Medplum server does it: a forbidden interaction on a type is a
// 403 before anything else (the pre-commit bot included); an entry's `criteria` narrows what the login may read and
// search (Medplum filters in SQL: outside them, a read is 404 and a search does not see it) and what it may write
// (the new content must satisfy them, else 403). Compartments and field rules are not enforced.
import type { AccessPolicyInteraction, SearchRequest } from '@medplum/core';
import {
  OperationOutcomeError,
  accessPolicySupportsInteraction,
  forbidden,
  notFound,
  parseSearchRequest,
  satisfiedAccessPolicy,
} from '@medplum/core';
import type { AccessPolicy, AccessPolicyResource, Resource, ResourceType } from '@medplum/fhirtypes';

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

/** The entries of `policy` that apply to `interaction` on `resourceType`. */
function entriesFor(
  policy: AccessPolicy,
  resourceType: string,
  interaction: AccessPolicyInteraction,
): AccessPolicyResource[] {
  return (policy.resource ?? []).filter(
    (entry) =>
      (entry.resourceType === resourceType || entry.resourceType === '*') &&
      (!entry.interaction || entry.interaction.includes(interaction)),
  );
}

/**
 * The criteria a read or search of `resourceType` must also satisfy: undefined when unrestricted (no policy, or an
 * applicable entry without criteria), else one search request per applicable entry (any of them suffices).
 */
export function readCriteria(
  policy: AccessPolicy | undefined,
  resourceType: string,
  interaction: 'read' | 'search',
): SearchRequest[] | undefined {
  if (!policy) {
    return undefined;
  }
  const entries = entriesFor(policy, resourceType, interaction);
  if (entries.length === 0 || entries.some((entry) => !entry.criteria)) {
    return undefined;
  }
  return entries.map((entry) => parseSearchRequest(entry.criteria ?? ''));
}

/** A read outside the login's criteria is not found, as on Medplum. */
export function checkReadable(policy: AccessPolicy | undefined, resource: Resource): void {
  if (readCriteria(policy, resource.resourceType, 'read') && !satisfiedAccessPolicy(resource, 'read', policy)) {
    throw new OperationOutcomeError(notFound);
  }
}

/** The content a login writes must satisfy the criteria of its write entries. */
export function checkWritable(
  policy: AccessPolicy | undefined,
  resource: Resource,
  interaction: 'create' | 'update',
): void {
  if (!policy) {
    return;
  }
  const entries = entriesFor(policy, resource.resourceType, interaction);
  if (
    entries.length > 0 &&
    entries.every((entry) => entry.criteria) &&
    !satisfiedAccessPolicy(resource, interaction, policy)
  ) {
    throw new OperationOutcomeError(forbidden);
  }
}
