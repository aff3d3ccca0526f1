// The creating writer, kept in a meta tag: on Medplum `meta.author` is the LAST writer, so an admin's correction
// would otherwise hand the appointment over to the admin and lock its creator out.
import type { Appointment, Coding } from '@medplum/fhirtypes';
import { isRecord, list, path, text } from './read.ts';
import { OWNER_TAG_SYSTEM } from './sas-codes.ts';

/** The writer Medplum injected in `meta.author` (`ClientApplication/<id>` for a client), read without trusting its shape. */
export function authorOf(resource: unknown): string | undefined {
  return text(path(resource, 'meta', 'author', 'reference'));
}

export function recordedOwner(appointment: unknown): string | undefined {
  const tag = list(path(appointment, 'meta', 'tag')).find((t) => isRecord(t) && t.system === OWNER_TAG_SYSTEM);
  return text(path(tag, 'code'));
}

/**
 * The owner a writer other than whom may not change the appointment (OW-1), or undefined when this writer may: a
 * creation, an unknown writer, a trusted author, or the owner itself. The owner is the recorded one, else the stored
 * version's last writer (appointments stored before sas-guard).
 */
export function foreignOwner(context: {
  previous?: unknown;
  owner?: string;
  author?: string;
  trustedAuthors: readonly string[];
}): string | undefined {
  const { previous, author, trustedAuthors } = context;
  if (!previous || author === undefined || trustedAuthors.includes(author)) {
    return undefined;
  }
  const creator = context.owner ?? recordedOwner(previous) ?? authorOf(previous);
  return creator && creator !== author ? creator : undefined;
}

/** The appointment with exactly one owner tag naming `owner`. */
export function withOwner(appointment: Appointment, owner: string): Appointment {
  const tags = (appointment.meta?.tag ?? []).filter((tag: Coding) => tag.system !== OWNER_TAG_SYSTEM);
  return { ...appointment, meta: { ...appointment.meta, tag: [...tags, { system: OWNER_TAG_SYSTEM, code: owner }] } };
}
