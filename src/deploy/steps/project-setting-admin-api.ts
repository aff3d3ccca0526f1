// The project settings on a current Medplum (5.2 and later): POST admin/projects/:id/settings, which replaces the list.
import { versionAtLeast } from '../server.ts';
import { projectSettingStep } from './project-setting.ts';

/** The first line known to have the endpoint (5.0.10 has not; it came during 5.1.x, release unknown). */
export const ADMIN_SETTINGS_SINCE = '5.2.0';

export const projectSettingViaAdminApi = projectSettingStep(
  {
    describe: (ctx) => `POST admin/projects/${ctx.server.projectId}/settings`,
    write: (ctx, settings) => ctx.medplum.post(`admin/projects/${ctx.server.projectId}/settings`, settings),
  },
  (server) => versionAtLeast(server.version, ADMIN_SETTINGS_SINCE) === true,
);
