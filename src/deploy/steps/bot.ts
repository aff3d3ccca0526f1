// The pre-commit bot: created as the medplum CLI creates it (POST admin/projects/:id/bot, which also creates its
// ProjectMembership), its bundle `$deploy`ed only when it changed (a hash kept on the Bot), its source saved, its
// managed fields put back when someone changed them; uninstall removes it with its membership and code Binaries.
import type { MedplumClient, WithId } from '@medplum/core';
import type { Attachment, Bot } from '@medplum/fhirtypes';
import { containsContent } from '../compare.ts';
import type { DeployState } from '../desired.ts';
import { desiredBot, readDeployState, sha256 } from '../desired.ts';
import { DeployError, step } from '../errors.ts';
import { binaryIdOf, botBinaries, botMemberships, deleteQuietly } from '../lookups.ts';
import { NO_CACHE } from '../server.ts';
import type { InstallCheck, InstallItem } from '../types.ts';
import { settingBefore } from './project-setting.ts';
import type { DeployStep, StepContext, StepPlan } from './step.ts';
import { planned, ref } from './step.ts';

/** What differs between the stored Bot and what deploy wants. */
interface BotDiff {
  needsDeploy: boolean;
  needsSource: boolean;
  fieldsChange: boolean;
  /** Why the code is redeployed, when it is not simply new code. */
  codeDetail?: string;
}

function settingsOf(ctx: StepContext): Parameters<typeof desiredBot>[1] {
  const { runtimeVersion, auditEventTrigger, botTimeout } = ctx.inputs;
  return { runtimeVersion, auditEventTrigger, timeout: botTimeout };
}

function stateFor(ctx: StepContext, bot: Bot): DeployState {
  const state = readDeployState(bot);
  // What the project setting was before sas-guard's first deploy, kept for --uninstall.
  return { ...state, preCommitSettingBefore: state.preCommitSettingBefore ?? settingBefore(ctx) };
}

function diff(ctx: StepContext, bot: WithId<Bot>): BotDiff {
  const state = readDeployState(bot);
  const executableId = binaryIdOf(bot.executableCode?.url);
  const source = ctx.inputs.botSource;
  return {
    needsDeploy:
      !executableId || state.codeSha256 !== sha256(ctx.inputs.botCode) || state.executableUrl !== executableId,
    needsSource: source !== undefined && (state.sourceSha256 !== sha256(source.text) || !bot.sourceCode?.url),
    fieldsChange: !containsContent(bot, desiredBot(bot, settingsOf(ctx), stateFor(ctx, bot))),
    codeDetail:
      executableId && state.executableUrl !== executableId && state.codeSha256
        ? 'redeployed by someone else since'
        : undefined,
  };
}

/** Saves the bot's source as the medplum CLI does (`createAttachment`: a raw `POST Binary`). */
function saveSource(medplum: MedplumClient, source: { text: string; filename: string }): Promise<Attachment> {
  return medplum.createAttachment({ data: source.text, filename: source.filename, contentType: 'text/typescript' });
}

async function createBot(ctx: StepContext): Promise<WithId<Bot>> {
  const { medplum, server, inputs } = ctx;
  const created = await step(`creating Bot ${inputs.botName} (POST admin/projects/${server.projectId}/bot)`, () =>
    medplum.post<Bot>(`admin/projects/${server.projectId}/bot`, {
      name: inputs.botName,
      description: desiredBot({ resourceType: 'Bot' }, settingsOf(ctx), {}).description,
      runtimeVersion: inputs.runtimeVersion,
    }),
  );
  if (!created?.id) {
    throw new DeployError(`POST admin/projects/${server.projectId}/bot returned no Bot id`);
  }
  const id = created.id;
  return step(`reading Bot/${id}`, () => medplum.readResource('Bot', id, NO_CACHE));
}

/** Deploys the code when needed, saves the source, then puts the managed fields (and the deploy state) right. */
async function update(ctx: StepContext, stored: WithId<Bot>, changes: BotDiff): Promise<WithId<Bot>> {
  const { medplum, inputs } = ctx;
  let bot = stored;
  const state = stateFor(ctx, bot);
  // The runtime must be right before $deploy (Medplum deploys an awslambda bot to Lambda at $deploy).
  if (changes.needsDeploy && bot.runtimeVersion !== inputs.runtimeVersion) {
    const current = bot;
    bot = await step(`updating Bot/${bot.id}`, () =>
      medplum.updateResource<Bot>({ ...current, runtimeVersion: inputs.runtimeVersion }),
    );
  }
  if (changes.needsDeploy) {
    const id = bot.id;
    await step(`deploying the bot code (POST Bot/${id}/$deploy)`, () =>
      medplum.post(medplum.fhirUrl('Bot', id, '$deploy'), { code: inputs.botCode, filename: `${inputs.botName}.js` }),
    );
    bot = await step(`reading Bot/${id}`, () => medplum.readResource('Bot', id, NO_CACHE));
    state.codeSha256 = sha256(inputs.botCode);
    state.executableUrl = binaryIdOf(bot.executableCode?.url);
  }
  let sourceCode = bot.sourceCode;
  const source = inputs.botSource;
  if (changes.needsSource && source) {
    sourceCode = await step('saving the bot source (POST Binary)', () => saveSource(medplum, source));
    state.sourceSha256 = sha256(source.text);
  }
  const want = desiredBot({ ...bot, sourceCode }, settingsOf(ctx), state);
  if (!containsContent(bot, want)) {
    bot = await step(`updating Bot/${bot.id}`, () => medplum.updateResource<Bot>(want));
  }
  return bot;
}

function install(ctx: StepContext): StepPlan {
  const { bots } = ctx.state;
  const codeName = `sha256 ${sha256(ctx.inputs.botCode).slice(0, 12)}`;
  const note = bots.length > 1 ? `${bots.length} Bots are named ${ctx.inputs.botName}; the first is used` : undefined;
  const existing = bots[0];
  ctx.bot = existing;
  const changes: BotDiff = existing
    ? diff(ctx, existing)
    : { needsDeploy: true, needsSource: ctx.inputs.botSource !== undefined, fieldsChange: true };
  const botItem: InstallItem = {
    kind: 'Bot',
    name: ctx.inputs.botName,
    action: !existing
      ? planned(ctx, 'created')
      : changes.fieldsChange || changes.needsSource || changes.needsDeploy
        ? planned(ctx, 'updated')
        : 'unchanged',
    reference: ref(existing),
    detail: note,
  };
  const existingCode = binaryIdOf(existing?.executableCode?.url);
  const codeItem: InstallItem = {
    kind: 'BotCode',
    name: codeName,
    action: changes.needsDeploy ? planned(ctx, existingCode ? 'updated' : 'created') : 'unchanged',
    reference: existingCode ? `Binary/${existingCode}` : undefined,
    detail: changes.codeDetail,
  };
  const membershipItem: InstallItem = {
    kind: 'ProjectMembership',
    name: `Bot ${ctx.inputs.botName}`,
    action: existing ? 'unchanged' : planned(ctx, 'created'),
  };
  const checks: InstallCheck[] = [];
  return {
    items: [botItem, codeItem, membershipItem],
    apply:
      existing && botItem.action === 'unchanged'
        ? undefined
        : async () => {
            const bot = await update(ctx, existing ?? (await createBot(ctx)), changes);
            ctx.bot = bot;
            botItem.reference = ref(bot);
            const code = binaryIdOf(bot.executableCode?.url);
            codeItem.reference = code ? `Binary/${code}` : undefined;
          },
    verify: async () => {
      const bot = ctx.bot;
      if (!bot) {
        return checks;
      }
      const memberships = await botMemberships(ctx.medplum, bot.id);
      membershipItem.reference = ref(memberships[0]);
      if (memberships.length === 0) {
        membershipItem.action = 'absent';
        checks.push({
          name: 'bot ProjectMembership',
          status: 'error',
          message: `Bot/${bot.id} has no ProjectMembership, so Medplum cannot run it (every Appointment write would fail)`,
          fix:
            'This Bot was created with a plain FHIR `POST Bot`. Run `sas-guard deploy --uninstall`, delete Bot/' +
            `${bot.id} if it remains, then \`sas-guard deploy\` again: deploy creates bots through POST admin/projects/<id>/bot, which adds the membership.`,
        });
      }
      return checks;
    },
  };
}

async function uninstall(ctx: StepContext): Promise<StepPlan> {
  const { medplum } = ctx;
  const items: InstallItem[] = [];
  const deletes: (() => Promise<void>)[] = [];
  for (const bot of ctx.state.bots) {
    const [memberships, binaries] = await Promise.all([botMemberships(medplum, bot.id), botBinaries(medplum, bot)]);
    for (const membership of memberships) {
      items.push({
        kind: 'ProjectMembership',
        name: `Bot ${ctx.inputs.botName}`,
        action: planned(ctx, 'deleted'),
        reference: ref(membership),
      });
      deletes.push(async () => void (await deleteQuietly(medplum, 'ProjectMembership', membership.id)));
    }
    items.push({ kind: 'Bot', name: ctx.inputs.botName, action: planned(ctx, 'deleted'), reference: ref(bot) });
    deletes.push(async () => void (await deleteQuietly(medplum, 'Bot', bot.id)));
    const binaryItems = binaries.map((id): InstallItem => ({
      kind: 'Binary',
      name: 'bot code',
      action: planned(ctx, 'deleted'),
      reference: `Binary/${id}`,
    }));
    items.push(...binaryItems);
    deletes.push(async () => {
      const deleted = await Promise.all(binaries.map((id) => deleteQuietly(medplum, 'Binary', id)));
      deleted.forEach((done, i) => {
        const item = binaryItems[i];
        if (item && !done) item.action = 'absent';
      });
    });
  }
  if (ctx.state.bots.length === 0) {
    items.push({ kind: 'Bot', name: ctx.inputs.botName, action: 'absent' });
  }
  return {
    items,
    apply: deletes.length
      ? async () => {
          for (const remove of deletes) await remove();
        }
      : undefined,
  };
}

export const botStep: DeployStep = { name: 'bot', install, uninstall };
