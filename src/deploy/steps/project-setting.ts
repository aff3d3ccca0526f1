// The project setting preCommitSubscriptionsEnabled, turned on last (once the bot and its Subscription are ready);
// uninstall turns it back to what it was before sas-guard's first deploy (recorded on the Bot). How the list is
// written depends on the Medplum version: project-setting-admin-api.ts, project-setting-project-put.ts.
import type { ProjectSetting } from '@medplum/fhirtypes';
import { PRE_COMMIT_SETTING } from '../../medplum.ts';
import { readDeployState } from '../desired.ts';
import { step } from '../errors.ts';
import type { InstallCheck, InstallItem } from '../types.ts';
import type { DeployStep, StepContext, StepPlan } from './step.ts';
import { planned } from './step.ts';

function currentSetting(ctx: StepContext): ProjectSetting | undefined {
  return ctx.state.project.setting?.find((s) => s.name === PRE_COMMIT_SETTING);
}

/** What the setting is before this deploy turns it on ('absent' | 'false'); undefined when deploy leaves it alone. */
export function settingBefore(ctx: StepContext): 'absent' | 'false' | undefined {
  const existing = currentSetting(ctx);
  if (existing?.valueBoolean === true || !ctx.inputs.enablePreCommitSetting) {
    return undefined;
  }
  return existing ? 'false' : 'absent';
}

/** One way of writing the project's whole settings list. */
export interface SettingsWriter {
  /** For the report and the error line, e.g. `POST admin/projects/<id>/settings`. */
  describe(ctx: StepContext): string;
  write(ctx: StepContext, settings: ProjectSetting[]): Promise<unknown>;
}

function settingCheck(on: boolean): InstallCheck {
  if (on) {
    return { name: `project setting ${PRE_COMMIT_SETTING}`, status: 'ok', message: 'true' };
  }
  return {
    name: `project setting ${PRE_COMMIT_SETTING}`,
    status: 'error',
    message: 'off: no pre-commit bot runs in this project',
    fix: `Add {"name": "${PRE_COMMIT_SETTING}", "valueBoolean": true} to the Project's settings (Medplum app: Admin → Project → Settings), or rerun deploy without --no-project-setting.`,
  };
}

function install(ctx: StepContext, writer: SettingsWriter): StepPlan {
  const current = ctx.state.project.setting ?? [];
  const before = settingBefore(ctx);
  if (before === undefined) {
    const on = currentSetting(ctx)?.valueBoolean === true;
    const item: InstallItem = {
      kind: 'ProjectSetting',
      name: PRE_COMMIT_SETTING,
      action: 'unchanged',
      detail: on ? undefined : 'off (not enabled here)',
    };
    return { items: [item], verify: () => [settingCheck(on)] };
  }
  const next = [
    ...current.filter((s) => s.name !== PRE_COMMIT_SETTING),
    { name: PRE_COMMIT_SETTING, valueBoolean: true },
  ];
  return {
    items: [
      {
        kind: 'ProjectSetting',
        name: PRE_COMMIT_SETTING,
        action: planned(ctx, before === 'false' ? 'updated' : 'created'),
        detail: 'true',
      },
    ],
    apply: () => writeSettings(ctx, writer, next),
    verify: () => [settingCheck(true)],
  };
}

async function writeSettings(ctx: StepContext, writer: SettingsWriter, next: ProjectSetting[]): Promise<void> {
  await step(`writing the project settings (${writer.describe(ctx)})`, () => writer.write(ctx, next));
}

function uninstall(ctx: StepContext, writer: SettingsWriter): StepPlan {
  const settings = ctx.state.project.setting ?? [];
  const current = currentSetting(ctx);
  const before = ctx.state.bots.map((bot) => readDeployState(bot).preCommitSettingBefore).find((b) => b !== undefined);
  if (!current) {
    return { items: [] };
  }
  if (before !== 'absent' && before !== 'false') {
    return {
      items: [
        {
          kind: 'ProjectSetting',
          name: PRE_COMMIT_SETTING,
          action: 'kept',
          detail: 'it was on before deploy (other pre-commit bots may need it)',
        },
      ],
    };
  }
  const next =
    before === 'absent'
      ? settings.filter((s) => s.name !== PRE_COMMIT_SETTING)
      : settings.map((s) => (s.name === PRE_COMMIT_SETTING ? { name: PRE_COMMIT_SETTING, valueBoolean: false } : s));
  return {
    items: [
      {
        kind: 'ProjectSetting',
        name: PRE_COMMIT_SETTING,
        action: planned(ctx, before === 'absent' ? 'deleted' : 'updated'),
        detail: before === 'absent' ? 'deploy had added it' : 'back to false, as before deploy',
      },
    ],
    apply: () => writeSettings(ctx, writer, next),
  };
}

/** The step, written the way `writer` does on the servers `supports` accepts. */
export function projectSettingStep(writer: SettingsWriter, supports: DeployStep['supports']): DeployStep {
  return {
    name: `project setting ${PRE_COMMIT_SETTING}`,
    supports,
    install: (ctx) => install(ctx, writer),
    uninstall: (ctx) => uninstall(ctx, writer),
  };
}
