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
import { ContentType, badRequest } from '@medplum/core';
import type { GuardConfig } from '../rules/config.ts';
import { DEFAULT_CONFIG } from '../rules/config.ts';
import { conditionalAppointmentUpdate } from './sas-conditional.ts';
import { JSON_MEDIA_TYPES, bodyRefusal, criteriaRefusal, sasParameters } from './sas-request.ts';
import type { GenericRequest, GenericResponse } from './types.ts';
import { jsonBody, jsonOnce, mediaType, parseJsonBody } from './types.ts';

export interface SasLayerOptions {
  /** Path of the FHIR base on the server side, e.g. `/fhir/R4`. */
  fhirBasePath: string;
  /** Absolute FHIR base the clients see, for Location, e.g. `http://127.0.0.1:8103/fhir/R4`. */
  fhirBaseUrl: string;
  /** The deployment's language and severities, for the layer's own answers (ID-4, limits). Default: French, as shipped. */
  config?: Pick<GuardConfig, 'language' | 'severities'>;
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

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

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
  const config = options.config ?? DEFAULT_CONFIG;

  const params = sasParameters(url.searchParams);
  if (!(params instanceof URLSearchParams)) {
    return { action: 'respond', response: params };
  }
  const json = jsonOnce(body);
  if (BODY_METHODS.has(request.method)) {
    const type = mediaType(headers['content-type']);
    const refusal = bodyRefusal(request.method, segments, type, body, json, config.language);
    if (refusal) {
      return { action: 'respond', response: refusal };
    }
    // H5: the DSTU2 media type and plain JSON are FHIR JSON.
    if (body?.length && JSON_MEDIA_TYPES.has(type)) {
      headers['content-type'] = `${ContentType.FHIR_JSON};charset=UTF-8`;
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

  if (segments.length === 1 && resourceType !== undefined) {
    const refusal = criteriaRefusal(request.method, params, headers['if-none-exist']);
    if (refusal) {
      return { action: 'respond', response: refusal };
    }
  }
  if (context.conditionalUpdate && resourceType === 'Appointment') {
    const judged = conditionalAppointmentUpdate(params, body, json, config);
    if ('response' in judged) {
      return { action: 'respond', response: judged.response };
    }
    if (judged.body !== body) {
      body = judged.body;
      delete headers['content-length'];
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
