// Medplum's project admin endpoints (packages/server/src/admin/project.ts, bot.ts, client.ts): they act on the login's
// own project whatever `:projectId` says, and only for a project admin (403 otherwise). Secrets and settings REPLACE
// the whole list; a bot and a client application are created with their ProjectMembership; `$deploy` saves the code.
import type { WithId } from '@medplum/core';
import { ContentType, Operator, allOk, badRequest, createReference, getReferenceString } from '@medplum/core';
import type {
  Binary,
  Bot,
  ClientApplication,
  Project,
  ProjectMembership,
  ProjectSetting,
  Reference,
} from '@medplum/fhirtypes';
import { randomBytes } from 'node:crypto';
import type { GenericResponse } from '../http/types.ts';
import { getRequestContext, withoutAccessPolicy } from './context.ts';
import type { MedplumFlavor } from './flavor.ts';
import type { HostProject } from './project.ts';
import { jsonResponse, outcomeResponse } from './responses.ts';

export function createProjectAdmin(host: HostProject, flavor: MedplumFlavor) {
  const { repo, project } = host;
  const outcome = (value: Parameters<typeof outcomeResponse>[0]): GenericResponse =>
    outcomeResponse(value, getRequestContext());
  const currentProject = (): Promise<WithId<Project>> =>
    withoutAccessPolicy(() => repo.readResource<WithId<Project>>('Project', project.id));
  const membershipOf = (login: Reference): Promise<ProjectMembership | undefined> =>
    withoutAccessPolicy(() =>
      repo.searchOne<ProjectMembership>({
        resourceType: 'ProjectMembership',
        filters: [{ code: 'profile', operator: Operator.EQUALS, value: login.reference ?? '' }],
      }),
    );

  return {
    membershipOf,

    async isProjectAdmin(login: Reference): Promise<boolean> {
      return login.reference === host.systemAuthor.reference || (await membershipOf(login))?.admin === true;
    },

    /** `GET admin/projects/:id`: the project's id, name, secrets and sites (and settings, once the endpoint exists). */
    async describe(): Promise<GenericResponse> {
      const { id, name, secret, site, setting } = await currentProject();
      return jsonResponse(200, {
        project: { id, name, secret, site, ...(flavor.adminSettingsEndpoint ? { setting } : {}) },
      });
    },

    async replaceList(body: unknown, field: 'secret' | 'setting'): Promise<GenericResponse> {
      if (!Array.isArray(body)) {
        return outcome(badRequest('Expected an array of ProjectSetting'));
      }
      const updated = await repo.updateResource<Project>({
        ...(await currentProject()),
        [field]: body as ProjectSetting[],
      });
      return jsonResponse(200, updated); // application/json, as Medplum's admin routes answer
    },

    async createBot(body: unknown): Promise<GenericResponse> {
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
      return jsonResponse(201, bot);
    },

    /** A client application with a generated secret (answered once, here), and its membership (not admin). */
    async createClient(body: unknown): Promise<GenericResponse> {
      const { name, description, accessPolicy } = (body ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || name === '') {
        return outcome(badRequest('Missing name'));
      }
      const client = await repo.createResource<ClientApplication>({
        resourceType: 'ClientApplication',
        name,
        description: typeof description === 'string' ? description : undefined,
        secret: randomBytes(32).toString('hex'),
      });
      const policy = accessPolicy as Reference | undefined;
      await repo.createResource<ProjectMembership>({
        resourceType: 'ProjectMembership',
        project: createReference(project),
        user: createReference(client),
        profile: createReference(client),
        accessPolicy: typeof policy?.reference === 'string' ? { reference: policy.reference } : undefined,
      });
      return jsonResponse(201, client);
    },

    /** `$deploy`: the code saved as a Binary that Bot.executableCode names. */
    async deployBot(id: string, body: unknown): Promise<GenericResponse> {
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
    },
  };
}
