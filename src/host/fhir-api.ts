// The FHIR API of the embedded host: Medplum's own FhirRouter over the host repository, Appointment writes serialised
// per identifier, `GET [base]/metadata`, and Medplum's raw `POST [base]/Binary`.
import {
  ContentType,
  allOk,
  created,
  getReferenceString,
  isOperationOutcome,
  isResourceType,
  validationError,
} from '@medplum/core';
import type { FhirRequest, HttpMethod } from '@medplum/fhir-router';
import { FhirRouter } from '@medplum/fhir-router';
import type { Binary, Resource } from '@medplum/fhirtypes';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { mediaType } from '../http/types.ts';
import { getRequestContext } from './context.ts';
import type { MedplumFlavor } from './flavor.ts';
import { KeyedLock, appointmentLockKeys } from './lock.ts';
import { capabilityStatement } from './metadata.ts';
import type { HostRepository } from './repo.ts';
import { jsonResponse, outcomeResponse, resourceResponse } from './responses.ts';

export interface FhirApi {
  /** Medplum's `POST [base]/Binary` with raw (non-JSON) content, answered before any body parsing. */
  isRawBinaryCreate(request: GenericRequest): boolean;
  createRawBinary(request: GenericRequest): Promise<GenericResponse>;
  /** A request under the FHIR base. */
  handle(request: GenericRequest, body: unknown): Promise<GenericResponse>;
}

/** A read whose ETag the client already has (`If-None-Match`): 304 with the ETag and Last-Modified, no body. */
function notModified(request: GenericRequest, response: GenericResponse): GenericResponse | undefined {
  const etag = response.headers.etag;
  if (request.method !== 'GET' || response.status !== 200 || !etag || request.headers['if-none-match'] !== etag) {
    return undefined;
  }
  const headers: Record<string, string> = { etag };
  if (response.headers['last-modified']) {
    headers['last-modified'] = response.headers['last-modified'];
  }
  return { status: 304, headers };
}

/** Medplum's `Prefer: return=minimal` (exactly that string): status and headers kept, no body. Other values ignored. */
function preferred(request: GenericRequest, response: GenericResponse): GenericResponse {
  if (request.headers.prefer !== 'return=minimal' || response.status >= 300) {
    return response;
  }
  return { ...response, headers: { ...response.headers, 'transfer-encoding': 'chunked' }, body: Buffer.alloc(0) };
}

export function createFhirApi(
  repo: HostRepository,
  fhirBasePath: string,
  fhirBaseUrl: () => string,
  flavor: MedplumFlavor,
): FhirApi {
  const router = new FhirRouter();
  const locks = new KeyedLock();

  return {
    isRawBinaryCreate(request) {
      const type = mediaType(request.headers['content-type']);
      return (
        request.method === 'POST' &&
        new URL(request.url, 'http://host.invalid').pathname === `${fhirBasePath}/Binary` &&
        !['', ContentType.JSON, ContentType.FHIR_JSON].includes(type)
      );
    },

    /**
     * Medplum keeps the bytes in its storage and answers a presigned `url`, which it turns back into `Binary/<id>` when
     * an attachment naming it is written; the host keeps them in `data` and answers `Binary/<id>` at once.
     */
    async createRawBinary(request) {
      const binary = await repo.createResource<Binary>({
        resourceType: 'Binary',
        contentType: request.headers['content-type'] ?? 'application/octet-stream',
        data: (request.body ?? Buffer.alloc(0)).toString('base64'),
      });
      return resourceResponse(created, { ...binary, url: getReferenceString(binary) }, request, fhirBaseUrl());
    },

    async handle(request, body) {
      const url = new URL(request.url, 'http://host.invalid');
      const relative = url.pathname.slice(fhirBasePath.length).replace(/^\/+/, '');
      const segments = relative.split('/').filter(Boolean);
      // Express answers HEAD on its GET routes (metadata); FhirRouter has no HEAD route: 404 on a resource.
      if ((request.method === 'GET' || request.method === 'HEAD') && relative === 'metadata') {
        // Medplum answers its CapabilityStatement as plain JSON (Express's res.json).
        return jsonResponse(200, capabilityStatement());
      }
      const type = segments[0];
      if (type && !/^[$_]/.test(type) && !isResourceType(type)) {
        return outcomeResponse(validationError('Unknown resource type'), getRequestContext());
      }
      if (request.method === 'POST' && segments.length === 2 && segments[1] === '$validate') {
        await repo.validate(body as Resource);
        return outcomeResponse(allOk, getRequestContext());
      }
      // Medplum 5.0.10 ignores If-Match on a conditional update (fhir-router 5.2 honours it).
      const headers =
        !flavor.ifMatchOnConditionalUpdate && request.method === 'PUT' && segments.length === 1
          ? { ...request.headers, 'if-match': '' }
          : request.headers;
      const fhirRequest: FhirRequest = {
        method: request.method as HttpMethod,
        url: relative + url.search,
        pathname: '',
        body,
        params: {},
        query: {},
        headers,
      };
      const keys = appointmentLockKeys(request.method, segments, url.searchParams, body);
      const route = () => router.handleRequest(fhirRequest, repo);
      const [outcome, resource] = keys.length ? await locks.run(keys, route) : await route();
      if (resource?.resourceType === 'Bundle' && resource.type === 'searchset' && !url.searchParams.has('_total')) {
        // Medplum counts a search's matches only when asked (`_total`), and a history's versions always.
        delete resource.total;
      } else if (resource?.resourceType === 'Bundle' && resource.type === 'history') {
        resource.total = resource.entry?.length ?? 0;
      }
      if (resource && !isOperationOutcome(resource)) {
        const answer = resourceResponse(
          outcome,
          resource,
          request,
          fhirBaseUrl(),
          url.searchParams.get('_pretty') === 'true',
        );
        return notModified(request, answer) ?? preferred(request, answer);
      }
      return outcomeResponse(isOperationOutcome(resource) ? resource : outcome, getRequestContext());
    },
  };
}
