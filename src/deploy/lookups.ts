// How deploy finds what it installed: conformance resources by url, the Bot and the AccessPolicy by exact name, the
// bot's Subscriptions and membership, the Binaries of its code; and a delete that tolerates what is already gone.
import type { MedplumClient, WithId } from '@medplum/core';
import { normalizeErrorString } from '@medplum/core';
import type { AccessPolicy, Bot, ProjectMembership, ResourceType, Subscription } from '@medplum/fhirtypes';
import { isOurSubscription } from './desired.ts';
import { DeployError, describeError, step } from './errors.ts';
import { NO_CACHE } from './server.ts';
import type { ConformanceResource } from './types.ts';

export const CONFORMANCE_TYPES = ['StructureDefinition', 'ValueSet', 'CodeSystem'] as const;
export type ConformanceType = (typeof CONFORMANCE_TYPES)[number];

export async function searchByUrl(
  medplum: MedplumClient,
  resourceType: ConformanceType,
  urls: string[],
): Promise<WithId<ConformanceResource>[]> {
  if (urls.length === 0) {
    return [];
  }
  const found = await step(`searching ${resourceType}?url=`, () =>
    medplum.searchResources(resourceType, { url: urls.join(','), _count: '200' }, NO_CACHE),
  );
  return [...found] as WithId<ConformanceResource>[];
}

export async function searchByName<T extends 'Bot' | 'AccessPolicy'>(
  medplum: MedplumClient,
  resourceType: T,
  name: string,
): Promise<WithId<T extends 'Bot' ? Bot : AccessPolicy>[]> {
  const found = await step(`searching ${resourceType}?name=${name}`, () =>
    medplum.searchResources(resourceType, { name, _count: '100' }, NO_CACHE),
  );
  // Medplum's string search is a case-insensitive prefix match: keep exact names only.
  return [...found].filter((r) => (r as { name?: string }).name === name) as WithId<
    T extends 'Bot' ? Bot : AccessPolicy
  >[];
}

export async function botSubscriptions(medplum: MedplumClient, botId: string): Promise<WithId<Subscription>[]> {
  const found = await step(`searching Subscription?url=Bot/${botId}`, () =>
    medplum.searchResources('Subscription', { url: `Bot/${botId}`, _count: '100' }, NO_CACHE),
  );
  return [...found].filter((s) => isOurSubscription(s, botId));
}

export async function botMemberships(medplum: MedplumClient, botId: string): Promise<WithId<ProjectMembership>[]> {
  const found = await step(`searching ProjectMembership?profile=Bot/${botId}`, () =>
    medplum.searchResources('ProjectMembership', { profile: `Bot/${botId}`, _count: '10' }, NO_CACHE),
  );
  return [...found].filter((m) => m.profile?.reference === `Bot/${botId}`);
}

/**
 * The id in a Medplum Binary URL: `Binary/<id>` as stored, or the presigned storage URL a read may answer instead
 * (`<storageBaseUrl><id>/<versionId>?Expires=…`, e.g. `https://storage.example.com/binary/<id>/<version>?…`).
 */
export function binaryIdOf(url: string | undefined): string | undefined {
  if (!url) {
    return undefined;
  }
  const reference = /(?:^|\/)Binary\/([A-Za-z0-9\-.]{1,64})(?:$|[/?#])/.exec(url);
  if (reference) {
    return reference[1];
  }
  const path = url.split(/[?#]/)[0] ?? '';
  const uuid = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
  const presigned = new RegExp(`/(${uuid})/${uuid}/?$`).exec(path) ?? new RegExp(`/(${uuid})(?:/|$)`).exec(path);
  return presigned?.[1];
}

/** Every Binary a Bot's versions pointed to (its saved sources and deployed codes). */
export async function botBinaries(medplum: MedplumClient, bot: WithId<Bot>): Promise<string[]> {
  const versions: Bot[] = [bot];
  try {
    const history = await medplum.readHistory('Bot', bot.id, undefined, NO_CACHE);
    for (const entry of history.entry ?? []) {
      if (entry.resource) {
        versions.push(entry.resource);
      }
    }
  } catch {
    // history not available: the current version's binaries only
  }
  const ids = new Set<string>();
  for (const version of versions) {
    for (const url of [version.sourceCode?.url, version.executableCode?.url]) {
      const id = binaryIdOf(url);
      if (id) {
        ids.add(id);
      }
    }
  }
  return [...ids];
}

/** Deletes; false when it was already gone. */
export async function deleteQuietly(medplum: MedplumClient, resourceType: ResourceType, id: string): Promise<boolean> {
  try {
    await medplum.deleteResource(resourceType, id);
    return true;
  } catch (err) {
    const message = normalizeErrorString(err);
    if (/not found|gone|deleted/i.test(message)) {
      return false;
    }
    throw new DeployError(`deleting ${resourceType}/${id}: ${describeError(err).message}`, describeError(err).hint);
  }
}
