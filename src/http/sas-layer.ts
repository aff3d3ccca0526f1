// The SAS HTTP layer (sas-rules.md §1), kept apart from any FHIR server: a transform over a generic request
// (forward a rewritten request, or answer directly) and over the response. The embedded host runs it in process;
// a reverse proxy can run the same functions in front of a real Medplum server.
//
//  H2  `?Identifier=` (the spec's spelling) is read as `?identifier=`, with or without `system|`.
//  H3  a body `id` on a conditional update is ignored (removed) instead of Medplum's 400.
//  ID-4 a conditional update whose body identifier differs from the URL's → 422 (rules engine).
//  H5  `application/json+fhir` and `application/json` are read as `application/fhir+json`; `_format` handled.
//  H1  Location on 200 as on 201: `<base>/Appointment/<id>` (Medplum's 201 Location has no `/_history/<vid>`).
//  H4  every failure answers an OperationOutcome, `application/fhir+json`.
import { ContentType, badRequest, unsupportedMediaType } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { evaluateAppointment, toOperationOutcome } from '../rules/engine.ts';
import { rulesById } from '../rules/index.ts';
import { tooComplex } from '../rules/limits.ts';
import type { IdentifierKey } from '../rules/types.ts';
import type { GenericRequest, GenericResponse } from './types.ts';
import { jsonBody, mediaType, parseJsonBody } from './types.ts';

export interface SasLayerOptions {
  /** Path of the FHIR base on the server side, e.g. `/fhir/R4`. */
  fhirBasePath: string;
  /** Absolute FHIR base the clients see, for Location, e.g. `http://127.0.0.1:8103/fhir/R4`. */
  fhirBaseUrl: string;
  /** Language of the ID-4 message (default 'fr'). */
  language?: 'fr' | 'en';
}

/** What the response transform needs to know about the request. */
export interface SasRequestContext {
  /** The request is under the FHIR base: only those answers are the SAS layer's (not /oauth2/token, /admin, …). */
  fhir: boolean;
  /** The resource type addressed, when the request is a FHIR type or instance interaction. */
  resourceType?: string;
  /** Create, update or conditional update. */
  write: boolean;
  conditionalUpdate: boolean;
}

export type SasDecision =
  | { action: 'forward'; request: GenericRequest; context: SasRequestContext }
  | { action: 'respond'; response: GenericResponse };

const JSON_MEDIA_TYPES = new Set(['application/fhir+json', 'application/json+fhir', 'application/json']);
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** Search result parameters: they shape a search's answer and select nothing. */
const RESULT_PARAMETERS = new Set([
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

/** Why a body cannot be read (415) or is missing (400); undefined when it is fine. */
function bodyRefusal(
  method: string,
  segments: string[],
  type: string,
  body: Buffer | undefined,
): GenericResponse | undefined {
  if (method === 'POST' && segments.length === 1 && segments[0] === 'Binary') {
    return undefined;
  }
  if (!body?.length) {
    const write = segments[0] !== undefined && !segments.some((s) => s.startsWith('$'));
    return write && method !== 'PATCH'
      ? outcomeResponse(400, badRequest('The request has no body: send the resource as application/fhir+json'))
      : undefined;
  }
  if (JSON_MEDIA_TYPES.has(type) || (method === 'PATCH' && type === ContentType.JSON_PATCH)) {
    return undefined;
  }
  return outcomeResponse(
    415,
    unsupportedMediaTypeBecause(
      `Content-Type ${type || '(none)'} is not read: send application/fhir+json (or the older application/json+fhir)`,
    ),
  );
}

function unsupportedMediaTypeBecause(text: string): OperationOutcome {
  return { ...unsupportedMediaType, issue: [{ severity: 'error', code: 'not-supported', details: { text } }] };
}

/** At least one parameter that selects something (not a result parameter, not empty). */
function hasCriteria(params: URLSearchParams): boolean {
  return [...params].some(([key, value]) => !RESULT_PARAMETERS.has(key) && value.trim() !== '');
}

export function outcomeResponse(status: number, outcome: OperationOutcome): GenericResponse {
  return { status, headers: { 'content-type': ContentType.FHIR_JSON }, body: jsonBody(outcome) };
}

function businessRule(outcome: OperationOutcome): GenericResponse {
  return outcomeResponse(422, outcome);
}

/** Splits `system|value` (or a bare value) as FHIR token search does. */
export function parseIdentifierToken(token: string): IdentifierKey {
  const bar = token.indexOf('|');
  return bar < 0 ? { value: token } : { system: token.slice(0, bar), value: token.slice(bar + 1) };
}

export function sasTransformRequest(request: GenericRequest, options: SasLayerOptions): SasDecision {
  const url = new URL(request.url, 'http://sas.invalid');
  const base = options.fhirBasePath.replace(/\/$/, '');
  const context: SasRequestContext = { fhir: false, write: false, conditionalUpdate: false };
  if (url.pathname !== base && !url.pathname.startsWith(base + '/')) {
    return { action: 'forward', request, context };
  }
  context.fhir = true;
  const segments = url.pathname.slice(base.length).split('/').filter(Boolean);
  const headers = { ...request.headers };
  let body = request.body;

  // H5: _format. JSON spellings are dropped (JSON is the only format); anything else is not supported.
  const params = new URLSearchParams();
  for (const [key, value] of url.searchParams) {
    if (key === '_format') {
      if (!JSON_FORMATS.has(value.trim().toLowerCase().split(';')[0] ?? '')) {
        return { action: 'respond', response: outcomeResponse(415, unsupportedMediaType) };
      }
      continue;
    }
    // H2: the spec's `Identifier` is the search parameter `identifier` (modifiers kept).
    const name = key === 'Identifier' || key.startsWith('Identifier:') ? 'identifier' + key.slice(10) : key;
    params.append(name, value);
  }

  // H5: the DSTU2 media type and plain JSON are FHIR JSON.
  // H5: only JSON is read; a body of another type (text/plain, XML, a form, none named) is 415, and a create or
  // update without a body 400, each with a clear OperationOutcome (Binary takes raw content, as on Medplum).
  if (BODY_METHODS.has(request.method)) {
    const refusal = bodyRefusal(request.method, segments, mediaType(headers['content-type']), body);
    if (refusal) {
      return { action: 'respond', response: refusal };
    }
    if (body?.length && JSON_MEDIA_TYPES.has(mediaType(headers['content-type']))) {
      headers['content-type'] = `${ContentType.FHIR_JSON};charset=UTF-8`;
    }
    // Bounded cost: a tree no SAS write needs is refused before anything judges it (src/rules/limits.ts).
    const tooLarge = body?.length ? tooComplex(parseJsonBody(body), options.language ?? 'fr') : undefined;
    if (tooLarge) {
      return {
        action: 'respond',
        response: outcomeResponse(413, {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'too-costly', details: { text: tooLarge } }],
        }),
      };
    }
  }
  if (mediaType(headers.accept) === 'application/json+fhir') {
    headers.accept = ContentType.FHIR_JSON;
  }

  const resourceType = segments[0]?.startsWith('$') ? undefined : segments[0];
  context.resourceType = resourceType;
  context.write =
    (request.method === 'POST' && segments.length === 1) ||
    (request.method === 'PUT' && (segments.length === 1 || segments.length === 2));
  context.conditionalUpdate = request.method === 'PUT' && segments.length === 1 && [...params.keys()].length > 0;

  // H2: a conditional update, delete or create with no effective criteria (no query, only result parameters, or
  // empty values) would match every resource of the type: overwrite or delete the only one when there is one (e.g.
  // `DELETE [base]/Project` removed the project), or answer it instead of creating: refuse it.
  const ifNoneExist = request.method === 'POST' ? headers['if-none-exist'] : undefined;
  if (
    segments.length === 1 &&
    resourceType !== undefined &&
    (((request.method === 'PUT' || request.method === 'DELETE') && !hasCriteria(params)) ||
      (ifNoneExist !== undefined && !hasCriteria(new URLSearchParams(ifNoneExist))))
  ) {
    return {
      action: 'respond',
      response: outcomeResponse(
        400,
        badRequest(
          'A conditional create, update or delete needs search criteria, e.g. ?identifier=system|value (If-None-Exist: identifier=system|value)',
        ),
      ),
    };
  }

  if (context.conditionalUpdate && resourceType === 'Appointment') {
    const parsed = parseJsonBody(body);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const resource = parsed as Record<string, unknown>;
      // H3: FHIR R4 lets a server ignore the id of a conditional update; SAS senders send their own ("1").
      if ('id' in resource) {
        delete resource.id;
        body = jsonBody(resource);
        delete headers['content-length'];
      }
      // ID-4: the URL names the appointment; the body must carry the same identifier.
      const tokens = params.getAll('identifier');
      if (tokens.length === 1 && tokens[0]) {
        const issues = evaluateAppointment(
          resource,
          {
            conditionalIdentifier: parseIdentifierToken(tokens[0]),
            now: new Date(),
            language: options.language ?? 'fr',
            severities: {},
            trustedAuthors: [],
          },
          [rulesById['ID-4']],
        );
        const outcome = toOperationOutcome(issues);
        if (outcome) {
          return { action: 'respond', response: businessRule(outcome) };
        }
      }
    }
  }

  const search = params.toString();
  const rewritten: GenericRequest = {
    method: request.method,
    url: url.pathname + (search ? '?' + search : ''),
    headers,
    body,
  };
  return { action: 'forward', request: rewritten, context };
}

/**
 * Whether sasTransformResponse may change a response of this status and headers. A reverse proxy (src/gateway)
 * buffers only these and streams every other response through untouched.
 */
export function sasResponseNeedsBody(
  status: number,
  headers: Record<string, string>,
  context: SasRequestContext,
): boolean {
  if (!context.fhir) {
    return false;
  }
  if (status >= 400) {
    return true;
  }
  return (
    context.write && context.resourceType === 'Appointment' && (status === 200 || status === 201) && !headers.location
  );
}

export function sasTransformResponse(
  response: GenericResponse,
  context: SasRequestContext,
  options: SasLayerOptions,
): GenericResponse {
  if (!context.fhir) {
    return response;
  }
  const headers = { ...response.headers };
  let body = response.body;

  if (response.status >= 400) {
    // H4: an OperationOutcome, whatever the server behind answered.
    const parsed = parseJsonBody(body) as { resourceType?: unknown } | undefined;
    if (parsed?.resourceType !== 'OperationOutcome') {
      const text = response.status >= 500 ? 'Internal server error' : `HTTP ${response.status}`;
      const outcome = badRequest(text);
      if (response.status >= 500) {
        outcome.issue[0] = { ...outcome.issue[0], severity: 'error', code: 'exception' };
      }
      body = jsonBody(outcome);
    }
    headers['content-type'] = ContentType.FHIR_JSON;
    return { status: response.status, headers, body };
  }

  // H1: Location on 200 as on 201, for a write to an Appointment.
  if (
    context.write &&
    context.resourceType === 'Appointment' &&
    (response.status === 200 || response.status === 201) &&
    !headers.location
  ) {
    const parsed = parseJsonBody(body) as { resourceType?: unknown; id?: unknown } | undefined;
    if (parsed?.resourceType === 'Appointment' && typeof parsed.id === 'string') {
      headers.location = `${options.fhirBaseUrl.replace(/\/$/, '')}/Appointment/${parsed.id}`;
    }
  }
  return { status: response.status, headers, body };
}
