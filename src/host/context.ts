// Per-request context of the embedded host, carried with AsyncLocalStorage (as Medplum carries its request context).
import type { AccessPolicy, Reference } from '@medplum/fhirtypes';
import { AsyncLocalStorage } from 'node:async_hooks';

export interface HostRequestContext {
  /** The writer, injected into `meta.author` (Medplum: the login's profile, e.g. `ClientApplication/<id>`). */
  author: Reference;
  requestId: string;
  traceId: string;
  /** The writer's AccessPolicy (src/host/access.ts); undefined: unrestricted. */
  accessPolicy?: AccessPolicy;
}

export const requestContextStore = new AsyncLocalStorage<HostRequestContext>();

export function getRequestContext(): HostRequestContext | undefined {
  return requestContextStore.getStore();
}

/** Runs `fn` in the same request without its AccessPolicy: the server's own lookups (Medplum's system repository). */
export function withoutAccessPolicy<T>(fn: () => T): T {
  const context = requestContextStore.getStore();
  return context?.accessPolicy ? requestContextStore.run({ ...context, accessPolicy: undefined }, fn) : fn();
}
