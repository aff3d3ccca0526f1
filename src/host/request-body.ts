// A request body as Medplum's Express parsers read it: JSON (FHIR JSON, JSON Patch, plain JSON) or a form; a body of
// another type (the seed's application/json+fhir, text/plain, none named) is not read at all and the route gets an
// empty object, as Express gives it (Medplum then answers e.g. 400 "Search type must match resource type for
// conditional update"); JSON that does not parse is a 400 OperationOutcome.
import { ContentType, badRequest } from '@medplum/core';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { mediaType } from '../http/types.ts';
import { getRequestContext } from './context.ts';
import { outcomeResponse } from './responses.ts';

const JSON_TYPES = new Set<string>([ContentType.JSON, ContentType.FHIR_JSON, ContentType.JSON_PATCH]);

export function parseRequestBody(request: GenericRequest): { body: unknown } | { response: GenericResponse } {
  if (!request.body?.length) {
    return { body: ['POST', 'PUT', 'PATCH'].includes(request.method) ? {} : undefined };
  }
  const type = mediaType(request.headers['content-type']);
  if (type === ContentType.FORM_URL_ENCODED) {
    return { body: Object.fromEntries(new URLSearchParams(request.body.toString('utf8'))) };
  }
  if (!JSON_TYPES.has(type)) {
    return { body: {} };
  }
  try {
    return { body: JSON.parse(request.body.toString('utf8')) as unknown };
  } catch {
    return { response: outcomeResponse(badRequest('Content could not be parsed'), getRequestContext()) };
  }
}
