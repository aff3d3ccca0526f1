// Plain HTTP to the HAPI server under test, with Node's fetch (its default Accept-Encoding), as an editor sends it.
import type { Appointment, Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { ruleIdOf } from '../../src/rules/engine.ts';
import type { ClientName } from './stack.ts';
import { CLIENTS } from './stack.ts';

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = unknown>(
  url: string,
  init: { method?: string; as?: ClientName; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.as) {
    headers.authorization = `Bearer ${CLIENTS[init.as].token}`;
  }
  if (init.body !== undefined) {
    headers['content-type'] ??= 'application/fhir+json';
  }
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

export function conditionalPut(
  base: string,
  as: ClientName,
  appointment: Appointment,
  criteria?: string,
): Promise<Answer> {
  const identifier = appointment.identifier?.[0];
  const query = criteria ?? `identifier=${encodeURIComponent(`${identifier?.system}|${identifier?.value}`)}`;
  return call(`${base}/Appointment?${query}`, { method: 'PUT', as, body: appointment });
}

/** Every stored appointment holding `value`, as the trusted admin (who sees all) finds them. */
export async function holders(base: string, value: string): Promise<Appointment[]> {
  const found = await call<Bundle<Appointment>>(`${base}/Appointment?identifier=${encodeURIComponent(value)}`, {
    as: 'admin',
  });
  return (found.body.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
}

export function rules(answer: Answer): (string | undefined)[] {
  return ((answer.body as OperationOutcome).issue ?? []).map(ruleIdOf);
}
