// The installer's steps, in the order deploy runs them (uninstall runs UNINSTALL_ORDER). The bot and its Subscription
// are ready before the project setting turns pre-commit bots on; the smoke test comes last.
import { accessPolicyStep } from './access-policy.ts';
import { botStep } from './bot.ts';
import { conformanceStep } from './conformance.ts';
import { projectSettingViaAdminApi } from './project-setting-admin-api.ts';
import { projectSettingViaProjectPut } from './project-setting-project-put.ts';
import { secretsStep } from './secrets.ts';
import { serverChecksStep } from './server-checks.ts';
import { smokeTestStep } from './smoke-test.ts';
import type { DeployStep } from './step.ts';
import { subscriptionStep } from './subscription.ts';

export const INSTALL_ORDER: DeployStep[] = [
  serverChecksStep,
  conformanceStep,
  botStep,
  subscriptionStep,
  secretsStep,
  // One of the two, by server version.
  projectSettingViaAdminApi,
  projectSettingViaProjectPut,
  accessPolicyStep,
  smokeTestStep,
];

/** Stop enforcing first (the Subscription, then the bot), then what it needed. */
export const UNINSTALL_ORDER: DeployStep[] = [
  subscriptionStep,
  botStep,
  accessPolicyStep,
  conformanceStep,
  secretsStep,
  projectSettingViaAdminApi,
  projectSettingViaProjectPut,
];
