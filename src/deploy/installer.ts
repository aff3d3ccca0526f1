// Installs sas-guard into a Medplum project, idempotently: conformance resources, the pre-commit bot (created with its
// ProjectMembership, code saved and deployed), its Subscription, its configuration (project secrets), the project
// setting preCommitSubscriptionsEnabled, and an AccessPolicy for SAS client applications. Every item is found by
// url/name, compared, and written only when different. The embedded host runs this at every start, so an unchanged
// install is three rounds of parallel reads and no write.
import type { MedplumClient, WithId } from '@medplum/core';
import { normalizeErrorString } from '@medplum/core';
import type {
  AccessPolicy,
  Attachment,
  Bot,
  Project,
  ProjectMembership,
  ProjectSetting,
  Resource,
  ResourceType,
  Subscription,
} from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BOT_NAME, PRE_COMMIT_SETTING } from '../medplum.ts';
import { CONFIG_SECRETS, parseConfig } from '../rules/config.ts';
import { containsContent, sameContent } from './compare.ts';
import {
  ACCESS_POLICY_NAME,
  MIN_MEDPLUM_VERSION,
  desiredAccessPolicy,
  desiredBot,
  desiredSubscription,
  isOurSubscription,
  readDeployState,
  sha256,
  versionAtLeast,
} from './desired.ts';
import type { DeployState } from './desired.ts';
import { DeployError, describeError, step } from './errors.ts';
import { SMOKE_SKIPPED_FIX, runSmokeTest } from './smoke.ts';
import type {
  ConformanceResource,
  GuardDeployConfig,
  InstallAction,
  InstallCheck,
  InstallItem,
  InstallOptions,
  InstallReport,
  UninstallOptions,
} from './types.ts';

export type * from './types.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const NO_CACHE = { cache: 'no-cache' } as const;
const CONFORMANCE_TYPES = ['StructureDefinition', 'ValueSet', 'CodeSystem'] as const;
type ConformanceType = (typeof CONFORMANCE_TYPES)[number];

interface Run {
  medplum: MedplumClient;
  dryRun: boolean;
  log: (line: string) => void;
  items: InstallItem[];
  checks: InstallCheck[];
}

function newRun(medplum: MedplumClient, options: { dryRun?: boolean; log?: (line: string) => void }): Run {
  return { medplum, dryRun: options.dryRun === true, log: options.log ?? (() => undefined), items: [], checks: [] };
}

function record(run: Run, item: InstallItem): void {
  run.items.push(item);
  const ref = item.reference ? ` (${item.reference})` : '';
  run.log(`${item.action.padEnd(12)} ${item.kind} ${item.name}${ref}${item.detail ? ` — ${item.detail}` : ''}`);
}

function planned(run: Run, action: 'created' | 'updated' | 'deleted'): InstallAction {
  if (!run.dryRun) {
    return action;
  }
  return action === 'created' ? 'would create' : action === 'updated' ? 'would update' : 'would delete';
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the server

interface Preflight {
  baseUrl: string;
  projectId: string;
  version?: string;
  admin: boolean;
}

async function preflight(medplum: MedplumClient): Promise<Preflight> {
  const baseUrl = medplum.getBaseUrl();
  const [health, me] = await Promise.all([
    medplum
      .get<{ version?: string }>('healthcheck', { ...NO_CACHE, maxRetries: 0 })
      .catch((err: unknown): { version?: string } => {
        if (describeError(err).message.startsWith('cannot reach')) {
          throw err;
        }
        return {};
      }),
    step('reading the login (GET auth/me)', () =>
      medplum.get<{ project?: { id?: string }; membership?: { admin?: boolean } }>('auth/me', {
        ...NO_CACHE,
        maxRetries: 0,
      }),
    ),
  ]);
  const projectId = me.project?.id;
  if (!projectId) {
    throw new DeployError('GET auth/me gave no project: log in as a client or user of the target project');
  }
  return { baseUrl, projectId, version: health.version, admin: me.membership?.admin === true };
}

function requireAdmin(pre: Preflight): void {
  if (!pre.admin) {
    throw new DeployError(
      `forbidden: the login is not an admin of project ${pre.projectId}`,
      "deploy creates a Bot, Subscriptions, AccessPolicies and project secrets: set admin: true on the deploying client's ProjectMembership (Medplum app: Admin → Project → Clients)",
    );
  }
}

async function searchByUrl(
  medplum: MedplumClient,
  resourceType: ConformanceType,
  urls: string[],
): Promise<WithId<ConformanceResource>[]> {
  if (urls.length === 0) {
    return [];
  }
  const found = await step(`searching ${resourceType}?url=`, () =>
    medplum.searchResources(resourceType, { url: urls.join(','), _count: '200' }, NO_CACHE),
  );
  return [...found] as WithId<ConformanceResource>[];
}

async function searchByName<T extends 'Bot' | 'AccessPolicy'>(
  medplum: MedplumClient,
  resourceType: T,
  name: string,
): Promise<WithId<T extends 'Bot' ? Bot : AccessPolicy>[]> {
  const found = await step(`searching ${resourceType}?name=${name}`, () =>
    medplum.searchResources(resourceType, { name, _count: '100' }, NO_CACHE),
  );
  // Medplum's string search is a case-insensitive prefix match: keep exact names only.
  return [...found].filter((r) => (r as { name?: string }).name === name) as WithId<
    T extends 'Bot' ? Bot : AccessPolicy
  >[];
}

async function botSubscriptions(medplum: MedplumClient, botId: string): Promise<WithId<Subscription>[]> {
  const found = await step(`searching Subscription?url=Bot/${botId}`, () =>
    medplum.searchResources('Subscription', { url: `Bot/${botId}`, _count: '100' }, NO_CACHE),
  );
  return [...found].filter((s) => isOurSubscription(s, botId));
}

async function botMemberships(medplum: MedplumClient, botId: string): Promise<WithId<ProjectMembership>[]> {
  const found = await step(`searching ProjectMembership?profile=Bot/${botId}`, () =>
    medplum.searchResources('ProjectMembership', { profile: `Bot/${botId}`, _count: '10' }, NO_CACHE),
  );
  return [...found].filter((m) => m.profile?.reference === `Bot/${botId}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Defaults read from the project

function defaultConformance(): Promise<ConformanceResource[]> {
  return import('../profiles/index.ts').then((m) => m.loadConformanceResources());
}

async function defaultBotCode(name: string): Promise<string> {
  const { deployableBotCode } = await import('../build/bot-bundle.ts');
  return deployableBotCode(name);
}

function defaultBotSource(name: string): { text: string; filename: string } | undefined {
  try {
    const config = JSON.parse(readFileSync(join(ROOT, 'medplum.config.json'), 'utf8')) as {
      bots?: { name: string; source?: string }[];
    };
    const source = config.bots?.find((b) => b.name === name)?.source;
    return source ? { text: readFileSync(join(ROOT, source), 'utf8'), filename: basename(source) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The id in a Medplum Binary URL: `Binary/<id>` as stored, or the presigned storage URL a read may answer instead
 * (`<storageBaseUrl><id>/<versionId>?Expires=…`, e.g. `https://storage.example.com/binary/<id>/<version>?…`).
 */
export function binaryIdOf(url: string | undefined): string | undefined {
  if (!url) {
    return undefined;
  }
  const reference = /(?:^|\/)Binary\/([A-Za-z0-9\-.]{1,64})(?:$|[/?#])/.exec(url);
  if (reference) {
    return reference[1];
  }
  const path = url.split(/[?#]/)[0] ?? '';
  const uuid = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
  const presigned = new RegExp(`/(${uuid})/${uuid}/?$`).exec(path) ?? new RegExp(`/(${uuid})(?:/|$)`).exec(path);
  return presigned?.[1];
}

// ---------------------------------------------------------------------------------------------------------------
// Conformance resources

function checkUnique(resources: ConformanceResource[]): void {
  const seen = new Set<string>();
  for (const resource of resources) {
    const key = `${resource.resourceType} ${resource.url ?? ''}`;
    if (!resource.url) {
      throw new DeployError(`a ${resource.resourceType} of profiles/ has no url`);
    }
    if (seen.has(key)) {
      throw new DeployError(`profiles/ holds ${key} twice`);
    }
    seen.add(key);
  }
}

async function installConformance(
  run: Run,
  desired: ConformanceResource[],
  existing: Map<ConformanceType, WithId<ConformanceResource>[]>,
): Promise<void> {
  const writes = desired.map(async (resource): Promise<InstallItem> => {
    const type = resource.resourceType;
    const url = resource.url ?? '';
    const matches = (existing.get(type) ?? []).filter((r) => r.url === url);
    const current = matches[0];
    const duplicates = matches.length > 1 ? `${matches.length} resources hold this url; the first is kept` : undefined;
    if (!current) {
      const { id: _id, meta: _meta, ...body } = resource;
      const created = run.dryRun
        ? undefined
        : await step(`creating ${type} ${url}`, () => run.medplum.createResource<ConformanceResource>(body));
      return { kind: type, name: url, action: planned(run, 'created'), reference: ref(created) };
    }
    if (sameContent(current, resource)) {
      return { kind: type, name: url, action: 'unchanged', reference: ref(current), detail: duplicates };
    }
    if (!run.dryRun) {
      await step(`updating ${type} ${url}`, () =>
        run.medplum.updateResource<ConformanceResource>({ ...resource, id: current.id, meta: current.meta }),
      );
    }
    return {
      kind: type,
      name: url,
      action: planned(run, 'updated'),
      reference: ref(current),
      detail: duplicates,
    };
  });
  for (const item of await Promise.all(writes)) {
    record(run, item);
  }
}

function ref(resource: Resource | undefined): string | undefined {
  return resource?.id ? `${resource.resourceType}/${resource.id}` : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Project secrets and settings (Medplum's POST admin/projects/:id/secrets and /settings REPLACE the whole list)

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

interface SecretsPlan {
  next?: ProjectSetting[];
  items: InstallItem[];
}

function planSecrets(project: Project, config: GuardDeployConfig | undefined, run: Run): SecretsPlan {
  const current = project.secret ?? [];
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
        items.push({ kind: 'ProjectSecret', name, action: planned(run, 'deleted') });
      }
      continue;
    }
    if (existing?.valueString === value && current.filter((s) => s.name === name).length === 1) {
      items.push({ kind: 'ProjectSecret', name, action: 'unchanged' });
      continue;
    }
    next = [...next.filter((s) => s.name !== name), { name, valueString: value }];
    changed = true;
    items.push({ kind: 'ProjectSecret', name, action: planned(run, existing ? 'updated' : 'created') });
  }
  return { next: changed ? next : undefined, items };
}

interface SettingPlan {
  next?: ProjectSetting[];
  item: InstallItem;
  before?: 'absent' | 'false';
  on: boolean;
}

function planSetting(project: Project, enable: boolean, run: Run): SettingPlan {
  const current = project.setting ?? [];
  const existing = current.find((s) => s.name === PRE_COMMIT_SETTING);
  if (existing?.valueBoolean === true) {
    return { item: { kind: 'ProjectSetting', name: PRE_COMMIT_SETTING, action: 'unchanged' }, on: true };
  }
  if (!enable) {
    return {
      item: { kind: 'ProjectSetting', name: PRE_COMMIT_SETTING, action: 'unchanged', detail: 'off (not enabled here)' },
      on: false,
    };
  }
  return {
    next: [...current.filter((s) => s.name !== PRE_COMMIT_SETTING), { name: PRE_COMMIT_SETTING, valueBoolean: true }],
    item: {
      kind: 'ProjectSetting',
      name: PRE_COMMIT_SETTING,
      action: planned(run, existing ? 'updated' : 'created'),
      detail: 'true',
    },
    before: existing ? 'false' : 'absent',
    on: true,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The bot

interface BotInputs {
  name: string;
  code: string;
  source?: { text: string; filename: string };
  runtimeVersion: NonNullable<Bot['runtimeVersion']>;
  auditEventTrigger: NonNullable<Bot['auditEventTrigger']>;
  timeout?: number;
  settingBefore?: 'absent' | 'false';
}

async function installBot(
  run: Run,
  projectId: string,
  existing: WithId<Bot>[],
  inputs: BotInputs,
): Promise<WithId<Bot> | undefined> {
  const { medplum } = run;
  const codeHash = sha256(inputs.code);
  const sourceHash = inputs.source ? sha256(inputs.source.text) : undefined;
  const settings = {
    runtimeVersion: inputs.runtimeVersion,
    auditEventTrigger: inputs.auditEventTrigger,
    timeout: inputs.timeout,
  };
  const note = existing.length > 1 ? `${existing.length} Bots are named ${inputs.name}; the first is used` : undefined;
  let bot: WithId<Bot> | undefined = existing[0];
  let botAction: InstallAction = 'unchanged';

  if (!bot) {
    if (run.dryRun) {
      record(run, { kind: 'Bot', name: inputs.name, action: 'would create', detail: inputs.runtimeVersion });
      record(run, { kind: 'ProjectMembership', name: `Bot ${inputs.name}`, action: 'would create' });
      record(run, { kind: 'BotCode', name: `sha256 ${codeHash.slice(0, 12)}`, action: 'would create' });
      return undefined;
    }
    // As the medplum CLI does: the admin endpoint creates the Bot AND its ProjectMembership (a FHIR `POST Bot` would
    // create a bot that can never run).
    const created = await step(`creating Bot ${inputs.name} (POST admin/projects/${projectId}/bot)`, () =>
      medplum.post<Bot>(`admin/projects/${projectId}/bot`, {
        name: inputs.name,
        description: desiredBot({ resourceType: 'Bot' }, settings, {}).description,
        runtimeVersion: inputs.runtimeVersion,
      }),
    );
    if (!created?.id) {
      throw new DeployError(`POST admin/projects/${projectId}/bot returned no Bot id`);
    }
    const createdId = created.id;
    bot = await step(`reading Bot/${createdId}`, () => medplum.readResource('Bot', createdId, NO_CACHE));
    botAction = 'created';
  }
  const botId = bot.id;
  const state: DeployState = readDeployState(bot);
  const newState: DeployState = {
    ...state,
    preCommitSettingBefore: state.preCommitSettingBefore ?? inputs.settingBefore,
  };
  const executableId = binaryIdOf(bot.executableCode?.url);
  const needsDeploy = !executableId || state.codeSha256 !== codeHash || state.executableUrl !== executableId;
  const needsSource = sourceHash !== undefined && (state.sourceSha256 !== sourceHash || !bot.sourceCode?.url);
  const codeDetail = !executableId
    ? 'no deployed code'
    : state.executableUrl !== executableId && state.codeSha256
      ? 'redeployed by someone else since'
      : undefined;

  if (run.dryRun) {
    const { extension: _extension, sourceCode: _sourceCode, ...fields } = desiredBot(bot, settings, newState);
    const fieldsChange = !containsContent(bot, fields);
    record(run, {
      kind: 'Bot',
      name: inputs.name,
      action: fieldsChange || needsSource ? 'would update' : 'unchanged',
      reference: ref(bot),
      detail: note,
    });
    record(run, {
      kind: 'BotCode',
      name: `sha256 ${codeHash.slice(0, 12)}`,
      action: needsDeploy ? (executableId ? 'would update' : 'would create') : 'unchanged',
      reference: executableId ? `Binary/${executableId}` : undefined,
      detail: codeDetail,
    });
    return bot;
  }

  // The runtime must be right before $deploy (Medplum deploys an awslambda bot to Lambda at $deploy).
  if (needsDeploy && bot.runtimeVersion !== inputs.runtimeVersion) {
    const current = bot;
    bot = await step(`updating Bot/${botId}`, () =>
      medplum.updateResource<Bot>({ ...current, runtimeVersion: inputs.runtimeVersion }),
    );
  }
  if (needsDeploy) {
    await step(`deploying the bot code (POST Bot/${botId}/$deploy)`, () =>
      medplum.post(medplum.fhirUrl('Bot', botId, '$deploy'), {
        code: inputs.code,
        filename: `${inputs.name}.js`,
      }),
    );
    bot = await step(`reading Bot/${botId}`, () => medplum.readResource('Bot', botId, NO_CACHE));
    newState.codeSha256 = codeHash;
    newState.executableUrl = binaryIdOf(bot.executableCode?.url);
  }
  let sourceCode = bot.sourceCode;
  if (needsSource && inputs.source) {
    const source = inputs.source;
    sourceCode = await step('saving the bot source (POST Binary)', () => saveSource(medplum, source));
    newState.sourceSha256 = sourceHash;
  }
  const want = desiredBot({ ...bot, sourceCode }, settings, newState);
  if (!containsContent(bot, want)) {
    bot = await step(`updating Bot/${botId}`, () => medplum.updateResource<Bot>(want));
    if (botAction !== 'created') {
      botAction = 'updated';
    }
  } else if (needsDeploy && botAction !== 'created') {
    botAction = 'updated';
  }
  record(run, { kind: 'Bot', name: inputs.name, action: botAction, reference: ref(bot), detail: note });
  record(run, {
    kind: 'BotCode',
    name: `sha256 ${codeHash.slice(0, 12)}`,
    action: needsDeploy ? (executableId ? 'updated' : 'created') : 'unchanged',
    reference: newState.executableUrl ? `Binary/${newState.executableUrl}` : undefined,
    detail: codeDetail,
  });
  return bot;
}

/** Saves the bot's source as the medplum CLI does (`createAttachment`: a raw `POST Binary`). */
function saveSource(medplum: MedplumClient, source: { text: string; filename: string }): Promise<Attachment> {
  return medplum.createAttachment({ data: source.text, filename: source.filename, contentType: 'text/typescript' });
}

async function checkBotMembership(run: Run, bot: WithId<Bot>, created: boolean): Promise<void> {
  const memberships = await botMemberships(run.medplum, bot.id);
  if (memberships.length > 0) {
    record(run, {
      kind: 'ProjectMembership',
      name: `Bot ${bot.name ?? bot.id}`,
      action: created ? 'created' : 'unchanged',
      reference: ref(memberships[0]),
    });
    return;
  }
  record(run, { kind: 'ProjectMembership', name: `Bot ${bot.name ?? bot.id}`, action: 'absent' });
  run.checks.push({
    name: 'bot ProjectMembership',
    status: 'error',
    message: `Bot/${bot.id} has no ProjectMembership, so Medplum cannot run it (every Appointment write would fail)`,
    fix:
      'This Bot was created with a plain FHIR `POST Bot`. Run `sas-guard deploy --uninstall`, delete Bot/' +
      `${bot.id} if it remains, then \`sas-guard deploy\` again: deploy creates bots through POST admin/projects/<id>/bot, which adds the membership.`,
  });
}

async function installSubscription(run: Run, bot: WithId<Bot> | undefined): Promise<WithId<Subscription> | undefined> {
  if (!bot) {
    record(run, { kind: 'Subscription', name: 'Appointment → Bot (pre-commit)', action: 'would create' });
    return undefined;
  }
  const name = `Appointment → Bot/${bot.id} (pre-commit)`;
  const existing = await botSubscriptions(run.medplum, bot.id);
  const want = desiredSubscription(bot.id);
  const current = existing[0];
  const detail = existing.length > 1 ? `${existing.length} such Subscriptions; the first is kept` : undefined;
  if (!current) {
    const created = run.dryRun
      ? undefined
      : await step('creating the pre-commit Subscription', () => run.medplum.createResource(want));
    record(run, { kind: 'Subscription', name, action: planned(run, 'created'), reference: ref(created) });
    return created;
  }
  if (sameContent(current, want)) {
    record(run, { kind: 'Subscription', name, action: 'unchanged', reference: ref(current), detail });
    return current;
  }
  const updated = run.dryRun
    ? current
    : await step(`updating Subscription/${current.id}`, () =>
        run.medplum.updateResource<Subscription>({ ...want, id: current.id, meta: current.meta }),
      );
  record(run, { kind: 'Subscription', name, action: planned(run, 'updated'), reference: ref(current), detail });
  return updated;
}

async function installAccessPolicy(
  run: Run,
  existing: WithId<AccessPolicy>[],
): Promise<WithId<AccessPolicy> | undefined> {
  const want = desiredAccessPolicy();
  const current = existing[0];
  if (!current) {
    const created = run.dryRun
      ? undefined
      : await step('creating the AccessPolicy', () => run.medplum.createResource(want));
    record(run, {
      kind: 'AccessPolicy',
      name: ACCESS_POLICY_NAME,
      action: planned(run, 'created'),
      reference: ref(created),
    });
    return created;
  }
  if (sameContent(current, want)) {
    record(run, { kind: 'AccessPolicy', name: ACCESS_POLICY_NAME, action: 'unchanged', reference: ref(current) });
    return current;
  }
  if (!run.dryRun) {
    await step(`updating AccessPolicy/${current.id}`, () =>
      run.medplum.updateResource<AccessPolicy>({ ...want, id: current.id, meta: current.meta }),
    );
  }
  record(run, {
    kind: 'AccessPolicy',
    name: ACCESS_POLICY_NAME,
    action: planned(run, 'updated'),
    reference: ref(current),
  });
  return current;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks of what deploy cannot set

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

function featureCheck(project: Project): InstallCheck {
  if (project.features?.includes('bots')) {
    return { name: 'project feature bots', status: 'ok', message: 'Project.features contains bots' };
  }
  return {
    name: 'project feature bots',
    status: 'error',
    message: `Project/${project.id ?? ''} does not have the feature "bots": Medplum refuses to deploy or run its bots`,
    fix:
      `A SUPER ADMIN adds "bots" to Project.features of Project/${project.id ?? ''} (Medplum app: Admin → Super Admin → ` +
      'Projects → the project → Edit, or PUT Project/<id> as super admin; a project admin cannot change features).',
  };
}

function settingCheck(on: boolean, dryRun: boolean): InstallCheck {
  if (on) {
    return {
      name: `project setting ${PRE_COMMIT_SETTING}`,
      status: 'ok',
      message: dryRun ? 'true (or set by this deploy)' : 'true',
    };
  }
  return {
    name: `project setting ${PRE_COMMIT_SETTING}`,
    status: 'error',
    message: 'off: no pre-commit bot runs in this project',
    fix: `Add {"name": "${PRE_COMMIT_SETTING}", "valueBoolean": true} to the Project's settings (Medplum app: Admin → Project → Settings), or rerun deploy without --no-project-setting.`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// install

export async function installSasGuard(medplum: MedplumClient, options: InstallOptions = {}): Promise<InstallReport> {
  const started = performance.now();
  const run = newRun(medplum, options);
  const botName = options.botName ?? BOT_NAME;
  validateDeployConfig(options.config);

  const pre = await preflight(medplum);
  requireAdmin(pre);
  run.log(`${run.dryRun ? 'plan for' : 'installing into'} ${pre.baseUrl} project ${pre.projectId}`);

  const conformancePromise = options.conformanceResources
    ? Promise.resolve(options.conformanceResources)
    : defaultConformance();
  const codePromise = options.botCode !== undefined ? Promise.resolve(options.botCode) : defaultBotCode(botName);
  const conformance = await conformancePromise;
  checkUnique(conformance);
  const urlsByType = (type: ConformanceType): string[] =>
    conformance.filter((r) => r.resourceType === type).map((r) => r.url ?? '');

  const [project, bots, policies, ...found] = await Promise.all([
    step(`reading Project/${pre.projectId}`, () => medplum.readResource('Project', pre.projectId, NO_CACHE)),
    searchByName(medplum, 'Bot', botName),
    options.accessPolicy === false ? Promise.resolve([]) : searchByName(medplum, 'AccessPolicy', ACCESS_POLICY_NAME),
    ...CONFORMANCE_TYPES.map((type) => searchByUrl(medplum, type, urlsByType(type))),
  ]);
  const existing = new Map<ConformanceType, WithId<ConformanceResource>[]>();
  CONFORMANCE_TYPES.forEach((type, i) => existing.set(type, found[i] ?? []));

  run.checks.push(versionCheck(pre.version), featureCheck(project));

  await installConformance(run, conformance, existing);

  const secrets = planSecrets(project, options.config, run);
  const setting = planSetting(project, options.enablePreCommitSetting !== false, run);

  const code = await codePromise;
  const bot = await installBot(run, pre.projectId, bots, {
    name: botName,
    code,
    source:
      options.botSource !== undefined
        ? { text: options.botSource, filename: `${botName}.ts` }
        : defaultBotSource(botName),
    runtimeVersion: options.runtimeVersion ?? 'vmcontext',
    auditEventTrigger: options.auditEventTrigger ?? 'on-error',
    timeout: options.botTimeout,
    settingBefore: setting.before,
  });
  const botCreated = run.items.some((i) => i.kind === 'Bot' && i.action === 'created');
  const [subscription] = await Promise.all([
    installSubscription(run, bot),
    bot ? checkBotMembership(run, bot, botCreated) : Promise.resolve(),
  ]);

  // Configuration, then the project setting last: the bot and its Subscription are ready before pre-commit turns on.
  if (secrets.next && !run.dryRun) {
    const next = secrets.next;
    await step(`writing the project secrets (POST admin/projects/${pre.projectId}/secrets)`, () =>
      medplum.post(`admin/projects/${pre.projectId}/secrets`, next),
    );
  }
  for (const item of secrets.items) {
    record(run, item);
  }
  if (setting.next && !run.dryRun) {
    const next = setting.next;
    await step(`writing the project settings (POST admin/projects/${pre.projectId}/settings)`, () =>
      medplum.post(`admin/projects/${pre.projectId}/settings`, next),
    );
  }
  record(run, setting.item);
  run.checks.push(settingCheck(setting.on, run.dryRun));

  const policy = options.accessPolicy === false ? undefined : await installAccessPolicy(run, policies);

  let smokeTest: InstallReport['smokeTest'];
  const blocking = run.checks.some((c) => c.status === 'error');
  if (options.smokeTest && !run.dryRun && !blocking) {
    const smoke = await runSmokeTest(medplum, run.log);
    smokeTest = smoke.result;
    run.checks.push(...smoke.checks);
  } else {
    run.checks.push({
      name: 'server flags preCommitSubscriptionsEnabled, vmContextBotsEnabled',
      status: 'unknown',
      message: options.smokeTest
        ? `not tested (${run.dryRun ? 'dry run' : 'a check above failed'}): server flags cannot be read over the API`
        : 'not tested (no smoke test): server flags cannot be read over the API',
      fix: SMOKE_SKIPPED_FIX,
    });
  }

  return {
    mode: run.dryRun ? 'dry-run' : 'install',
    baseUrl: pre.baseUrl,
    projectId: pre.projectId,
    medplumVersion: pre.version,
    items: run.items,
    checks: run.checks,
    smokeTest,
    botId: bot?.id,
    subscriptionId: subscription?.id,
    accessPolicyId: policy?.id,
    ok: !run.checks.some((c) => c.status === 'error') && smokeTest?.passed !== false,
    durationMs: Math.round(performance.now() - started),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// uninstall

async function deleteQuietly(run: Run, resourceType: ResourceType, id: string): Promise<boolean> {
  try {
    await run.medplum.deleteResource(resourceType, id);
    return true;
  } catch (err) {
    const message = normalizeErrorString(err);
    if (/not found|gone|deleted/i.test(message)) {
      return false;
    }
    throw new DeployError(`deleting ${resourceType}/${id}: ${describeError(err).message}`, describeError(err).hint);
  }
}

/** Every Binary a Bot's versions pointed to (its saved sources and deployed codes). */
async function botBinaries(run: Run, bot: WithId<Bot>): Promise<string[]> {
  const versions: Bot[] = [bot];
  try {
    const history = await run.medplum.readHistory('Bot', bot.id, undefined, NO_CACHE);
    for (const entry of history.entry ?? []) {
      if (entry.resource) {
        versions.push(entry.resource);
      }
    }
  } catch {
    // history not available: the current version's binaries only
  }
  const ids = new Set<string>();
  for (const version of versions) {
    for (const url of [version.sourceCode?.url, version.executableCode?.url]) {
      const id = binaryIdOf(url);
      if (id) {
        ids.add(id);
      }
    }
  }
  return [...ids];
}

export async function uninstallSasGuard(
  medplum: MedplumClient,
  options: UninstallOptions = {},
): Promise<InstallReport> {
  const started = performance.now();
  const run = newRun(medplum, options);
  const botName = options.botName ?? BOT_NAME;
  const pre = await preflight(medplum);
  requireAdmin(pre);
  run.log(`${run.dryRun ? 'uninstall plan for' : 'uninstalling from'} ${pre.baseUrl} project ${pre.projectId}`);
  const conformance = options.conformanceResources ?? (await defaultConformance());
  const urlsByType = (type: ConformanceType): string[] =>
    conformance.filter((r) => r.resourceType === type).map((r) => r.url ?? '');

  const [project, bots, policies, ...found] = await Promise.all([
    step(`reading Project/${pre.projectId}`, () => medplum.readResource('Project', pre.projectId, NO_CACHE)),
    searchByName(medplum, 'Bot', botName),
    searchByName(medplum, 'AccessPolicy', ACCESS_POLICY_NAME),
    ...CONFORMANCE_TYPES.map((type) => searchByUrl(medplum, type, urlsByType(type))),
  ]);

  // 1. Stop enforcing first: the Subscriptions, then each Bot with its membership and code Binaries.
  let settingBefore: string | undefined;
  for (const bot of bots) {
    const state = readDeployState(bot);
    settingBefore ??= state.preCommitSettingBefore;
    const [subscriptions, memberships, binaries] = await Promise.all([
      botSubscriptions(medplum, bot.id),
      botMemberships(medplum, bot.id),
      botBinaries(run, bot),
    ]);
    for (const subscription of subscriptions) {
      if (!run.dryRun) {
        await deleteQuietly(run, 'Subscription', subscription.id);
      }
      record(run, {
        kind: 'Subscription',
        name: `Appointment → Bot/${bot.id} (pre-commit)`,
        action: planned(run, 'deleted'),
        reference: ref(subscription),
      });
    }
    for (const membership of memberships) {
      if (!run.dryRun) {
        await deleteQuietly(run, 'ProjectMembership', membership.id);
      }
      record(run, {
        kind: 'ProjectMembership',
        name: `Bot ${botName}`,
        action: planned(run, 'deleted'),
        reference: ref(membership),
      });
    }
    if (!run.dryRun) {
      await deleteQuietly(run, 'Bot', bot.id);
    }
    record(run, { kind: 'Bot', name: botName, action: planned(run, 'deleted'), reference: ref(bot) });
    const deleted = await Promise.all(
      binaries.map(async (id) => (run.dryRun ? true : deleteQuietly(run, 'Binary', id))),
    );
    binaries.forEach((id, i) =>
      record(run, {
        kind: 'Binary',
        name: 'bot code',
        action: deleted[i] ? planned(run, 'deleted') : 'absent',
        reference: `Binary/${id}`,
      }),
    );
  }
  if (bots.length === 0) {
    record(run, { kind: 'Bot', name: botName, action: 'absent' });
  }

  // 2. The AccessPolicy, unless memberships still use it.
  for (const policy of policies) {
    const users = await step('searching ProjectMembership?access-policy=', () =>
      medplum.searchResources(
        'ProjectMembership',
        { 'access-policy': `AccessPolicy/${policy.id}`, _count: '20' },
        NO_CACHE,
      ),
    ).catch(() => []);
    const inUse = [...users].filter(
      (m) =>
        m.accessPolicy?.reference === `AccessPolicy/${policy.id}` ||
        m.access?.some((a) => a.policy?.reference === `AccessPolicy/${policy.id}`),
    );
    if (inUse.length > 0 && !options.force) {
      record(run, {
        kind: 'AccessPolicy',
        name: ACCESS_POLICY_NAME,
        action: 'kept',
        reference: ref(policy),
        detail: `used by ${inUse.map((m) => m.profile?.reference ?? ref(m)).join(', ')}; detach it or use --force`,
      });
      continue;
    }
    if (!run.dryRun) {
      await deleteQuietly(run, 'AccessPolicy', policy.id);
    }
    record(run, {
      kind: 'AccessPolicy',
      name: ACCESS_POLICY_NAME,
      action: planned(run, 'deleted'),
      reference: ref(policy),
    });
  }
  if (policies.length === 0) {
    record(run, { kind: 'AccessPolicy', name: ACCESS_POLICY_NAME, action: 'absent' });
  }

  // 3. Conformance resources, by url.
  const resources = found.flat();
  await Promise.all(
    resources.map((resource) =>
      run.dryRun ? Promise.resolve(true) : deleteQuietly(run, resource.resourceType, resource.id),
    ),
  );
  for (const desired of conformance) {
    const matches = resources.filter((r) => r.resourceType === desired.resourceType && r.url === desired.url);
    if (matches.length === 0) {
      record(run, { kind: desired.resourceType, name: desired.url ?? '', action: 'absent' });
    }
    for (const match of matches) {
      record(run, {
        kind: desired.resourceType,
        name: desired.url ?? '',
        action: planned(run, 'deleted'),
        reference: ref(match),
      });
    }
  }

  // 4. The bot's configuration secrets; the project setting only if deploy turned it on.
  const ours = new Set<string>(Object.values(CONFIG_SECRETS));
  const secrets = project.secret ?? [];
  const keptSecrets = secrets.filter((s) => !ours.has(s.name));
  if (keptSecrets.length !== secrets.length) {
    if (!run.dryRun) {
      await step(`writing the project secrets (POST admin/projects/${pre.projectId}/secrets)`, () =>
        medplum.post(`admin/projects/${pre.projectId}/secrets`, keptSecrets),
      );
    }
    for (const secret of secrets.filter((s) => ours.has(s.name))) {
      record(run, { kind: 'ProjectSecret', name: secret.name, action: planned(run, 'deleted') });
    }
  }
  const settings = project.setting ?? [];
  const current = settings.find((s) => s.name === PRE_COMMIT_SETTING);
  if (current && (settingBefore === 'absent' || settingBefore === 'false')) {
    const next =
      settingBefore === 'absent'
        ? settings.filter((s) => s.name !== PRE_COMMIT_SETTING)
        : settings.map((s) => (s.name === PRE_COMMIT_SETTING ? { name: PRE_COMMIT_SETTING, valueBoolean: false } : s));
    if (!run.dryRun) {
      await step(`writing the project settings (POST admin/projects/${pre.projectId}/settings)`, () =>
        medplum.post(`admin/projects/${pre.projectId}/settings`, next),
      );
    }
    record(run, {
      kind: 'ProjectSetting',
      name: PRE_COMMIT_SETTING,
      action: planned(run, settingBefore === 'absent' ? 'deleted' : 'updated'),
      detail: settingBefore === 'absent' ? 'deploy had added it' : 'back to false, as before deploy',
    });
  } else if (current) {
    record(run, {
      kind: 'ProjectSetting',
      name: PRE_COMMIT_SETTING,
      action: 'kept',
      detail: 'it was on before deploy (other pre-commit bots may need it)',
    });
  }

  return {
    mode: run.dryRun ? 'uninstall dry-run' : 'uninstall',
    baseUrl: pre.baseUrl,
    projectId: pre.projectId,
    medplumVersion: pre.version,
    items: run.items,
    checks: run.checks,
    ok: true,
    durationMs: Math.round(performance.now() - started),
  };
}
