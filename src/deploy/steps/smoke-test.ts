// The last step: a deliberately invalid SAS appointment must answer 422 and a valid one 201 (both deleted), the only
// way to learn over the API that the server's flags are on.
import { SMOKE_SKIPPED_FIX, runSmokeTest } from '../smoke.ts';
import { serverFlagsUntested } from './server-checks.ts';
import type { DeployStep, StepContext, StepPlan } from './step.ts';

function install(ctx: StepContext): StepPlan {
  const blocking = ctx.checks.some((c) => c.status === 'error');
  if (!ctx.inputs.smokeTest || ctx.dryRun || blocking) {
    const reason = !ctx.inputs.smokeTest ? 'no smoke test' : ctx.dryRun ? 'dry run' : 'a check above failed';
    return { items: [], verify: () => [serverFlagsUntested(reason, SMOKE_SKIPPED_FIX)] };
  }
  return {
    items: [],
    verify: async () => {
      const smoke = await runSmokeTest(ctx.medplum, ctx.log);
      ctx.smokeTest = smoke.result;
      return smoke.checks;
    },
  };
}

export const smokeTestStep: DeployStep = { name: 'smoke test', install };
