// Per-request context of the embedded host, carried with AsyncLocalStorage (as Medplum carries its request context).
import type { Reference } from '@medplum/fhirtypes';
import { AsyncLocalStorage } from 'node:async_hooks';

export interface HostRequestContext {
  /** The writer, injected into `meta.author` (Medplum: the login's profile, e.g. `ClientApplication/<id>`). */
  author: Reference;
  requestId: string;
  traceId: string;
}

export const requestContextStore = new AsyncLocalStorage<HostRequestContext>();

export function getRequestContext(): HostRequestContext | undefined {
  return requestContextStore.getStore();
}
