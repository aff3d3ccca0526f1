// An index of Appointment.identifier, so that a conditional update costs the same with 1,000 or 100,000 appointments:
// lowercased `s:<system>|<value>` and `v:<value>` → ids of the appointments holding it. It finds candidates only; the
// router's own matcher decides, so results equal a full scan's.
import type { SearchRequest } from '@medplum/core';
import { Operator } from '@medplum/core';
import type { Appointment, Resource } from '@medplum/fhirtypes';

export const IDENTIFIER_INDEXED_TYPE = 'Appointment';

export class IdentifierIndex {
  private readonly ids = new Map<string, Set<string>>();
  /** Appointment id → its keys. */
  private readonly keysOf = new Map<string, string[]>();

  add(resource: Resource & { id: string }): void {
    if (resource.resourceType !== IDENTIFIER_INDEXED_TYPE) {
      return;
    }
    this.remove(resource.resourceType, resource.id);
    const keys = identifierKeys(resource);
    for (const key of keys) {
      let ids = this.ids.get(key);
      if (!ids) {
        ids = new Set();
        this.ids.set(key, ids);
      }
      ids.add(resource.id);
    }
    this.keysOf.set(resource.id, keys);
  }

  remove(resourceType: string, id: string): void {
    if (resourceType !== IDENTIFIER_INDEXED_TYPE) {
      return;
    }
    for (const key of this.keysOf.get(id) ?? []) {
      const ids = this.ids.get(key);
      ids?.delete(id);
      if (ids?.size === 0) {
        this.ids.delete(key);
      }
    }
    this.keysOf.delete(id);
  }

  /** Candidate ids of an Appointment search with `identifier=<system>|<value>` or `=<value>`; undefined otherwise. */
  candidates(searchRequest: SearchRequest): Iterable<string> | undefined {
    const key = indexKeyOfSearch(searchRequest);
    return key === undefined ? undefined : (this.ids.get(key) ?? []);
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

/** The key of the search's `identifier` filter (other filters are checked by the caller's matcher). */
function indexKeyOfSearch(searchRequest: SearchRequest): string | undefined {
  if (
    searchRequest.resourceType !== IDENTIFIER_INDEXED_TYPE ||
    searchRequest.sortRules?.length ||
    searchRequest.include?.length ||
    searchRequest.revInclude?.length ||
    searchRequest.offset
  ) {
    return undefined;
  }
  const filter = searchRequest.filters?.find((f) => f.code === 'identifier' && f.operator === Operator.EQUALS);
  if (!filter || /[,\\]/.test(filter.value)) {
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
