// The stored versions of one appointment, oldest first, for the page's version diff: by id, or by the identifier a
// request addressed (a refused write has no id of its own, but may concern a stored appointment).
import { Operator } from '@medplum/core';
import type { Appointment } from '@medplum/fhirtypes';
import type { HostRepository } from '../repo.ts';

/** The newest versions shown; older ones are counted, not sent. */
const MAX_VERSIONS = 50;

export interface AppointmentVersions {
  id: string;
  versions: Appointment[];
  /** How many older versions were left out. */
  older: number;
}

export async function appointmentVersions(
  repo: HostRepository,
  query: URLSearchParams,
): Promise<AppointmentVersions | undefined> {
  let id = query.get('id') ?? undefined;
  const identifier = query.get('identifier');
  if (!id && identifier) {
    const [found] = await repo.searchResources<Appointment>({
      resourceType: 'Appointment',
      count: 1,
      filters: [{ code: 'identifier', operator: Operator.EQUALS, value: identifier }],
    });
    id = found?.id;
  }
  if (!id) {
    return undefined;
  }
  try {
    const history = await repo.readHistory<Appointment>('Appointment', id);
    const all = (history.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : [])).reverse();
    return { id, versions: all.slice(-MAX_VERSIONS), older: Math.max(0, all.length - MAX_VERSIONS) };
  } catch {
    // Never stored, or deleted since.
    return undefined;
  }
}
