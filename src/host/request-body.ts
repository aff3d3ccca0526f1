// A request body as Medplum's Express parsers read it: JSON (FHIR JSON, JSON Patch, plain or no type) or a form;
// anything else, or JSON that does not parse, is a 400 OperationOutcome.
import { ContentType, badRequest } from '@medplum/core';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { mediaType } from '../http/types.ts';
import { getRequestContext } from './context.ts';
import { outcomeResponse } from './responses.ts';

const JSON_TYPES = new Set(['', ContentType.JSON, ContentType.FHIR_JSON, ContentType.JSON_PATCH]);

export function parseRequestBody(request: GenericRequest): { body: unknown } | { response: GenericResponse } {
  if (!request.body?.length) {
    return { body: undefined };
  }
  const type = mediaType(request.headers['content-type']);
  if (type === ContentType.FORM_URL_ENCODED) {
    return { body: Object.fromEntries(new URLSearchParams(request.body.toString('utf8'))) };
  }
  if (!JSON_TYPES.has(type)) {
    return { response: outcomeResponse(badRequest('Unsupported content type'), getRequestContext()) };
  }
  try {
    return { body: JSON.parse(request.body.toString('utf8')) as unknown };
  } catch {
    return { response: outcomeResponse(badRequest('Content could not be parsed'), getRequestContext()) };
  }
}
