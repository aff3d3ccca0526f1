// Medplum's own MemoryRepository, made to write the way a Medplum server writes:
//   permissions → pre-commit bot → If-Match check → base + meta.profile validation → store
// (packages/server/src/fhir/repo.ts, updateResourceImpl), plus:
//   - the writer's AccessPolicy checked on every read, search and write the router asks for (403, src/host/access.ts),
//     not on the server's own lookups (previous version, profiles, the pre-commit hook's reads);
//   - unknown search parameters rejected with 400 "Unknown search parameter: <code>" (the router ignores them);
//   - an identical re-send stores nothing and answers the stored version (Medplum's isNotModified);
//   - an index of Appointment.identifier (identifier-index.ts) and parsed profiles kept (profile-cache.ts).
import type { AccessPolicyInteraction, SearchRequest, WithId } from '@medplum/core';
import {
  OperationOutcomeError,
  Operator,
  badRequest,
  deepClone,
  deepEquals,
  gone,
  notFound,
  getSearchParameter,
  isResource,
  matchesSearchRequest,
  preconditionFailed,
  stringify,
  validateResource,
} from '@medplum/core';
import type { CreateResourceOptions, SearchOptions, UpdateResourceOptions } from '@medplum/fhir-router';
import { FhirRepository, MemoryRepository } from '@medplum/fhir-router';
import type {
  Appointment,
  Bundle,
  BundleEntry,
  OperationOutcome,
  Reference,
  Resource,
  StructureDefinition,
} from '@medplum/fhirtypes';
import { capIssues } from '../rules/limits.ts';
import { checkAccess, checkReadable, checkWritable, readCriteria } from './access.ts';
import { getRequestContext, withoutAccessPolicy } from './context.ts';
import { IDENTIFIER_INDEXED_TYPE, IdentifierIndex } from './identifier-index.ts';
import { ProfileCache } from './profile-cache.ts';

/** What a pre-commit hook may answer: a replacement resource, or anything else (ignored). */
export type PreCommitHook = (resource: WithId<Resource>, interaction: 'update' | 'delete') => Promise<unknown>;

export interface HostRepositoryOptions {
  /** The author of writes made outside any request (startup, bulk load). */
  systemAuthor: Reference;
  projectId?: string;
  log?: (line: string) => void;
}

export class HostRepository extends MemoryRepository {
  /** Pre-commit hook (the bot runner), set by the host once it knows its own URL. */
  preCommit?: PreCommitHook;
  projectId?: string;
  private readonly systemAuthor: Reference;
  private readonly log: (line: string) => void;
  private readonly identifierIndex = new IdentifierIndex();
  /** `type/id` of deleted resources: a read answers 410 Gone, a vread still finds their versions, as on Medplum. */
  private readonly deleted = new Set<string>();
  private readonly profiles = new ProfileCache((url) =>
    withoutAccessPolicy(() =>
      this.searchOne<StructureDefinition>({
        resourceType: 'StructureDefinition',
        filters: [{ code: 'url', operator: Operator.EQUALS, value: url }],
        sortRules: [{ code: 'version', descending: true }],
      }),
    ),
  );

  constructor(options: HostRepositoryOptions) {
    super();
    this.systemAuthor = options.systemAuthor;
    this.projectId = options.projectId;
    this.log = options.log ?? (() => undefined);
  }

  // ---------------------------------------------------------------- writes

  override async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    this.allow(resource.resourceType, 'create');
    // As on Medplum: a created resource gets a server id; a client id is kept only when the router assigned it.
    const id = options?.assignedId && resource.id ? resource.id : this.generateId();
    return this.write({ ...resource, id }, true, undefined);
  }

  override async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    this.allow(resource.resourceType, 'update');
    if (!resource.id) {
      throw new OperationOutcomeError(badRequest('Missing id'));
    }
    return this.write(resource as WithId<T>, false, options?.ifMatch);
  }

  override async deleteResource(resourceType: string, id: string, options?: { ifMatch?: string }): Promise<void> {
    this.allow(resourceType, 'delete');
    const existing = await super.readResource<WithId<Resource>>(resourceType, id);
    checkReadable(getRequestContext()?.accessPolicy, existing);
    await withoutAccessPolicy(() => this.preCommit?.(existing, 'delete'));
    await super.deleteResource(resourceType, id, options);
    this.deleted.add(`${resourceType}/${id}`);
    this.identifierIndex.remove(resourceType, id);
    this.forgetProfiles(resourceType);
  }

  override async expungeResources(resourceType: string, ids: string[]): Promise<void> {
    await super.expungeResources(resourceType, ids);
    this.forgetProfiles(resourceType);
    for (const id of ids) {
      this.identifierIndex.remove(resourceType, id);
    }
  }

  override conditionalCreate<T extends Resource>(
    resource: T,
    search: SearchRequest<T>,
    options?: CreateResourceOptions,
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    // MemoryRepository's own version scans privately; the base one goes through search() (index, parameter checks).
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with this repository as `this`
    const base = FhirRepository.prototype.conditionalCreate as (
      this: FhirRepository,
      resource: T,
      search: SearchRequest<T>,
      options?: CreateResourceOptions,
    ) => Promise<{ resource: WithId<T>; outcome: OperationOutcome }>;
    return base.call(this, resource, search, options);
  }

  /** The write path of a Medplum server's Repository.updateResourceImpl, in order. */
  private async write<T extends Resource>(
    resource: WithId<T>,
    create: boolean,
    ifMatch: string | undefined,
  ): Promise<WithId<T>> {
    const context = getRequestContext();
    const author = context?.author ?? this.systemAuthor;
    let candidate = deepClone(resource);

    // 1. permissions: the type and interaction checked by createResource/updateResource (this.allow); a stored
    //    version outside the login's read criteria is not found.
    const existing = create ? undefined : await this.tryRead<T>(candidate.resourceType, candidate.id);
    if (existing) {
      checkReadable(context?.accessPolicy, existing);
    }
    // 2. pre-commit bot: sees the unvalidated input, id set, meta.author injected.
    const replacement = await withoutAccessPolicy(() => this.preCommit?.(candidate, 'update'));
    if (
      isResource(replacement) &&
      replacement.resourceType === candidate.resourceType &&
      replacement.id === candidate.id
    ) {
      candidate = replacement as WithId<T>;
    }

    // 3. If-Match, against the stored version.
    if (existing && ifMatch && existing.meta?.versionId !== ifMatch) {
      throw new OperationOutcomeError(preconditionFailed);
    }

    const result = {
      ...candidate,
      meta: {
        ...candidate.meta,
        author,
        ...(this.projectId && candidate.resourceType !== 'Project' ? { project: this.projectId } : undefined),
      },
    } as WithId<T>;

    // 4. the new content within the login's write criteria; validation: base StructureDefinition, then each
    //    meta.profile found in the repository.
    checkWritable(context?.accessPolicy, result, existing ? 'update' : 'create');
    await this.validate(result);

    // 5. store, unless nothing changed (Medplum then answers the stored version, no new version).
    if (existing && isNotModified(existing, result)) {
      return existing;
    }
    return this.store(result);
  }

  /** Stores without hooks or validation (startup resources, bulk load). */
  async store<T extends Resource>(resource: WithId<T>): Promise<WithId<T>> {
    const stored = await super.createResource(resource, undefined, true);
    this.identifierIndex.add(stored);
    this.forgetProfiles(stored.resourceType);
    return stored;
  }

  private async tryRead<T extends Resource>(resourceType: string, id: string): Promise<WithId<T> | undefined> {
    try {
      return await super.readResource<WithId<T>>(resourceType, id);
    } catch {
      return undefined;
    }
  }

  async validate(resource: Resource): Promise<void> {
    try {
      // Throws an OperationOutcomeError (400) on errors; returns warnings, which Medplum only logs.
      validateResource(resource);
      for (const url of resource.meta?.profile ?? []) {
        if (!(await this.profiles.validate(resource, url))) {
          this.log(`Unknown profile referenced: ${url} (${resource.resourceType}/${resource.id ?? ''}), skipped`);
        }
      }
    } catch (err) {
      // At most MAX_LISTED_ISSUES issues in the answer, whatever the body.
      if (err instanceof OperationOutcomeError) {
        throw new OperationOutcomeError({ ...err.outcome, issue: capIssues(err.outcome.issue, 'en') });
      }
      throw err;
    }
  }

  private forgetProfiles(resourceType: string): void {
    if (resourceType === 'StructureDefinition') {
      this.profiles.clear();
    }
  }

  // ---------------------------------------------------------------- reads and search

  override async readResource<T extends Resource>(resourceType: string, id: string): Promise<T> {
    this.allow(resourceType, 'read');
    const resource = await this.current<T>(resourceType, id);
    checkReadable(getRequestContext()?.accessPolicy, resource);
    return resource;
  }

  /** The stored version, or Medplum's 404 (never stored) / 410 (deleted). */
  private async current<T extends Resource>(resourceType: string, id: string): Promise<T> {
    try {
      return await super.readResource<T>(resourceType, id);
    } catch (err) {
      if (this.deleted.has(`${resourceType}/${id}`)) {
        throw new OperationOutcomeError(gone);
      }
      throw err;
    }
  }

  override async readHistory<T extends Resource>(resourceType: string, id: string): Promise<Bundle<T>> {
    this.allow(resourceType, 'history');
    checkReadable(getRequestContext()?.accessPolicy, await this.current(resourceType, id));
    return super.readHistory<T>(resourceType, id);
  }

  override readVersion<T extends Resource>(resourceType: string, id: string, versionId: string): Promise<T> {
    this.allow(resourceType, 'vread');
    const versions = (this as unknown as { history: Map<string, Map<string, Resource[]>> }).history
      .get(resourceType)
      ?.get(id);
    const version = versions?.find((v) => v.meta?.versionId === versionId);
    if (!versions?.length || !version) {
      return Promise.reject(new OperationOutcomeError(notFound));
    }
    checkReadable(getRequestContext()?.accessPolicy, versions[versions.length - 1] as Resource);
    return Promise.resolve(deepClone(version) as T);
  }

  override async search<T extends Resource>(
    searchRequest: SearchRequest<T>,
    _options?: SearchOptions,
  ): Promise<Bundle<WithId<T>>> {
    for (const resourceType of searchRequest.types ?? [searchRequest.resourceType]) {
      this.allow(resourceType, 'search');
    }
    checkSearchParameters(searchRequest);
    const criteria = readCriteria(getRequestContext()?.accessPolicy, searchRequest.resourceType, 'search');
    const only = criteria?.length === 1 ? criteria[0] : undefined;
    if (!criteria) {
      return this.indexedSearch(searchRequest) ?? super.search(searchRequest);
    }
    if (only?.resourceType === searchRequest.resourceType) {
      // One criteria: its filters are ANDed to the search, as Medplum's SQL does.
      const narrowed = { ...searchRequest, filters: [...(searchRequest.filters ?? []), ...(only.filters ?? [])] };
      return this.indexedSearch(narrowed) ?? super.search(narrowed);
    }
    return this.searchMatchingAny(searchRequest, criteria);
  }

  /** Several criteria (any one suffices): the whole result, filtered, then paged. */
  private async searchMatchingAny<T extends Resource>(
    searchRequest: SearchRequest<T>,
    criteria: SearchRequest[],
  ): Promise<Bundle<WithId<T>>> {
    const all = await super.search({ ...searchRequest, count: undefined, offset: undefined });
    const entry = (all.entry ?? []).filter(
      (e) => e.resource && criteria.some((c) => matchesSearchRequest(e.resource as Resource, c)),
    );
    const start = searchRequest.offset ?? 0;
    const page = entry.slice(start, searchRequest.count === undefined ? undefined : start + searchRequest.count);
    return { ...all, entry: page.length ? page : undefined, total: entry.length };
  }

  /** Appointment?identifier=<system>|<value> or ?identifier=<value>, nothing else: answered from the index. */
  private indexedSearch<T extends Resource>(searchRequest: SearchRequest<T>): Bundle<WithId<T>> | undefined {
    const candidates = this.identifierIndex.candidates(searchRequest);
    if (candidates === undefined) {
      return undefined;
    }
    const matches: WithId<T>[] = [];
    for (const id of candidates) {
      const resource = this.peek(IDENTIFIER_INDEXED_TYPE, id) as WithId<T> | undefined;
      if (resource && matchesSearchRequest(resource, searchRequest)) {
        matches.push(resource);
      }
    }
    const page = searchRequest.count === undefined ? matches : matches.slice(0, searchRequest.count);
    const entry = page.map((resource): BundleEntry<WithId<T>> => ({
      search: { mode: 'match' },
      resource: deepClone(resource),
    }));
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: entry.length ? entry : undefined,
      total: matches.length,
    };
  }

  /** The stored resource itself (no copy): callers must not mutate it. */
  private peek(resourceType: string, id: string): Resource | undefined {
    // MemoryRepository keeps its maps private (TypeScript-private, readable at run time).
    const resources = (this as unknown as { resources: Map<string, Map<string, Resource>> }).resources;
    return resources.get(resourceType)?.get(id);
  }

  /** Medplum's Repository checks the request's AccessPolicy first: 403 before the bot, validation or storage. */
  private allow(resourceType: string, interaction: AccessPolicyInteraction): void {
    checkAccess(getRequestContext()?.accessPolicy, resourceType, interaction);
  }
}

/** Medplum's isNotModified: deep equality ignoring meta.versionId, meta.lastUpdated and meta.author. */
function isNotModified(existing: Resource, updated: Resource): boolean {
  return deepEquals(JSON.parse(stringify(existing)), JSON.parse(stringify(updated)));
}

/** The server rejects search parameters it does not know; fhir-router silently ignores them. */
export function checkSearchParameters(searchRequest: SearchRequest): void {
  const { resourceType } = searchRequest;
  if (searchRequest.types?.length) {
    return;
  }
  for (const filter of searchRequest.filters ?? []) {
    if (filter.code.includes('.') || filter.code.startsWith('_has')) {
      continue;
    }
    if (!getSearchParameter(resourceType, filter.code)) {
      throw new OperationOutcomeError(badRequest(`Unknown search parameter: ${filter.code}`));
    }
  }
  for (const rule of searchRequest.sortRules ?? []) {
    if (!getSearchParameter(resourceType, rule.code)) {
      throw new OperationOutcomeError(badRequest(`Unknown search parameter: ${rule.code}`));
    }
  }
}

/**
 * Stores appointments directly (no bot, no validation, no HTTP), for tests and benchmarks: 100,000 in a few seconds.
 * Each gets a server id unless it has one, and the identifier index is maintained.
 */
export async function bulkLoadAppointments(
  repo: HostRepository,
  appointments: Iterable<Appointment>,
): Promise<WithId<Appointment>[]> {
  const stored: WithId<Appointment>[] = [];
  for (const appointment of appointments) {
    stored.push(await repo.store<Appointment>({ ...appointment, id: appointment.id ?? repo.generateId() }));
  }
  return stored;
}
