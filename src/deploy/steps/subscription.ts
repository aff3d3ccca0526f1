// The pre-commit Subscription that makes Medplum run the bot before every Appointment write.
import { desiredSubscription } from '../desired.ts';
import { botSubscriptions, deleteQuietly } from '../lookups.ts';
import type { InstallItem } from '../types.ts';
import type { DeployStep, StepContext, StepPlan } from './step.ts';
import { planOneResource, planned, ref } from './step.ts';

/** The same name in a dry run and in the real run: the Subscription's id and its Bot's are in the reference. */
function nameOf(botName: string): string {
  return `Appointment → Bot ${botName} (pre-commit)`;
}

async function install(ctx: StepContext): Promise<StepPlan> {
  const bot = ctx.bot;
  if (!bot) {
    // Dry run of a first deploy: the bot does not exist yet.
    return {
      items: [{ kind: 'Subscription', name: nameOf(ctx.inputs.botName), action: planned(ctx, 'created') }],
    };
  }
  const existing = await botSubscriptions(ctx.medplum, bot.id);
  const want = desiredSubscription(bot.id);
  const current = existing[0];
  ctx.subscription = current;
  const item: InstallItem = {
    kind: 'Subscription',
    name: nameOf(ctx.inputs.botName),
    action: 'unchanged',
    reference: ref(current),
    detail: existing.length > 1 ? `${existing.length} such Subscriptions; the first is kept` : undefined,
  };
  return planOneResource(
    ctx,
    item,
    current,
    want,
    'creating the pre-commit Subscription',
    (subscription) => (ctx.subscription = subscription),
  );
}

async function uninstall(ctx: StepContext): Promise<StepPlan> {
  const found = (await Promise.all(ctx.state.bots.map((bot) => botSubscriptions(ctx.medplum, bot.id)))).flat();
  return {
    items: found.map((subscription) => ({
      kind: 'Subscription',
      name: nameOf(ctx.inputs.botName),
      action: planned(ctx, 'deleted'),
      reference: ref(subscription),
    })),
    apply: found.length
      ? async () => {
          for (const subscription of found) await deleteQuietly(ctx.medplum, 'Subscription', subscription.id);
        }
      : undefined,
  };
}

export const subscriptionStep: DeployStep = { name: 'pre-commit Subscription', install, uninstall };
