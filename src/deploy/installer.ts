// Installs sas-guard into a Medplum project, idempotently, as a list of steps (src/deploy/steps/): each reads the
// server, plans (created / updated / unchanged / …), writes what it planned unless this is a dry run, and verifies.
// Every item is found by url/name, compared, and written only when different. The embedded host runs this at every
// start, so an unchanged install is a round of parallel reads and no write.
import type { MedplumClient } from '@medplum/core';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BOT_NAME } from '../medplum.ts';
import { ACCESS_POLICY_NAME } from './desired.ts';
import { DeployError, step } from './errors.ts';
import { CONFORMANCE_TYPES, searchByName, searchByUrl } from './lookups.ts';
import { NO_CACHE, readServer, requireAdmin } from './server.ts';
import type { ServerInfo } from './server.ts';
import { INSTALL_ORDER, UNINSTALL_ORDER } from './steps/index.ts';
import { validateDeployConfig } from './steps/secrets.ts';
import type { DeployInputs, DeployStep, ProjectState, StepContext } from './steps/step.ts';
import type { ConformanceResource, InstallItem, InstallOptions, InstallReport, UninstallOptions } from './types.ts';

export type * from './types.ts';

const ROOT = join(import.meta.dirname, '..', '..');

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

async function resolveInputs(options: InstallOptions & UninstallOptions, forInstall: boolean): Promise<DeployInputs> {
  const botName = options.botName ?? BOT_NAME;
  const conformance = options.conformanceResources ?? (await defaultConformance());
  checkUnique(conformance);
  return {
    botName,
    botCode: forInstall ? (options.botCode ?? (await defaultBotCode(botName))) : '',
    botSource:
      options.botSource !== undefined
        ? { text: options.botSource, filename: `${botName}.ts` }
        : defaultBotSource(botName),
    conformance,
    config: options.config,
    runtimeVersion: options.runtimeVersion ?? 'vmcontext',
    auditEventTrigger: options.auditEventTrigger ?? 'on-error',
    botTimeout: options.botTimeout,
    enablePreCommitSetting: options.enablePreCommitSetting !== false,
    accessPolicy: options.accessPolicy !== false,
    smokeTest: options.smokeTest === true,
    force: options.force === true,
  };
}

/** One round of parallel reads: the Project, the Bot and AccessPolicy by name, the conformance resources by url. */
async function readState(medplum: MedplumClient, server: ServerInfo, inputs: DeployInputs): Promise<ProjectState> {
  const urlsOf = (type: string): string[] =>
    inputs.conformance.filter((r) => r.resourceType === type).map((r) => r.url ?? '');
  const [project, bots, policies, ...found] = await Promise.all([
    step(`reading Project/${server.projectId}`, () => medplum.readResource('Project', server.projectId, NO_CACHE)),
    searchByName(medplum, 'Bot', inputs.botName),
    inputs.accessPolicy ? searchByName(medplum, 'AccessPolicy', ACCESS_POLICY_NAME) : Promise.resolve([]),
    ...CONFORMANCE_TYPES.map((type) => searchByUrl(medplum, type, urlsOf(type))),
  ]);
  return { project, bots, policies, conformance: found.flat() };
}

function record(ctx: StepContext, items: InstallItem[], report: InstallItem[]): void {
  for (const item of items) {
    report.push(item);
    const reference = item.reference ? ` (${item.reference})` : '';
    ctx.log(`${item.action.padEnd(12)} ${item.kind} ${item.name}${reference}${item.detail ? ` — ${item.detail}` : ''}`);
  }
}

/** Runs the steps this server supports, in order: plan, apply (unless a dry run), verify. */
async function runSteps(ctx: StepContext, steps: DeployStep[], phase: 'install' | 'uninstall'): Promise<InstallItem[]> {
  const items: InstallItem[] = [];
  for (const deployStep of steps) {
    const run = deployStep[phase];
    if (!run || (deployStep.supports && !deployStep.supports(ctx.server))) {
      continue;
    }
    const plan = await run(ctx);
    if (plan.apply && !ctx.dryRun) {
      await plan.apply();
    }
    ctx.checks.push(...((await plan.verify?.()) ?? []));
    record(ctx, plan.items, items);
  }
  return items;
}

async function context(
  medplum: MedplumClient,
  options: InstallOptions & UninstallOptions,
  forInstall: boolean,
): Promise<StepContext> {
  if (forInstall) {
    validateDeployConfig(options.config);
  }
  const server = await readServer(medplum);
  requireAdmin(server);
  const dryRun = options.dryRun === true;
  const log = options.log ?? (() => undefined);
  const what = forInstall
    ? dryRun
      ? 'plan for'
      : 'installing into'
    : dryRun
      ? 'uninstall plan for'
      : 'uninstalling from';
  log(`${what} ${server.baseUrl} project ${server.projectId}`);
  const inputs = await resolveInputs(options, forInstall);
  const state = await readState(medplum, server, inputs);
  return { medplum, dryRun, log, server, inputs, state, checks: [] };
}

function report(ctx: StepContext, items: InstallItem[], mode: InstallReport['mode'], started: number): InstallReport {
  return {
    mode,
    baseUrl: ctx.server.baseUrl,
    projectId: ctx.server.projectId,
    medplumVersion: ctx.server.version,
    items,
    checks: ctx.checks,
    smokeTest: ctx.smokeTest,
    botId: ctx.bot?.id,
    subscriptionId: ctx.subscription?.id,
    accessPolicyId: ctx.accessPolicy?.id,
    ok: !ctx.checks.some((c) => c.status === 'error') && ctx.smokeTest?.passed !== false,
    durationMs: Math.round(performance.now() - started),
  };
}

export async function installSasGuard(medplum: MedplumClient, options: InstallOptions = {}): Promise<InstallReport> {
  const started = performance.now();
  const ctx = await context(medplum, options, true);
  const items = await runSteps(ctx, INSTALL_ORDER, 'install');
  return report(ctx, items, ctx.dryRun ? 'dry-run' : 'install', started);
}

export async function uninstallSasGuard(
  medplum: MedplumClient,
  options: UninstallOptions = {},
): Promise<InstallReport> {
  const started = performance.now();
  const ctx = await context(medplum, { ...options, accessPolicy: true }, false);
  const items = await runSteps(ctx, UNINSTALL_ORDER, 'uninstall');
  return { ...report(ctx, items, ctx.dryRun ? 'uninstall dry-run' : 'uninstall', started), ok: true };
}
