// Medplum's own MemoryRepository, made to write the way a Medplum server writes:
//   permissions → pre-commit bot → If-Match check → base + meta.profile validation → store
// (packages/server/src/fhir/repo.ts, updateResourceImpl), plus:
//   - the writer's AccessPolicy checked on every read, search and write the router asks for (403, src/host/access.ts),
//     not on the server's own lookups (previous version, profiles, the pre-commit hook's reads);
//   - unknown search parameters rejected with 400 "Unknown search parameter: <code>" (the router ignores them);
//   - an identical re-send stores nothing and answers the stored version (Medplum's isNotModified);
//   - an index of Appointment.identifier so a conditional update costs the same with 1,000 or 100,000 appointments.
import type { AccessPolicyInteraction, SearchRequest, WithId } from '@medplum/core';
import {
  OperationOutcomeError,
  Operator,
  badRequest,
  deepClone,
  deepEquals,
  getAllDataTypes,
  getSearchParameter,
  isResource,
  matchesSearchRequest,
  parseStructureDefinition,
  preconditionFailed,
  stringify,
  validateResource,
  validateTypedValue,
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
import { checkAccess } from './access.ts';
import { getRequestContext, withoutAccessPolicy } from './context.ts';

/** What a pre-commit hook may answer: a replacement resource, or anything else (ignored). */
export type PreCommitHook = (resource: WithId<Resource>, interaction: 'update' | 'delete') => Promise<unknown>;

export interface HostRepositoryOptions {
  /** The author of writes made outside any request (startup, bulk load). */
  systemAuthor: Reference;
  projectId?: string;
  log?: (line: string) => void;
}

const IDENTIFIER_INDEXED_TYPE = 'Appointment';

export class HostRepository extends MemoryRepository {
  /** Pre-commit hook (the bot runner), set by the host once it knows its own URL. */
  preCommit?: PreCommitHook;
  projectId?: string;
  private readonly systemAuthor: Reference;
  private readonly log: (line: string) => void;
  /** Lowercased `s:<system>|<value>` or `v:<value>` → ids of the appointments holding it. */
  private readonly identifierIndex = new Map<string, Set<string>>();
  /** Appointment id → its keys in identifierIndex. */
  private readonly indexedKeys = new Map<string, string[]>();
  /**
   * Profile URL → the StructureDefinition the search for it answers (null: none stored), and the name its parsed
   * schema is registered under. Emptied on every StructureDefinition write, so it always equals a fresh search.
   */
  private readonly profiles = new Map<string, { sd: StructureDefinition; typeName?: string } | null>();

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
    await withoutAccessPolicy(() => this.preCommit?.(existing, 'delete'));
    await super.deleteResource(resourceType, id, options);
    this.unindex(resourceType, id);
    this.forgetProfiles(resourceType);
  }

  override async expungeResources(resourceType: string, ids: string[]): Promise<void> {
    await super.expungeResources(resourceType, ids);
    this.forgetProfiles(resourceType);
    for (const id of ids) {
      this.unindex(resourceType, id);
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
    const author = getRequestContext()?.author ?? this.systemAuthor;
    let candidate = deepClone(resource);

    // 1. permissions: checked by createResource/updateResource (this.allow).
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
    const existing = create ? undefined : await this.tryRead<T>(candidate.resourceType, candidate.id);
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

    // 4. validation: base StructureDefinition, then each meta.profile found in the repository.
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
    this.reindex(stored);
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
    // Throws an OperationOutcomeError (400) on errors; returns warnings, which Medplum only logs.
    validateResource(resource);
    for (const url of resource.meta?.profile ?? []) {
      const profile = await this.profileOf(url);
      if (!profile) {
        this.log(`Unknown profile referenced: ${url} (${resource.resourceType}/${resource.id ?? ''}), skipped`);
        continue;
      }
      // Medplum parses the StructureDefinition on every call (validateResource(resource, { profile })), about ten
      // times the cost of the validation itself. The schema is parsed once per stored version here and validated
      // against the same way (validateTypedValue is what validateResource runs, with the parsed schema found by its
      // type name): same issues, same throw. A StructureDefinition without snapshot is parsed, and throws "No
      // snapshot defined ...", on every call, as on Medplum.
      if (!profile.typeName) {
        const schema = parseStructureDefinition(profile.sd);
        profile.typeName = `sas-guard-host-profile:${profile.sd.id ?? ''}:${profile.sd.meta?.versionId ?? ''}`;
        getAllDataTypes()[profile.typeName] = schema;
      }
      validateTypedValue({ type: profile.typeName, value: resource });
    }
  }

  /** The StructureDefinition of `url` as the server finds it (latest version first), cached until an SD is written. */
  private async profileOf(url: string): Promise<{ sd: StructureDefinition; typeName?: string } | undefined> {
    let entry = this.profiles.get(url);
    if (entry === undefined) {
      const sd = await withoutAccessPolicy(() =>
        this.searchOne<StructureDefinition>({
          resourceType: 'StructureDefinition',
          filters: [{ code: 'url', operator: Operator.EQUALS, value: url }],
          sortRules: [{ code: 'version', descending: true }],
        }),
      );
      entry = sd ? { sd } : null;
      this.profiles.set(url, entry);
    }
    return entry ?? undefined;
  }

  private forgetProfiles(resourceType: string): void {
    if (resourceType !== 'StructureDefinition' || this.profiles.size === 0) {
      return;
    }
    const types = getAllDataTypes();
    for (const entry of this.profiles.values()) {
      if (entry?.typeName) {
        delete types[entry.typeName];
      }
    }
    this.profiles.clear();
  }

  // ---------------------------------------------------------------- reads and search

  override async readResource<T extends Resource>(resourceType: string, id: string): Promise<T> {
    this.allow(resourceType, 'read');
    return super.readResource<T>(resourceType, id);
  }

  override async readHistory<T extends Resource>(resourceType: string, id: string): Promise<Bundle<T>> {
    this.allow(resourceType, 'history');
    return super.readHistory<T>(resourceType, id);
  }

  override async readVersion<T extends Resource>(resourceType: string, id: string, versionId: string): Promise<T> {
    this.allow(resourceType, 'vread');
    return super.readVersion<T>(resourceType, id, versionId);
  }

  override async search<T extends Resource>(
    searchRequest: SearchRequest<T>,
    _options?: SearchOptions,
  ): Promise<Bundle<WithId<T>>> {
    for (const resourceType of searchRequest.types ?? [searchRequest.resourceType]) {
      this.allow(resourceType, 'search');
    }
    checkSearchParameters(searchRequest);
    return this.indexedSearch(searchRequest) ?? super.search(searchRequest);
  }

  /** Appointment?identifier=<system>|<value> or ?identifier=<value>, nothing else: answered from the index. */
  private indexedSearch<T extends Resource>(searchRequest: SearchRequest<T>): Bundle<WithId<T>> | undefined {
    const key = indexKeyOfSearch(searchRequest);
    if (key === undefined) {
      return undefined;
    }
    const matches: WithId<T>[] = [];
    for (const id of this.identifierIndex.get(key) ?? []) {
      const resource = this.peek(IDENTIFIER_INDEXED_TYPE, id) as WithId<T> | undefined;
      // The index finds candidates; the router's own matcher decides, so results equal a full scan's.
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

  // ---------------------------------------------------------------- identifier index

  private reindex(resource: WithId<Resource>): void {
    if (resource.resourceType !== IDENTIFIER_INDEXED_TYPE) {
      return;
    }
    this.unindex(resource.resourceType, resource.id);
    const keys = identifierKeys(resource);
    for (const key of keys) {
      let ids = this.identifierIndex.get(key);
      if (!ids) {
        ids = new Set();
        this.identifierIndex.set(key, ids);
      }
      ids.add(resource.id);
    }
    this.indexedKeys.set(resource.id, keys);
  }

  private unindex(resourceType: string, id: string): void {
    if (resourceType !== IDENTIFIER_INDEXED_TYPE) {
      return;
    }
    for (const key of this.indexedKeys.get(id) ?? []) {
      const ids = this.identifierIndex.get(key);
      ids?.delete(id);
      if (ids?.size === 0) {
        this.identifierIndex.delete(key);
      }
    }
    this.indexedKeys.delete(id);
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

function identifierKeys(resource: Resource): string[] {
  const keys: string[] = [];
  for (const identifier of (resource as Appointment).identifier ?? []) {
    if (typeof identifier?.value !== 'string') {
      continue;
    }
    const value = identifier.value.toLowerCase();
    keys.push(`v:${value}`);
    if (typeof identifier.system === 'string') {
      keys.push(`s:${identifier.system.toLowerCase()}|${value}`);
    }
  }
  return [...new Set(keys)];
}

function indexKeyOfSearch(searchRequest: SearchRequest): string | undefined {
  if (
    searchRequest.resourceType !== IDENTIFIER_INDEXED_TYPE ||
    searchRequest.filters?.length !== 1 ||
    searchRequest.sortRules?.length ||
    searchRequest.include?.length ||
    searchRequest.revInclude?.length ||
    searchRequest.offset
  ) {
    return undefined;
  }
  const filter = searchRequest.filters[0];
  if (filter?.code !== 'identifier' || filter.operator !== Operator.EQUALS || /[,\\]/.test(filter.value)) {
    return undefined;
  }
  const bar = filter.value.indexOf('|');
  if (bar < 0) {
    return filter.value ? `v:${filter.value.toLowerCase()}` : undefined;
  }
  const system = filter.value.slice(0, bar);
  const value = filter.value.slice(bar + 1);
  if (!system || !value) {
    return undefined; // `|value` (no system) and `system|` (any value): the full scan answers those
  }
  return `s:${system.toLowerCase()}|${value.toLowerCase()}`;
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
