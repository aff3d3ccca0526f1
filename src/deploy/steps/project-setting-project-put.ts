// The project settings on Medplum 5.0.x and 5.1.x (and a server whose version is unknown): no settings endpoint, but a
// project admin may update Project.setting (features, link and systemSetting stay read-only) with PUT Project/<id>.
// The Project is read again first: an earlier step (the secrets) changed it since deploy began.
import type { Project } from '@medplum/fhirtypes';
import { NO_CACHE, versionAtLeast } from '../server.ts';
import { ADMIN_SETTINGS_SINCE } from './project-setting-admin-api.ts';
import { projectSettingStep } from './project-setting.ts';

export const projectSettingViaProjectPut = projectSettingStep(
  {
    describe: (ctx) => `PUT Project/${ctx.server.projectId}`,
    async write(ctx, settings) {
      const project = await ctx.medplum.readResource('Project', ctx.server.projectId, NO_CACHE);
      return ctx.medplum.updateResource<Project>({ ...project, setting: settings });
    },
  },
  (server) => versionAtLeast(server.version, ADMIN_SETTINGS_SINCE) !== true,
);
