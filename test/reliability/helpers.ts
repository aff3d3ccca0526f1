// Shared helpers of the reliability tests: an embedded host with sas-guard installed (bot, profiles, secrets), a
// bounded HTTP call, a seeded random generator, and the checks every answer must pass (H4: no 5xx, an
// OperationOutcome for every failure, no stack trace or source path).
import type { MedplumClient } from '@medplum/core';
import type { Appointment } from '@medplum/fhirtypes';
import type { GuardDeployConfig } from '../../src/deploy/types.ts';
import type { RunningHost, StartOptions } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import { APPOINTMENT_SYSTEM } from '../fixtures/appointments.ts';

/** Every request of these tests gives up after this long: a hang fails the test instead of stalling CI. */
export const REQUEST_TIMEOUT_MS = 15_000;

let botCode: Promise<string> | undefined;

/** The bundled bot, built once per test file (esbuild, ~1 s). */
export function sasGuardBotCode(): Promise<string> {
  botCode ??= import('../../src/build/bot-bundle.ts').then((module) => module.bundleBot());
  return botCode;
}

export interface InstalledHostOptions {
  config?: GuardDeployConfig;
  token?: string;
  log?: StartOptions['log'];
}

/** A host on a free loopback port with sas-guard installed by the deploy installer, as `npm start` does. */
export async function startInstalledHost(options: InstalledHostOptions = {}): Promise<RunningHost> {
  const code = await sasGuardBotCode();
  const { installSasGuard } = await import('../../src/deploy/installer.ts');
  return start({
    port: 0,
    host: '127.0.0.1',
    token: options.token,
    log: options.log ?? (() => undefined),
    install: (medplum: MedplumClient) => installSasGuard(medplum, { botCode: code, config: options.config }),
  });
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when the body is not JSON. */
  json: unknown;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** A string or bytes are sent as they are; anything else as JSON. */
  body?: unknown;
  /** Default application/fhir+json; null sends no content type. */
  contentType?: string | null;
}

export async function send(
  host: RunningHost,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const contentType = options.contentType === undefined ? 'application/fhir+json' : options.contentType;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (options.body !== undefined) {
    body =
      typeof options.body === 'string'
        ? options.body
        : options.body instanceof Uint8Array
          ? new Uint8Array(options.body)
          : JSON.stringify(options.body);
    if (contentType !== null) {
      headers['content-type'] = contentType;
    }
  }
  return fetchAnswer(host.url + path.replace(/^\//, ''), { method, headers, body });
}

/** One request, bounded in time; the answer with its body parsed when it is JSON. */
export async function fetchAnswer(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export const conditionalPath = (value: string, system = APPOINTMENT_SYSTEM): string =>
  `fhir/R4/Appointment?identifier=${encodeURIComponent(`${system}|${value}`)}`;

/** A stack frame (`at f (file.ts:1:2)`), a source or node_modules path, or a Node error dump. */
const LEAK_PATTERNS: readonly RegExp[] = [
  /\bat [^\n]*\(?[^\s()]+\.(?:ts|js|mjs|cjs):\d+/,
  /\/(?:work|home|usr|tmp|src|node_modules)\/[^\s"]*\.(?:ts|js|mjs|cjs)\b/,
  /node_modules/,
  /file:\/\//,
  /\bnode:internal\b/,
  /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|URIError): /,
];

/** Why an answer breaks H4, or undefined when it is fine. */
export function answerProblem(answer: Answer): string | undefined {
  if (answer.status >= 500) {
    return `status ${answer.status}`;
  }
  for (const pattern of LEAK_PATTERNS) {
    if (pattern.test(answer.text)) {
      return `leaks internals (${String(pattern)}): ${answer.text.slice(0, 300)}`;
    }
  }
  if (answer.status >= 400) {
    const body = answer.json as { resourceType?: unknown } | undefined;
    if (body?.resourceType !== 'OperationOutcome') {
      return `status ${answer.status} without an OperationOutcome: ${answer.text.slice(0, 200)}`;
    }
    if (!(answer.headers.get('content-type') ?? '').includes('application/fhir+json')) {
      return `status ${answer.status} with content-type ${answer.headers.get('content-type') ?? 'none'}`;
    }
  }
  return undefined;
}

/** mulberry32: a small seeded generator, so that every run sends the same requests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) {
    throw new Error('pick from an empty list');
  }
  return items[Math.floor(random() * items.length)] as T;
}

/** The stored version as Medplum shows it with `X-Medplum: extended` (meta.author, meta.project kept). */
export function readStored(host: RunningHost, id: string, extraHeaders: Record<string, string> = {}): Promise<Answer> {
  return send(host, 'GET', `fhir/R4/Appointment/${id}`, { headers: { 'x-medplum': 'extended', ...extraHeaders } });
}

export function versionIdOf(resource: unknown): string | undefined {
  return (resource as Appointment | undefined)?.meta?.versionId;
}

/** An appointment without what the server or the bot set (id, meta), to compare with a body that was sent. */
export function content(resource: unknown): string {
  const { id: _id, meta: _meta, ...rest } = resource as Appointment;
  return stableStringify(rest);
}

export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(stableStringify).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Everything the host stores, every version of every resource of every type, as one string: two equal strings mean
 * nothing was written in between. (MemoryRepository keeps its maps TypeScript-private, readable at run time.)
 */
export function storedState(host: RunningHost): string {
  const repo = host.repo as unknown as { history: Map<string, Map<string, unknown[]>> };
  const types = [...repo.history.entries()].sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(
    types.map(([type, byId]) => [type, [...byId.entries()].sort(([a], [b]) => a.localeCompare(b))]),
  );
}
