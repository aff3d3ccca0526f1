// The SAS layer's checks of a request's shape, each answering with an OperationOutcome when the request cannot be
// served as it is (sas-rules.md §1, H2, H4, H5), and the bounded cost of a body.
import { ContentType, unsupportedMediaType } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { tooComplex } from '../rules/limits.ts';
import type { Language } from '../rules/types.ts';
import type { GenericResponse } from './types.ts';
import { jsonBody } from './types.ts';

export const JSON_MEDIA_TYPES = new Set(['application/fhir+json', 'application/json+fhir', 'application/json']);
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);
/** Search result parameters: they shape a search's answer and select nothing. */
export const RESULT_PARAMETERS = new Set([
  '_count',
  '_offset',
  '_sort',
  '_elements',
  '_summary',
  '_total',
  '_include',
  '_revinclude',
  '_contained',
  '_containedType',
  '_fields',
  '_cursor',
  '_pretty',
]);

export function outcomeResponse(status: number, outcome: OperationOutcome): GenericResponse {
  return { status, headers: { 'content-type': ContentType.FHIR_JSON }, body: jsonBody(outcome) };
}

function refusal(status: number, code: 'not-supported' | 'too-costly' | 'invalid', text: string): GenericResponse {
  // Medplum's own 415 has an id; its 400s have none.
  const id = status === 415 ? { id: unsupportedMediaType.id } : {};
  return outcomeResponse(status, {
    resourceType: 'OperationOutcome',
    ...id,
    issue: [{ severity: 'error', code, details: { text } }],
  });
}

/**
 * H2 and H5 on the query: `_format` (a JSON spelling is dropped: JSON is the only format; another one is 415) and the
 * spec's `Identifier` read as `identifier` (modifiers kept). The rewritten parameters, or the refusal.
 */
export function sasParameters(search: URLSearchParams): URLSearchParams | GenericResponse {
  const params = new URLSearchParams();
  for (const [key, value] of search) {
    if (key === '_format') {
      if (!JSON_FORMATS.has(value.trim().toLowerCase().split(';')[0] ?? '')) {
        return outcomeResponse(415, unsupportedMediaType);
      }
      continue;
    }
    const name = key === 'Identifier' || key.startsWith('Identifier:') ? 'identifier' + key.slice(10) : key;
    params.append(name, value);
  }
  return params;
}

/**
 * H5 on the body: only JSON is read; another type (text/plain, XML, a form, none named) is 415, a create or update
 * without a body 400 (Binary takes raw content, as on Medplum). Bounded cost: a tree no SAS write needs is 413 before
 * anything judges it (src/rules/limits.ts).
 */
export function bodyRefusal(
  method: string,
  segments: string[],
  type: string,
  body: Buffer | undefined,
  json: () => unknown,
  language: Language,
): GenericResponse | undefined {
  if (method === 'POST' && segments.length === 1 && segments[0] === 'Binary') {
    return undefined;
  }
  if (!body?.length) {
    const write = segments[0] !== undefined && !segments.some((s) => s.startsWith('$'));
    return write && method !== 'PATCH'
      ? refusal(400, 'invalid', 'The request has no body: send the resource as application/fhir+json')
      : undefined;
  }
  if (!JSON_MEDIA_TYPES.has(type) && !(method === 'PATCH' && type === ContentType.JSON_PATCH)) {
    return refusal(
      415,
      'not-supported',
      `Content-Type ${type || '(none)'} is not read: send application/fhir+json (or the older application/json+fhir)`,
    );
  }
  const tooLarge = tooComplex(json(), language);
  return tooLarge ? refusal(413, 'too-costly', tooLarge) : undefined;
}

/** At least one parameter that selects something (not a result parameter, not empty). */
export function hasCriteria(params: URLSearchParams): boolean {
  return [...params].some(([key, value]) => !RESULT_PARAMETERS.has(key) && value.trim() !== '');
}

/**
 * H2: a conditional update, delete or create with no effective criteria would match every resource of the type:
 * overwrite or delete the only one when there is one (`DELETE [base]/Project` removed the project), or answer it
 * instead of creating.
 */
export function criteriaRefusal(
  method: string,
  params: URLSearchParams,
  ifNoneExist: string | undefined,
): GenericResponse | undefined {
  const missing =
    ((method === 'PUT' || method === 'DELETE') && !hasCriteria(params)) ||
    (method === 'POST' && ifNoneExist !== undefined && !hasCriteria(new URLSearchParams(ifNoneExist)));
  return missing
    ? refusal(
        400,
        'invalid',
        'A conditional create, update or delete needs search criteria, e.g. ?identifier=system|value (If-None-Exist: identifier=system|value)',
      )
    : undefined;
}
