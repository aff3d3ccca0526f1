// What deploy installs, as resources: the pre-commit Subscription, the AccessPolicy for SAS clients, the Bot's managed
// fields, and the state deploy records on the Bot (code hash, deployed Binary, whether it turned the project setting on).
import type { AccessPolicy, Bot, Extension, Subscription } from '@medplum/fhirtypes';
import { createHash } from 'node:crypto';
import { PRE_COMMIT_BOT_EXTENSION_URL } from '../medplum.ts';
import { OWNER_TAG_SYSTEM } from '../rules/sas-codes.ts';

export const BOT_DESCRIPTION =
  'sas-guard: SAS business rules on every Appointment write (pre-commit; 422 with every violated rule).';
export const SUBSCRIPTION_CRITERIA = 'Appointment';
export const SUBSCRIPTION_REASON = 'sas-guard: SAS business rules, enforced before every Appointment write';
export const ACCESS_POLICY_NAME = 'sas-guard SAS client application';

/** The state deploy keeps on the Bot, so a second deploy knows without downloading anything. */
export const DEPLOY_STATE_URL = 'https://sas-guard.github.io/fhir/StructureDefinition/deploy-state';

export interface DeployState {
  /** sha256 of the bundle deploy sent to `$deploy`. */
  codeSha256?: string;
  /** `Bot.executableCode.url` right after that `$deploy`: another value means someone redeployed since. */
  executableUrl?: string;
  /** sha256 of the source saved as `Bot.sourceCode`. */
  sourceSha256?: string;
  /** What the project setting was before deploy turned it on ('absent' | 'false'), for --uninstall. */
  preCommitSettingBefore?: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function readDeployState(bot: Bot | undefined): DeployState {
  const extension = bot?.extension?.find((e) => e.url === DEPLOY_STATE_URL);
  const state: DeployState = {};
  for (const part of extension?.extension ?? []) {
    if (
      part.valueString !== undefined &&
      (part.url === 'codeSha256' ||
        part.url === 'executableUrl' ||
        part.url === 'sourceSha256' ||
        part.url === 'preCommitSettingBefore')
    ) {
      state[part.url] = part.valueString;
    }
  }
  return state;
}

export function deployStateExtension(state: DeployState): Extension {
  const parts: Extension[] = [];
  for (const key of ['codeSha256', 'executableUrl', 'sourceSha256', 'preCommitSettingBefore'] as const) {
    const value = state[key];
    if (value !== undefined) {
      parts.push({ url: key, valueString: value });
    }
  }
  return { url: DEPLOY_STATE_URL, extension: parts };
}

export interface BotSettings {
  runtimeVersion: NonNullable<Bot['runtimeVersion']>;
  auditEventTrigger: NonNullable<Bot['auditEventTrigger']>;
  timeout?: number;
}

/** The Bot as deploy wants it: the managed fields over whatever else the stored Bot carries. */
export function desiredBot(existing: Bot, settings: BotSettings, state: DeployState): Bot {
  const others = (existing.extension ?? []).filter((e) => e.url !== DEPLOY_STATE_URL);
  const bot: Bot = {
    ...existing,
    description: BOT_DESCRIPTION,
    runtimeVersion: settings.runtimeVersion,
    auditEventTrigger: settings.auditEventTrigger,
    extension: [...others, deployStateExtension(state)],
  };
  if (settings.timeout !== undefined) {
    bot.timeout = settings.timeout;
  }
  return bot;
}

export function desiredSubscription(botId: string): Subscription {
  return {
    resourceType: 'Subscription',
    status: 'active',
    reason: SUBSCRIPTION_REASON,
    criteria: SUBSCRIPTION_CRITERIA,
    channel: { type: 'rest-hook', endpoint: `Bot/${botId}`, payload: 'application/fhir+json' },
    extension: [{ url: PRE_COMMIT_BOT_EXTENSION_URL, valueBoolean: true }],
  };
}

export function isOurSubscription(subscription: Subscription, botId: string): boolean {
  return (
    subscription.channel?.endpoint === `Bot/${botId}` &&
    subscription.extension?.some((e) => e.url === PRE_COMMIT_BOT_EXTENSION_URL) === true
  );
}

/**
 * For the ClientApplication of a SAS agenda software: Appointment create and update, and read and search of the
 * appointments it owns (the owner tag the bot records is `ClientApplication/<id>`, which Medplum's built-in `%profile`
 * names); nothing else. Editors are isolated from each other: another editor's appointment is invisible (404), so a
 * bare `?identifier=<value>` resolves among the caller's own appointments only. Writes carry no criteria: a creation
 * has no owner tag until the bot records it, and OW-1 judges updates. A conditional PUT of another editor's
 * identifier then takes the create branch, which the bot (searching as itself, unrestricted) refuses with ID-3.
 * Medplum adds read-only StructureDefinition and SearchParameter to every policy.
 */
export function desiredAccessPolicy(): AccessPolicy {
  return {
    resourceType: 'AccessPolicy',
    name: ACCESS_POLICY_NAME,
    resource: [
      { resourceType: 'Appointment', interaction: ['create', 'update'] },
      { resourceType: 'Appointment', interaction: ['read', 'search'], criteria: OWN_APPOINTMENTS },
    ],
  };
}

/** The appointments a SAS client owns: those whose owner tag names the login's profile. */
const OWN_APPOINTMENTS = `Appointment?_tag=${OWNER_TAG_SYSTEM}|%profile`;
