// What deploy cannot set but needs: a Medplum version that answers a bot's rejection with 422, and the project
// feature `bots` (only a super admin can add it).
import { PRE_COMMIT_SETTING } from '../../medplum.ts';
import { versionAtLeast } from '../server.ts';
import type { InstallCheck } from '../types.ts';
import type { DeployStep, StepContext, StepPlan } from './step.ts';

/** Medplum answers 422 from a bot only from this version on. */
export const MIN_MEDPLUM_VERSION = '4.3.10';

function versionCheck(version: string | undefined): InstallCheck {
  const ok = versionAtLeast(version, MIN_MEDPLUM_VERSION);
  if (ok === true) {
    return { name: `Medplum ≥ ${MIN_MEDPLUM_VERSION}`, status: 'ok', message: `server version ${version ?? ''}` };
  }
  return {
    name: `Medplum ≥ ${MIN_MEDPLUM_VERSION}`,
    status: ok === false ? 'error' : 'unknown',
    message: ok === false ? `server version ${version ?? ''}` : 'GET /healthcheck gave no version',
    fix: `Upgrade the Medplum server to ${MIN_MEDPLUM_VERSION} or later: older servers answer a bot's rejection with 400 instead of 422.`,
  };
}

function featureCheck(ctx: StepContext): InstallCheck {
  const { project } = ctx.state;
  if (project.features?.includes('bots')) {
    return { name: 'project feature bots', status: 'ok', message: 'Project.features contains bots' };
  }
  return {
    name: 'project feature bots',
    status: 'error',
    message: `Project/${project.id} does not have the feature "bots": Medplum refuses to deploy or run its bots`,
    fix:
      `A SUPER ADMIN adds "bots" to Project.features of Project/${project.id} (Medplum app: Admin → Super Admin → ` +
      'Projects → the project → Edit, or PUT Project/<id> as super admin; a project admin cannot change features).',
  };
}

function install(ctx: StepContext): StepPlan {
  return { items: [], verify: () => [versionCheck(ctx.server.version), featureCheck(ctx)] };
}

export const serverChecksStep: DeployStep = { name: 'server checks', install };

/** What the smoke test would have told (server flags cannot be read over the API). */
export function serverFlagsUntested(reason: string, fix: string): InstallCheck {
  return {
    name: `server flags ${PRE_COMMIT_SETTING}, vmContextBotsEnabled`,
    status: 'unknown',
    message: `not tested (${reason}): server flags cannot be read over the API`,
    fix,
  };
}
