// Which checked appointments are versions of one another (sas-check --versions).
import { identifierKey, isRecord } from '../rules/read.ts';
import type { InputItem } from './inputs.ts';

/**
 * Which appointments sharing an identifier are successive versions of one: those of one file (`file`), those of every
 * input in order (`all`: one history, as a server receiving the files one after the other), or none (`none`: each
 * appointment checked alone, as a creation).
 */
export type VersionScope = 'file' | 'all' | 'none';

export const VERSION_SCOPES: readonly VersionScope[] = ['file', 'all', 'none'];

/** The history an appointment belongs to, if its versions are chained at all. */
export function historyKey(scope: VersionScope, source: string, identifier: string | undefined): string | undefined {
  if (identifier === undefined || scope === 'none') {
    return undefined;
  }
  return scope === 'file' ? `${source}\u0000${identifier}` : identifier;
}

/** `system|value` of an appointment's identifier, as reports show it. */
export function identifierText(appointment: unknown): string | undefined {
  const key = identifierKey(appointment);
  return key ? `${key.system}|${key.value}` : undefined;
}

/** The history of an input item: only Appointments with an identifier have one. */
export function historyOfItem(item: InputItem, scope: VersionScope): string | undefined {
  const { resource } = item;
  if (item.problem !== undefined || !isRecord(resource) || resource.resourceType !== 'Appointment') {
    return undefined;
  }
  return historyKey(scope, item.source, identifierText(resource));
}
