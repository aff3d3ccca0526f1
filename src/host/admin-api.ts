// The Medplum endpoints outside the FHIR API that the installer, MedplumClient and the medplum CLI call:
// /healthcheck, /oauth2/token, /auth/me, POST /admin/projects/:id/secrets|settings|bot, POST [base]/Bot/:id/$deploy.
import type { WithId } from '@medplum/core';
import {
  ContentType,
  MEDPLUM_VERSION,
  allOk,
  badRequest,
  createReference,
  getReferenceString,
  notFound,
} from '@medplum/core';
import type { Binary, Bot, Project, ProjectMembership, ProjectSetting } from '@medplum/fhirtypes';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import type { HostAuth } from './auth.ts';
import { getRequestContext, withoutAccessPolicy } from './context.ts';
import type { HostProject } from './project.ts';
import { jsonResponse, outcomeResponse } from './responses.ts';

export type AdminApi = (request: GenericRequest, body: unknown) => Promise<GenericResponse | undefined>;

export function createAdminApi(host: HostProject, auth: HostAuth, fhirBasePath: string): AdminApi {
  const { repo, project } = host;
  const outcome = (value: Parameters<typeof outcomeResponse>[0]): GenericResponse =>
    outcomeResponse(value, getRequestContext());
  const currentProject = (): Promise<WithId<Project>> => repo.readResource<WithId<Project>>('Project', project.id);

  /** Medplum's secrets and settings endpoints REPLACE the whole list. */
  async function replaceProjectList(
    projectId: string,
    body: unknown,
    field: 'secret' | 'setting',
  ): Promise<GenericResponse> {
    if (projectId !== project.id) {
      return outcome(notFound);
    }
    if (!Array.isArray(body)) {
      return outcome(badRequest('Expected an array of ProjectSetting'));
    }
    const updated = await repo.updateResource<Project>({
      ...(await currentProject()),
      [field]: body as ProjectSetting[],
    });
    return jsonResponse(200, updated, ContentType.FHIR_JSON);
  }

  /** As Medplum's admin endpoint (and the medplum CLI): the Bot AND its ProjectMembership, so that it can run. */
  async function createBot(projectId: string, body: unknown): Promise<GenericResponse> {
    if (projectId !== project.id) {
      return outcome(notFound);
    }
    const { name, description, runtimeVersion } = (body ?? {}) as Record<string, unknown>;
    const bot = await repo.createResource<Bot>({
      resourceType: 'Bot',
      name: typeof name === 'string' ? name : 'bot',
      description: typeof description === 'string' ? description : undefined,
      runtimeVersion: runtimeVersion === 'awslambda' ? 'awslambda' : 'vmcontext',
    });
    await repo.createResource<ProjectMembership>({
      resourceType: 'ProjectMembership',
      project: createReference(project),
      user: createReference(bot),
      profile: createReference(bot),
    });
    return jsonResponse(201, bot, ContentType.FHIR_JSON);
  }

  /** `$deploy`: the code saved as a Binary that Bot.executableCode names. */
  async function deployBot(id: string, body: unknown): Promise<GenericResponse> {
    const { code, filename } = (body ?? {}) as { code?: unknown; filename?: unknown };
    if (typeof code !== 'string') {
      return outcome(badRequest('Missing code'));
    }
    const bot = await repo.readResource<WithId<Bot>>('Bot', id);
    const binary = await repo.createResource<Binary>({
      resourceType: 'Binary',
      contentType: ContentType.JAVASCRIPT,
      data: Buffer.from(code, 'utf8').toString('base64'),
    });
    await repo.updateResource<Bot>({
      ...bot,
      executableCode: {
        contentType: ContentType.JAVASCRIPT,
        url: getReferenceString(binary),
        title: typeof filename === 'string' ? filename : 'index.js',
      },
    });
    return outcome(allOk);
  }

  return async (request, body) => {
    const path = new URL(request.url, 'http://host.invalid').pathname;
    const method = request.method;
    if (method === 'GET' && path === '/healthcheck') {
      return jsonResponse(200, { ok: true, version: MEDPLUM_VERSION });
    }
    if (method === 'POST' && path === '/oauth2/token') {
      return auth.tokenResponse((body ?? {}) as Record<string, string>);
    }
    if (method === 'GET' && path === '/auth/me') {
      return withoutAccessPolicy(async () =>
        jsonResponse(200, {
          project: await currentProject(),
          membership: await repo.readResource('ProjectMembership', host.membership.id),
          profile: await repo.readResource('ClientApplication', host.clientApplication.id),
        }),
      );
    }
    const admin = /^\/admin\/projects\/([^/]+)\/(secrets|settings|bot)$/.exec(path);
    if (method === 'POST' && admin?.[1] && admin[2]) {
      if (admin[2] === 'bot') {
        return createBot(admin[1], body);
      }
      return replaceProjectList(admin[1], body, admin[2] === 'secrets' ? 'secret' : 'setting');
    }
    const deploy = new RegExp(`^${fhirBasePath}/Bot/([^/]+)/\\$deploy$`).exec(path);
    if (method === 'POST' && deploy?.[1]) {
      return deployBot(deploy[1], body);
    }
    return undefined;
  };
}
