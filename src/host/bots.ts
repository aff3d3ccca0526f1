// Pre-commit bots, run the way a Medplum server runs them (packages/server/src/fhir/precommit.ts, bots/execute.ts,
// bots/vmcontext.ts): the first active pre-commit Subscription whose criteria match picks the Bot; its deployed code
// (a Binary) runs in a NEW node:vm context per call, wrapped as Medplum wraps it, with `require` resolving in the
// host's node_modules (so `@medplum/core` is its CommonJS build) and a MedplumClient pointed at the host's own URL.
import type { WithId } from '@medplum/core';
import {
  ContentType,
  Hl7Message,
  MedplumClient,
  OperationOutcomeError,
  Operator,
  createReference,
  getExtension,
  getReferenceString,
  normalizeErrorString,
  normalizeOperationOutcome,
  resourceMatchesSubscriptionCriteria,
} from '@medplum/core';
import type {
  Binary,
  Bot,
  Project,
  ProjectMembership,
  ProjectSetting,
  Resource,
  Subscription,
} from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { PRE_COMMIT_BOT_EXTENSION_URL, PRE_COMMIT_SETTING } from '../medplum.ts';
import { getRequestContext } from './context.ts';
import type { HostRepository } from './repo.ts';

export const DEFAULT_VM_CONTEXT_TIMEOUT = 10_000;

export interface BotRunnerOptions {
  repo: HostRepository;
  projectId: string;
  /** The host's own base URL (Medplum's `baseUrl`, e.g. `http://127.0.0.1:8103/`). */
  baseUrl: () => string;
  /** The access token the bot's MedplumClient sends (the host maps it to the Bot as author). */
  accessTokenFor: (bot: WithId<Bot>) => string;
  log: (line: string) => void;
}

export interface BotExecutionResult {
  success: boolean;
  logResult: string;
  returnValue?: unknown;
}

/** Returns the pre-commit hook of the repository: undefined, or the bot's return value; throws on bot failure. */
export function createPreCommitHook(options: BotRunnerOptions) {
  const { repo, projectId, log } = options;
  return async (resource: WithId<Resource>, interaction: 'update' | 'delete'): Promise<unknown> => {
    const project = await repo.readResource<Project>('Project', projectId);
    if (!project.setting?.find((s) => s.name === PRE_COMMIT_SETTING)?.valueBoolean) {
      return undefined;
    }

    resource.meta = { ...resource.meta, author: getRequestContext()?.author ?? resource.meta?.author };
    const subscriptions = await repo.searchResources<Subscription>({
      resourceType: 'Subscription',
      count: 1000,
      filters: [{ code: 'status', operator: Operator.EQUALS, value: 'active' }],
    });

    for (const subscription of subscriptions) {
      if (getExtension(subscription, PRE_COMMIT_BOT_EXTENSION_URL)?.valueBoolean !== true) {
        continue;
      }
      const matches = await resourceMatchesSubscriptionCriteria({
        resource,
        subscription,
        context: { interaction },
        getPreviousResource: () => Promise.resolve(undefined),
      });
      if (!matches) {
        continue;
      }
      const url = subscription.channel?.endpoint;
      if (!url?.startsWith('Bot/')) {
        continue;
      }
      const bot = await repo.readReference<Bot>({ reference: url });
      const runAs = await repo.searchOne<ProjectMembership>({
        resourceType: 'ProjectMembership',
        filters: [{ code: 'profile', operator: Operator.EQUALS, value: getReferenceString(bot) }],
      });
      if (!runAs) {
        log(`Pre-commit Subscription/${subscription.id}: ${url} has no ProjectMembership, skipped (as on Medplum)`);
        continue;
      }

      const headers: Record<string, string> = {};
      if (interaction === 'delete') {
        headers['X-Medplum-Deleted-Resource'] = `${resource.resourceType}/${resource.id}`;
      }
      const result = await executeBot(options, project, bot, resource, headers);
      if (!result.success) {
        const outcome = normalizeOperationOutcome(result.returnValue);
        // A rule refusal is told by its request's log line (its rule ids); another failure by the bot's whole output.
        if (outcome.id !== 'business-rule') {
          log(`Bot/${bot.id} failed on ${resource.resourceType}/${resource.id}: ${result.logResult.trim()}`);
        }
        throw new OperationOutcomeError(outcome);
      }
      return result.returnValue;
    }
    return undefined;
  };
}

async function executeBot(
  options: BotRunnerOptions,
  project: Project,
  bot: WithId<Bot>,
  input: Resource,
  headers: Record<string, string>,
): Promise<BotExecutionResult> {
  if (!project.features?.includes('bots')) {
    return { success: false, logResult: 'Bots not enabled' };
  }
  if (bot.runtimeVersion !== 'vmcontext') {
    return { success: false, logResult: 'Unsupported bot runtime' };
  }
  const codeUrl = bot.executableCode?.url;
  if (!codeUrl) {
    return { success: false, logResult: 'No executable code' };
  }
  if (!codeUrl.startsWith('Binary/')) {
    return { success: false, logResult: 'Executable code is not a Binary' };
  }
  const binary = await options.repo.readReference<Binary>({ reference: codeUrl });
  const code = Buffer.from(binary.data ?? '', 'base64').toString('utf8');
  const secrets: Record<string, ProjectSetting> = Object.fromEntries((project.secret ?? []).map((s) => [s.name, s]));
  return runInVmContext({
    bot,
    code,
    input,
    headers,
    secrets,
    baseUrl: options.baseUrl(),
    accessToken: options.accessTokenFor(bot),
    traceId: getRequestContext()?.traceId ?? randomUUID(),
  });
}

interface VmRequest {
  bot: WithId<Bot>;
  code: string;
  input: Resource;
  headers: Record<string, string>;
  secrets: Record<string, ProjectSetting>;
  baseUrl: string;
  accessToken: string;
  traceId: string;
  /** The `fetch` the bot's MedplumClient uses (default: the real one; a benchmark may answer in memory). */
  fetch?: typeof globalThis.fetch;
}

/** Captures the bot's console, as Medplum's MockConsole does (it ends in the AuditEvent there, in the log here). */
class BotConsole {
  private readonly lines: string[] = [];
  log = (...args: unknown[]): void => {
    this.lines.push(args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' '));
  };
  info = this.log;
  warn = this.log;
  error = this.log;
  debug = this.log;
  toString(): string {
    return this.lines.join('\n');
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

// Same wrapper as Medplum's vmcontext runner: CommonJS-style `exports`/`module`, then an async block that builds
// the MedplumClient and calls `exports.handler(medplum, event)`; a throw is logged and rethrown.
function wrap(code: string): string {
  return `
  const exports = {};
  const module = {exports};

  // Start user code
  ${code}
  // End user code

  (async () => {
    const { bot, baseUrl, accessToken, requester, contentType, secrets, traceId, headers, defaultHeaders } = event;
    const medplum = new MedplumClient({
      baseUrl,
      defaultHeaders,
      fetch: function(url, options = {}) {
        options.headers ||= {};
        options.headers['X-Trace-Id'] = traceId;
        options.headers['traceparent'] = traceId;
        return fetch(url, options);
      },
    });
    medplum.setAccessToken(accessToken);
    try {
      const input = event.input;
      return await exports.handler(medplum, { bot, requester, input, contentType, secrets, traceId, headers });
    } catch (err) {
      if (err instanceof Error) {
        console.log("Unhandled error: " + err.message + "\\n" + err.stack);
      } else if (typeof err === "object") {
        console.log("Unhandled error: " + JSON.stringify(err, undefined, 2));
      } else {
        console.log("Unhandled error: " + err);
      }
      throw err;
    }
  })();
  `;
}

const hostRequire = createRequire(import.meta.url);

/**
 * The wrapped bot code compiled once per distinct code: a vm.Script is not bound to a context, so each execution still
 * runs it in a NEW context (nothing survives between calls), as Medplum's runInNewContext does; only the parse and
 * compilation are shared. Bounded: least recently deployed codes are dropped first.
 */
const scripts = new Map<string, vm.Script>();
const MAX_SCRIPTS = 16;

function compiled(code: string): vm.Script {
  let script = scripts.get(code);
  if (!script) {
    script = new vm.Script(wrap(code), { filename: 'bot.js' });
    if (scripts.size >= MAX_SCRIPTS) {
      const oldest = scripts.keys().next().value;
      if (oldest !== undefined) scripts.delete(oldest);
    }
    scripts.set(code, script);
  }
  return script;
}

export async function runInVmContext(request: VmRequest): Promise<BotExecutionResult> {
  const botConsole = new BotConsole();
  const sandbox = {
    console: botConsole,
    fetch: request.fetch ?? globalThis.fetch,
    require: hostRequire,
    ContentType,
    Hl7Message,
    MedplumClient,
    TextDecoder,
    TextEncoder,
    TextDecoderStream,
    TextEncoderStream,
    ReadableStream,
    WritableStream,
    TransformStream,
    URL,
    URLSearchParams,
    Headers,
    Request,
    Response,
    event: {
      bot: createReference(request.bot),
      baseUrl: request.baseUrl,
      accessToken: request.accessToken,
      requester: undefined,
      input: request.input,
      contentType: ContentType.FHIR_JSON,
      secrets: request.secrets,
      traceId: request.traceId,
      headers: request.headers,
      defaultHeaders: undefined,
    },
  };
  const timeout = request.bot.timeout ? request.bot.timeout * 1000 : DEFAULT_VM_CONTEXT_TIMEOUT;
  try {
    const context = vm.createContext(sandbox);
    const returnValue: unknown = await (compiled(request.code).runInContext(context, { timeout }) as Promise<unknown>);
    return { success: true, logResult: botConsole.toString(), returnValue };
  } catch (err) {
    botConsole.log('Error', normalizeErrorString(err));
    return { success: false, logResult: botConsole.toString(), returnValue: normalizeOperationOutcome(err) };
  }
}
