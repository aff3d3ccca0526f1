// How the embedded host answers, as a Medplum server does: OperationOutcomes with the tracing extension, resources
// with ETag / Last-Modified / Location, Medplum's hidden meta fields removed unless `X-Medplum: extended`.
import { ContentType, getStatus, isCreated } from '@medplum/core';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { jsonBody } from '../http/types.ts';
import type { HostRequestContext } from './context.ts';

const TRACING_EXTENSION_URL = 'https://medplum.com/fhir/StructureDefinition/tracing';

export function outcomeResponse(
  outcome: OperationOutcome,
  context: Pick<HostRequestContext, 'requestId' | 'traceId'> | undefined,
): GenericResponse {
  // Medplum's sendOutcome: the root extension becomes the server's tracing extension.
  const extension = context
    ? [
        {
          url: TRACING_EXTENSION_URL,
          extension: [
            { url: 'requestId', valueId: context.requestId },
            { url: 'traceId', valueId: context.traceId },
          ],
        },
      ]
    : undefined;
  return {
    status: getStatus(outcome),
    headers: { 'content-type': ContentType.FHIR_JSON },
    body: jsonBody({ ...outcome, extension }),
  };
}

export function jsonResponse(status: number, value: unknown, contentType: string = ContentType.JSON): GenericResponse {
  return { status, headers: { 'content-type': contentType }, body: jsonBody(value) };
}

export function internalError(): GenericResponse {
  return jsonResponse(
    500,
    {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', details: { text: 'Internal server error' } }],
    } satisfies OperationOutcome,
    ContentType.FHIR_JSON,
  );
}

/** 503: the host cannot serve (sas-guard not installed). */
export function unavailable(text: string): GenericResponse {
  return jsonResponse(
    503,
    {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'transient', details: { text } }],
    } satisfies OperationOutcome,
    ContentType.FHIR_JSON,
  );
}

/** Medplum hides these meta fields unless the request says `X-Medplum: extended`. */
function removeHiddenFields(resource: Resource): void {
  if (resource.meta) {
    delete resource.meta.author;
    delete resource.meta.project;
    delete resource.meta.compartment;
  }
  if (resource.resourceType === 'Bundle') {
    for (const entry of resource.entry ?? []) {
      if (entry.resource) {
        removeHiddenFields(entry.resource);
      }
    }
  }
}

export function resourceResponse(
  outcome: OperationOutcome,
  resource: Resource,
  request: GenericRequest,
  baseUrl: string,
  pretty = false,
): GenericResponse {
  const headers: Record<string, string> = { 'content-type': ContentType.FHIR_JSON };
  if (resource.meta?.versionId) {
    headers.etag = `W/"${resource.meta.versionId}"`;
  }
  if (resource.meta?.lastUpdated) {
    headers['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  }
  if (isCreated(outcome) && resource.id) {
    headers.location = `${baseUrl}/${resource.resourceType}/${resource.id}`;
  }
  if (request.headers['x-medplum'] !== 'extended') {
    removeHiddenFields(resource);
  }
  const body = pretty ? Buffer.from(JSON.stringify(resource, undefined, 2)) : jsonBody(resource);
  return { status: getStatus(outcome), headers, body };
}
