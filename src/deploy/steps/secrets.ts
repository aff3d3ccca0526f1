// The bot's configuration, kept in the project secrets the bot reads as `event.secrets`. Medplum's
// POST admin/projects/:id/secrets REPLACES the whole list: the project's other secrets are sent back as they were.
import type { ProjectSetting } from '@medplum/fhirtypes';
import { CONFIG_SECRETS, parseConfig } from '../../rules/config.ts';
import { DeployError, step } from '../errors.ts';
import type { GuardDeployConfig, InstallItem } from '../types.ts';
import type { DeployStep, StepContext, StepPlan } from './step.ts';
import { planned } from './step.ts';

const SECRET_NAMES: Record<keyof GuardDeployConfig, string> = {
  language: CONFIG_SECRETS.language,
  severities: CONFIG_SECRETS.severities,
  trustedAuthors: CONFIG_SECRETS.trustedAuthors,
};

/** Checks the configuration with the bot's own parser before anything is written. */
export function validateDeployConfig(config: GuardDeployConfig | undefined): void {
  if (!config) {
    return;
  }
  const values: Record<string, string | undefined> = {};
  for (const key of Object.keys(SECRET_NAMES) as (keyof GuardDeployConfig)[]) {
    values[SECRET_NAMES[key]] = config[key] || undefined;
  }
  try {
    parseConfig(values);
  } catch (err) {
    throw new DeployError(err instanceof Error ? err.message : String(err));
  }
}

function writeSecrets(ctx: StepContext, secrets: ProjectSetting[]): Promise<unknown> {
  const { projectId } = ctx.server;
  return step(`writing the project secrets (POST admin/projects/${projectId}/secrets)`, () =>
    ctx.medplum.post(`admin/projects/${projectId}/secrets`, secrets),
  );
}

function install(ctx: StepContext): StepPlan {
  const config = ctx.inputs.config;
  const current = ctx.state.project.secret ?? [];
  let next = [...current];
  const items: InstallItem[] = [];
  let changed = false;
  for (const key of Object.keys(SECRET_NAMES) as (keyof GuardDeployConfig)[]) {
    const name = SECRET_NAMES[key];
    const value = config?.[key];
    const existing = current.find((s) => s.name === name);
    if (value === undefined) {
      if (existing) {
        items.push({ kind: 'ProjectSecret', name, action: 'unchanged', detail: 'not configured here: left as is' });
      }
      continue;
    }
    if (value === '') {
      if (existing) {
        next = next.filter((s) => s.name !== name);
        changed = true;
        items.push({ kind: 'ProjectSecret', name, action: planned(ctx, 'deleted') });
      }
      continue;
    }
    if (existing?.valueString === value && current.filter((s) => s.name === name).length === 1) {
      items.push({ kind: 'ProjectSecret', name, action: 'unchanged' });
      continue;
    }
    next = [...next.filter((s) => s.name !== name), { name, valueString: value }];
    changed = true;
    items.push({ kind: 'ProjectSecret', name, action: planned(ctx, existing ? 'updated' : 'created') });
  }
  return { items, apply: changed ? () => writeSecrets(ctx, next).then(() => undefined) : undefined };
}

function uninstall(ctx: StepContext): StepPlan {
  const ours = new Set<string>(Object.values(CONFIG_SECRETS));
  const secrets = ctx.state.project.secret ?? [];
  const kept = secrets.filter((s) => !ours.has(s.name));
  return {
    items: secrets
      .filter((s) => ours.has(s.name))
      .map((secret): InstallItem => ({ kind: 'ProjectSecret', name: secret.name, action: planned(ctx, 'deleted') })),
    apply: kept.length !== secrets.length ? () => writeSecrets(ctx, kept).then(() => undefined) : undefined,
  };
}

export const secretsStep: DeployStep = { name: 'bot configuration (project secrets)', install, uninstall };
