// Shared helpers of the host tests: a bare host on a free port, and trivial pre-commit bots deployed over HTTP.
import type { Bot, OperationOutcome, Subscription } from '@medplum/fhirtypes';
import type { RunningHost, StartOptions } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';

export async function startHost(options: StartOptions = {}): Promise<RunningHost> {
  return start({ bare: true, port: 0, log: () => undefined, ...options });
}

export interface FetchResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { resourceType?: string; id?: string };
  text: string;
}

export async function call(
  host: RunningHost,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<FetchResult> {
  const init: RequestInit = {
    method,
    headers: { 'content-type': 'application/fhir+json', ...headers },
  };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(host.url + path.replace(/^\//, ''), init);
  const text = await response.text();
  let parsed: FetchResult['body'] = {};
  try {
    parsed = text ? (JSON.parse(text) as FetchResult['body']) : {};
  } catch {
    parsed = {};
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** Creates a vmcontext Bot (with its ProjectMembership), deploys `code`, and subscribes it pre-commit to `criteria`. */
export async function deployPreCommitBot(
  host: RunningHost,
  code: string,
  criteria = 'Appointment',
  bot: Partial<Bot> = {},
): Promise<{ bot: Bot; subscription: Subscription }> {
  const created = await call(host, 'POST', `admin/projects/${host.project.id}/bot`, { name: 'test bot', ...bot });
  if (created.status !== 201) {
    throw new Error(`bot creation failed: ${created.text}`);
  }
  const botId = created.body.id as string;
  if (bot.timeout) {
    const current = await call(host, 'GET', `fhir/R4/Bot/${botId}`);
    await call(host, 'PUT', `fhir/R4/Bot/${botId}`, { ...current.body, timeout: bot.timeout });
  }
  const deployed = await call(host, 'POST', `fhir/R4/Bot/${botId}/$deploy`, { code, filename: 'bot.js' });
  if (deployed.status !== 200) {
    throw new Error(`deploy failed: ${deployed.text}`);
  }
  const subscription = await call(host, 'POST', 'fhir/R4/Subscription', {
    resourceType: 'Subscription',
    status: 'active',
    reason: 'test',
    criteria,
    channel: { type: 'rest-hook', endpoint: `Bot/${botId}` },
    extension: [{ url: 'https://medplum.com/fhir/StructureDefinition/pre-commit-bot', valueBoolean: true }],
  });
  if (subscription.status !== 201) {
    throw new Error(`subscription failed: ${subscription.text}`);
  }
  return {
    bot: (await call(host, 'GET', `fhir/R4/Bot/${botId}`)).body as unknown as Bot,
    subscription: subscription.body as unknown as Subscription,
  };
}

export function issuesText(outcome: unknown): string[] {
  return ((outcome as OperationOutcome).issue ?? []).map((issue) => issue.details?.text ?? issue.diagnostics ?? '');
}
