// The AccessPolicy for the client applications of SAS agenda software (Appointment create, read, search, update);
// uninstall keeps it while memberships still use it, unless --force.
import { ACCESS_POLICY_NAME, desiredAccessPolicy } from '../desired.ts';
import { step } from '../errors.ts';
import { deleteQuietly } from '../lookups.ts';
import { NO_CACHE } from '../server.ts';
import type { InstallItem } from '../types.ts';
import type { DeployStep, StepContext, StepPlan } from './step.ts';
import { planOneResource, planned, ref } from './step.ts';

function install(ctx: StepContext): StepPlan {
  if (!ctx.inputs.accessPolicy) {
    return { items: [] };
  }
  const want = desiredAccessPolicy();
  const current = ctx.state.policies[0];
  ctx.accessPolicy = current;
  const item: InstallItem = {
    kind: 'AccessPolicy',
    name: ACCESS_POLICY_NAME,
    action: 'unchanged',
    reference: ref(current),
  };
  return planOneResource(
    ctx,
    item,
    current,
    want,
    'creating the AccessPolicy',
    (policy) => (ctx.accessPolicy = policy),
  );
}

async function uninstall(ctx: StepContext): Promise<StepPlan> {
  const items: InstallItem[] = [];
  const deletes: string[] = [];
  for (const policy of ctx.state.policies) {
    const users = await step('searching ProjectMembership?access-policy=', () =>
      ctx.medplum.searchResources(
        'ProjectMembership',
        { 'access-policy': `AccessPolicy/${policy.id}`, _count: '20' },
        NO_CACHE,
      ),
    ).catch(() => []);
    const reference = `AccessPolicy/${policy.id}`;
    const inUse = [...users].filter(
      (m) => m.accessPolicy?.reference === reference || m.access?.some((a) => a.policy?.reference === reference),
    );
    if (inUse.length > 0 && !ctx.inputs.force) {
      items.push({
        kind: 'AccessPolicy',
        name: ACCESS_POLICY_NAME,
        action: 'kept',
        reference,
        detail: `used by ${inUse.map((m) => m.profile?.reference ?? ref(m)).join(', ')}; detach it or use --force`,
      });
      continue;
    }
    deletes.push(policy.id);
    items.push({ kind: 'AccessPolicy', name: ACCESS_POLICY_NAME, action: planned(ctx, 'deleted'), reference });
  }
  if (ctx.state.policies.length === 0) {
    items.push({ kind: 'AccessPolicy', name: ACCESS_POLICY_NAME, action: 'absent' });
  }
  return {
    items,
    apply: deletes.length
      ? async () => {
          for (const id of deletes) await deleteQuietly(ctx.medplum, 'AccessPolicy', id);
        }
      : undefined,
  };
}

export const accessPolicyStep: DeployStep = { name: 'SAS client AccessPolicy', install, uninstall };
