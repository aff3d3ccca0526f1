// A transport-neutral HTTP exchange: what the SAS layer transforms, whether it sits in the embedded host or in a
// reverse proxy in front of a real Medplum server.
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export interface GenericRequest {
  method: string;
  /** Path and query, e.g. `/fhir/R4/Appointment?identifier=a|b`. */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: Buffer;
}

export interface GenericResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: Buffer;
}

/** An OperationOutcome of one error: every failure that is not the rules' answers this way (H4). */
export function errorOutcome(code: OperationOutcomeIssue['code'], text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}

export function jsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Parses a JSON body; undefined when absent or not JSON. */
/** parseJsonBody(body), computed on the first call only: the checks that need the JSON share one parse. */
export function jsonOnce(body: Buffer | undefined): () => unknown {
  let parsed: { value: unknown } | undefined;
  return () => (parsed ??= { value: parseJsonBody(body) }).value;
}

export function parseJsonBody(body: Buffer | undefined): unknown {
  if (!body?.length) {
    return undefined;
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
