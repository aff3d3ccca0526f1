// The FHIR API of the embedded host: Medplum's own FhirRouter over the host repository, Appointment writes serialised
// per identifier, `GET [base]/metadata`, and Medplum's raw `POST [base]/Binary`.
import { ContentType, created, getReferenceString, isOperationOutcome } from '@medplum/core';
import type { FhirRequest, HttpMethod } from '@medplum/fhir-router';
import { FhirRouter } from '@medplum/fhir-router';
import type { Binary } from '@medplum/fhirtypes';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { mediaType } from '../http/types.ts';
import { getRequestContext } from './context.ts';
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

export function createFhirApi(repo: HostRepository, fhirBasePath: string, fhirBaseUrl: () => string): FhirApi {
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
      if (request.method === 'GET' && relative === 'metadata') {
        return jsonResponse(200, capabilityStatement(), ContentType.FHIR_JSON);
      }
      const fhirRequest: FhirRequest = {
        method: request.method as HttpMethod,
        url: relative + url.search,
        pathname: '',
        body,
        params: {},
        query: {},
        headers: request.headers,
      };
      const segments = relative.split('/').filter(Boolean);
      const keys = appointmentLockKeys(request.method, segments, url.searchParams, body);
      const route = () => router.handleRequest(fhirRequest, repo);
      const [outcome, resource] = keys.length ? await locks.run(keys, route) : await route();
      if (resource && !isOperationOutcome(resource)) {
        return resourceResponse(outcome, resource, request, fhirBaseUrl());
      }
      return outcomeResponse(isOperationOutcome(resource) ? resource : outcome, getRequestContext());
    },
  };
}
