// The Medplum endpoints outside the FHIR API that the installer, MedplumClient and the medplum CLI call: `/`,
// /healthcheck, /oauth2/token, /auth/me, the project admin routes (project-admin.ts) and POST [base]/Bot/:id/$deploy.
// An unknown route answers Express's HTML 404, as Medplum does.
import { ContentType, forbidden, notFound } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { mediaType } from '../http/types.ts';
import type { HostAuth } from './auth.ts';
import { getRequestContext, withoutAccessPolicy } from './context.ts';
import type { MedplumFlavor } from './flavor.ts';
import type { HostProject } from './project.ts';
import { createProjectAdmin } from './project-admin.ts';
import { jsonResponse, outcomeResponse } from './responses.ts';

export type AdminApi = (request: GenericRequest, body: unknown) => Promise<GenericResponse | undefined>;

/** Express's answer to a route it does not have. */
function expressNotFound(method: string, path: string): GenericResponse {
  const escaped = path.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${method} ${escaped}</pre>\n</body>\n</html>\n`;
  return { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from(html) };
}

function text(status: number, value: string, contentType: string): GenericResponse {
  return { status, headers: { 'content-type': contentType }, body: Buffer.from(value) };
}

/** What a profile shows of itself: never a client's secret. */
function withoutSecret(resource: Resource | undefined): Resource | undefined {
  if (resource?.resourceType !== 'ClientApplication') {
    return resource;
  }
  const { secret: _secret, ...rest } = resource;
  return rest;
}

export interface AdminApiOptions {
  fhirBasePath: string;
  flavor: MedplumFlavor;
  /** Unknown routes answer Express's HTML page, as Medplum (`--medplum-only`); else a 404 OperationOutcome. */
  htmlNotFound: boolean;
}

export function createAdminApi(host: HostProject, auth: HostAuth, options: AdminApiOptions): AdminApi {
  const { fhirBasePath, flavor } = options;
  const admin = createProjectAdmin(host, flavor);
  const unknownRoute = (method: string, path: string): GenericResponse =>
    options.htmlNotFound ? expressNotFound(method, path) : outcomeResponse(notFound, getRequestContext());

  /** `/auth/me` for the caller: its project (no secret), its own membership and profile, its policy. */
  async function me(): Promise<GenericResponse> {
    const context = getRequestContext();
    const login = context?.author ?? host.systemAuthor;
    return withoutAccessPolicy(async () => {
      const membership = await admin.membershipOf(login);
      const profile = await host.repo.readReference(login).catch(() => undefined);
      const { id, name } = host.project;
      return jsonResponse(200, {
        project: { resourceType: 'Project', id, name, strictMode: true },
        membership,
        profile: withoutSecret(profile),
        accessPolicy: context?.accessPolicy,
      });
    });
  }

  async function projectRoute(
    request: GenericRequest,
    route: string,
    body: unknown,
  ): Promise<GenericResponse | undefined> {
    const login = getRequestContext()?.author ?? host.systemAuthor;
    const known =
      (request.method === 'GET' && route === '') ||
      (request.method === 'POST' &&
        ['/secrets', '/bot', '/client', ...(flavor.adminSettingsEndpoint ? ['/settings'] : [])].includes(route));
    if (!known) {
      return undefined;
    }
    if (!(await admin.isProjectAdmin(login))) {
      return outcomeResponse(forbidden, getRequestContext());
    }
    switch (route) {
      case '':
        return admin.describe();
      case '/bot':
        return admin.createBot(body);
      case '/client':
        return admin.createClient(body);
      default:
        return admin.replaceList(body, route === '/secrets' ? 'secret' : 'setting');
    }
  }

  return async (request, body) => {
    const path = new URL(request.url, 'http://host.invalid').pathname;
    const method = request.method;
    if (method === 'GET' && path === '/') {
      return text(200, 'OK', 'text/plain; charset=utf-8');
    }
    if (method === 'GET' && path === '/healthcheck') {
      return jsonResponse(200, {
        ok: true,
        version: flavor.version,
        platform: process.platform,
        runtime: process.version,
      });
    }
    if (method === 'POST' && path === '/oauth2/token') {
      // Medplum's token endpoint reads forms only.
      if (mediaType(request.headers['content-type']) !== ContentType.FORM_URL_ENCODED) {
        return text(400, 'Unsupported content type', 'text/html; charset=utf-8');
      }
      return auth.tokenResponse(request, (body ?? {}) as Record<string, string>);
    }
    if (method === 'GET' && path === '/auth/me') {
      return me();
    }
    const project = /^\/admin\/projects\/[^/]+(\/[a-z]+)?$/.exec(path);
    if (project) {
      return (await projectRoute(request, project[1] ?? '', body)) ?? unknownRoute(method, path);
    }
    const deploy = new RegExp(`^${fhirBasePath}/Bot/([^/]+)/\\$deploy$`).exec(path);
    if (method === 'POST' && deploy?.[1]) {
      return admin.deployBot(deploy[1], body);
    }
    if (path !== fhirBasePath && !path.startsWith(fhirBasePath + '/')) {
      return unknownRoute(method, path);
    }
    return undefined;
  };
}
