// The embedded host: Medplum's own FhirRouter + MemoryRepository behind node:http, made to behave like a Medplum
// server where the plugin depends on it (validation, pre-commit bots, statuses and headers, unknown search
// parameters, the admin endpoints the installer calls), with the SAS HTTP layer (src/http/sas-layer.ts) in front.
import type { MedplumClient, WithId } from '@medplum/core';
import {
  ContentType,
  MEDPLUM_VERSION,
  OperationOutcomeError,
  allOk,
  badRequest,
  contentTooLarge,
  createReference,
  created,
  getReferenceString,
  getStatus,
  isCreated,
  isOperationOutcome,
  notFound,
  unauthorized,
} from '@medplum/core';
import type { FhirRequest, HttpMethod } from '@medplum/fhir-router';
import { FhirRouter } from '@medplum/fhir-router';
import type {
  Binary,
  Bot,
  ClientApplication,
  OperationOutcome,
  Project,
  ProjectMembership,
  ProjectSetting,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { flatHeaders, readBody } from '../http/body.ts';
import { indexServerDefinitions } from '../profiles/index.ts';
import { sasTransformRequest, sasTransformResponse } from '../http/sas-layer.ts';
import type { SasLayerOptions } from '../http/sas-layer.ts';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { jsonBody, mediaType } from '../http/types.ts';
import { PRE_COMMIT_SETTING } from '../medplum.ts';
import { accessPolicyOf } from './access.ts';
import { createPreCommitHook } from './bots.ts';
import { capabilityStatement } from './metadata.ts';
import { requestContextStore, withoutAccessPolicy } from './context.ts';
import type { HostRequestContext } from './context.ts';
import { KeyedLock } from './lock.ts';
import { HostRepository } from './repo.ts';

export const FHIR_BASE_PATH = '/fhir/R4';
export const MAX_BODY_BYTES = 1024 * 1024;
/** Test convenience, honoured by the embedded host only (never by Medplum): who writes, e.g. `ClientApplication/abc`. */
export const AUTHOR_HEADER = 'x-sas-guard-author';
const TRACING_EXTENSION_URL = 'https://medplum.com/fhir/StructureDefinition/tracing';

export interface StartOptions {
  /** Start empty: no sas-guard installation. */
  bare?: boolean;
  /** Default `PORT` or 8103; 0 picks a free port. */
  port?: number;
  /** Default `HOST` or 127.0.0.1. */
  host?: string;
  /** Run the SAS HTTP layer in front of the Medplum-faithful core (default true; false = `--medplum-only`). */
  sasLayer?: boolean;
  /** Bearer token every request must carry (default `SAS_GUARD_TOKEN`; unset = open). */
  token?: string;
  log?: (line: string) => void;
  /** Installs sas-guard once the server listens (default: src/deploy/installer.ts). Ignored when bare. */
  install?: (medplum: MedplumClient) => Promise<unknown>;
}

export interface RunningHost {
  /** Server root, Medplum's `baseUrl`, with a trailing slash: `http://127.0.0.1:8103/`. */
  url: string;
  /** FHIR base: `http://127.0.0.1:8103/fhir/R4`. */
  baseUrl: string;
  repo: HostRepository;
  project: WithId<Project>;
  /** The default writer of unauthenticated requests. */
  clientApplication: WithId<ClientApplication>;
  close(): Promise<void>;
}

function outcomeResponse(outcome: OperationOutcome, context: HostRequestContext | undefined): GenericResponse {
  // Medplum's sendOutcome: the root extension becomes the server's tracing extension.
  const extension = context
    ? [
        {
          url: TRACING_EXTENSION_URL,
          extension: [
            { url: 'requestId', valueId: context.requestId },
            { url: 'traceId', valueId: context.traceId },
          ],
        },
      ]
    : undefined;
  return {
    status: getStatus(outcome),
    headers: { 'content-type': ContentType.FHIR_JSON },
    body: jsonBody({ ...outcome, extension }),
  };
}

function internalError(): GenericResponse {
  return {
    status: 500,
    headers: { 'content-type': ContentType.FHIR_JSON },
    body: jsonBody({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', details: { text: 'Internal server error' } }],
    } satisfies OperationOutcome),
  };
}

/** Medplum hides these meta fields unless the request says `X-Medplum: extended`. */
function removeHiddenFields(resource: Resource): void {
  if (resource.meta) {
    delete resource.meta.author;
    delete resource.meta.project;
    delete resource.meta.compartment;
  }
  if (resource.resourceType === 'Bundle') {
    for (const entry of resource.entry ?? []) {
      if (entry.resource) {
        removeHiddenFields(entry.resource);
      }
    }
  }
}

function resourceResponse(
  outcome: OperationOutcome,
  resource: Resource,
  request: GenericRequest,
  baseUrl: string,
): GenericResponse {
  const headers: Record<string, string> = { 'content-type': ContentType.FHIR_JSON };
  if (resource.meta?.versionId) {
    headers.etag = `W/"${resource.meta.versionId}"`;
  }
  if (resource.meta?.lastUpdated) {
    headers['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  }
  if (isCreated(outcome) && resource.id) {
    headers.location = `${baseUrl}/${resource.resourceType}/${resource.id}`;
  }
  if (request.headers['x-medplum'] !== 'extended') {
    removeHiddenFields(resource);
  }
  return { status: getStatus(outcome), headers, body: jsonBody(resource) };
}

function send(res: ServerResponse, response: GenericResponse, close = false): void {
  const headers: Record<string, string> = { ...response.headers };
  if (close) {
    headers.connection = 'close';
  }
  res.writeHead(response.status, headers);
  res.end(response.body);
}

const REFERENCE_PATTERN = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/** Lock keys of an Appointment write: the identifier value(s), so `sys|val` and `val` serialise together. */
function appointmentLockKeys(method: string, path: string[], query: URLSearchParams, body: unknown): string[] {
  if (path[0] !== 'Appointment' || !['PUT', 'POST', 'PATCH', 'DELETE'].includes(method)) {
    return [];
  }
  const keys: string[] = [];
  for (const token of query.getAll('identifier')) {
    keys.push(token.slice(token.indexOf('|') + 1).toLowerCase());
  }
  const identifiers = (body as { identifier?: unknown } | undefined)?.identifier;
  if (Array.isArray(identifiers)) {
    for (const identifier of identifiers) {
      const value = (identifier as { value?: unknown } | null)?.value;
      if (typeof value === 'string') {
        keys.push(value.toLowerCase());
      }
    }
  }
  return keys;
}

export async function start(options: StartOptions = {}): Promise<RunningHost> {
  indexServerDefinitions();
  const log = options.log ?? ((line: string) => console.log(`[sas-guard host] ${line}`));
  const token = options.token ?? process.env.SAS_GUARD_TOKEN ?? undefined;
  const useSasLayer = options.sasLayer ?? true;
  const hostName = options.host ?? process.env.HOST ?? '127.0.0.1';
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 8103);

  // --- the single project, its admin client, and the repository
  const clientApplication: WithId<ClientApplication> = {
    resourceType: 'ClientApplication',
    id: randomUUID(),
    name: 'sas-guard embedded host',
  };
  const systemAuthor = createReference(clientApplication);
  const repo = new HostRepository({ systemAuthor, log });
  const project = await repo.store<Project>({
    resourceType: 'Project',
    id: randomUUID(),
    name: 'sas-guard',
    features: ['bots'],
    setting: [{ name: PRE_COMMIT_SETTING, valueBoolean: true }],
    meta: { author: systemAuthor },
  });
  repo.projectId = project.id;
  const projectRef = createReference(project);
  await repo.store<ClientApplication>({ ...clientApplication, meta: { project: project.id, author: systemAuthor } });
  const membership = await repo.store<ProjectMembership>({
    resourceType: 'ProjectMembership',
    id: randomUUID(),
    project: projectRef,
    user: systemAuthor,
    profile: systemAuthor,
    admin: true,
    meta: { project: project.id, author: systemAuthor },
  });

  // --- tokens: the configured one (clients), one per bot (the bot's own requests, authored by the Bot)
  const botTokens = new Map<string, Reference>();
  const tokenOfBot = new Map<string, string>();
  const accessTokenFor = (bot: WithId<Bot>): string => {
    let botToken = tokenOfBot.get(bot.id);
    if (!botToken) {
      botToken = `bot-${randomUUID()}`;
      tokenOfBot.set(bot.id, botToken);
      botTokens.set(botToken, createReference(bot));
    }
    return botToken;
  };

  let rootUrl = '';
  const fhirBaseUrl = (): string => rootUrl + FHIR_BASE_PATH.slice(1);
  repo.preCommit = createPreCommitHook({ repo, projectId: project.id, baseUrl: () => rootUrl, accessTokenFor, log });

  const router = new FhirRouter();
  const locks = new KeyedLock();

  const currentProject = (): Promise<WithId<Project>> => repo.readResource<WithId<Project>>('Project', project.id);

  async function replaceProjectList(
    projectId: string,
    body: unknown,
    field: 'secret' | 'setting',
  ): Promise<GenericResponse> {
    if (projectId !== project.id) {
      return outcomeResponse(notFound, requestContextStore.getStore());
    }
    if (!Array.isArray(body)) {
      return outcomeResponse(badRequest('Expected an array of ProjectSetting'), requestContextStore.getStore());
    }
    const updated = await repo.updateResource<Project>({
      ...(await currentProject()),
      [field]: body as ProjectSetting[],
    });
    return { status: 200, headers: { 'content-type': ContentType.FHIR_JSON }, body: jsonBody(updated) };
  }

  async function deployBot(id: string, body: unknown): Promise<GenericResponse> {
    const { code, filename } = (body ?? {}) as { code?: unknown; filename?: unknown };
    if (typeof code !== 'string') {
      return outcomeResponse(badRequest('Missing code'), requestContextStore.getStore());
    }
    const bot = await repo.readResource<WithId<Bot>>('Bot', id);
    const binary = await repo.createResource<Binary>({
      resourceType: 'Binary',
      contentType: ContentType.JAVASCRIPT,
      data: Buffer.from(code, 'utf8').toString('base64'),
    });
    await repo.updateResource<Bot>({
      ...bot,
      executableCode: {
        contentType: ContentType.JAVASCRIPT,
        url: getReferenceString(binary),
        title: typeof filename === 'string' ? filename : 'index.js',
      },
    });
    return outcomeResponse(allOk, requestContextStore.getStore());
  }

  async function createBot(projectId: string, body: unknown): Promise<GenericResponse> {
    if (projectId !== project.id) {
      return outcomeResponse(notFound, requestContextStore.getStore());
    }
    const { name, description, runtimeVersion } = (body ?? {}) as Record<string, unknown>;
    const bot = await repo.createResource<Bot>({
      resourceType: 'Bot',
      name: typeof name === 'string' ? name : 'bot',
      description: typeof description === 'string' ? description : undefined,
      runtimeVersion: runtimeVersion === 'awslambda' ? 'awslambda' : 'vmcontext',
    });
    await repo.createResource<ProjectMembership>({
      resourceType: 'ProjectMembership',
      project: projectRef,
      user: createReference(bot),
      profile: createReference(bot),
    });
    return { status: 201, headers: { 'content-type': ContentType.FHIR_JSON }, body: jsonBody(bot) };
  }

  /**
   * Medplum's `POST [base]/Binary` with raw content (what `medplum.createAttachment` sends): a Binary with that content
   * type. Medplum keeps the bytes in its storage and answers a presigned `url`, which it turns back into `Binary/<id>`
   * when an attachment naming it is written; the host keeps them in `data` and answers `Binary/<id>` at once.
   */
  async function createRawBinary(request: GenericRequest): Promise<GenericResponse> {
    const binary = await repo.createResource<Binary>({
      resourceType: 'Binary',
      contentType: request.headers['content-type'] ?? 'application/octet-stream',
      data: (request.body ?? Buffer.alloc(0)).toString('base64'),
    });
    return resourceResponse(created, { ...binary, url: getReferenceString(binary) }, request, fhirBaseUrl());
  }

  /** The Medplum-faithful core: a generic request in, a generic response out. */
  async function core(request: GenericRequest): Promise<GenericResponse> {
    const ctx = requestContextStore.getStore();
    const url = new URL(request.url, 'http://host.invalid');
    const path = url.pathname;
    const method = request.method.toUpperCase();

    const type = mediaType(request.headers['content-type']);
    if (
      method === 'POST' &&
      path === `${FHIR_BASE_PATH}/Binary` &&
      !['', ContentType.JSON, ContentType.FHIR_JSON].includes(type)
    ) {
      return createRawBinary(request);
    }
    let body: unknown = undefined;
    if (request.body?.length) {
      if (type === ContentType.FORM_URL_ENCODED) {
        body = Object.fromEntries(new URLSearchParams(request.body.toString('utf8')));
      } else if (
        type === '' ||
        type === ContentType.JSON ||
        type === ContentType.FHIR_JSON ||
        type === ContentType.JSON_PATCH
      ) {
        try {
          body = JSON.parse(request.body.toString('utf8')) as unknown;
        } catch {
          return outcomeResponse(badRequest('Content could not be parsed'), ctx);
        }
      } else {
        return outcomeResponse(badRequest('Unsupported content type'), ctx);
      }
    }

    if (method === 'GET' && path === '/healthcheck') {
      return {
        status: 200,
        headers: { 'content-type': ContentType.JSON },
        body: jsonBody({ ok: true, version: MEDPLUM_VERSION }),
      };
    }
    if (method === 'POST' && path === '/oauth2/token') {
      const form = (body ?? {}) as Record<string, string>;
      if (form.grant_type !== 'client_credentials') {
        return {
          status: 400,
          headers: { 'content-type': ContentType.JSON },
          body: jsonBody({ error: 'unsupported_grant_type' }),
        };
      }
      return {
        status: 200,
        headers: { 'content-type': ContentType.JSON },
        body: jsonBody({
          token_type: 'Bearer',
          access_token: token ?? 'sas-guard-open',
          expires_in: 3600,
          scope: 'openid',
          project: projectRef,
          profile: systemAuthor,
        }),
      };
    }
    if (method === 'GET' && path === '/auth/me') {
      return withoutAccessPolicy(async () => ({
        status: 200,
        headers: { 'content-type': ContentType.JSON },
        body: jsonBody({
          project: await currentProject(),
          membership: await repo.readResource('ProjectMembership', membership.id),
          profile: await repo.readResource('ClientApplication', clientApplication.id),
        }),
      }));
    }
    const admin = /^\/admin\/projects\/([^/]+)\/(secrets|settings|bot)$/.exec(path);
    if (method === 'POST' && admin?.[1] && admin[2]) {
      if (admin[2] === 'bot') {
        return createBot(admin[1], body);
      }
      return replaceProjectList(admin[1], body, admin[2] === 'secrets' ? 'secret' : 'setting');
    }
    if (path !== FHIR_BASE_PATH && !path.startsWith(FHIR_BASE_PATH + '/')) {
      return outcomeResponse(notFound, ctx);
    }

    const relative = path.slice(FHIR_BASE_PATH.length).replace(/^\/+/, '');
    const segments = relative.split('/').filter(Boolean);
    if (method === 'GET' && relative === 'metadata') {
      return { status: 200, headers: { 'content-type': ContentType.FHIR_JSON }, body: jsonBody(capabilityStatement()) };
    }
    const deploy = /^Bot\/([^/]+)\/\$deploy$/.exec(relative);
    if (method === 'POST' && deploy?.[1]) {
      return deployBot(deploy[1], body);
    }

    const fhirRequest: FhirRequest = {
      method: method as HttpMethod,
      url: relative + url.search,
      pathname: '',
      body,
      params: {},
      query: {},
      headers: request.headers,
    };
    const keys = appointmentLockKeys(method, segments, url.searchParams, body);
    const handle = () => router.handleRequest(fhirRequest, repo);
    const [outcome, resource] = keys.length ? await locks.run(keys, handle) : await handle();
    if (resource && !isOperationOutcome(resource)) {
      return resourceResponse(outcome, resource, request, fhirBaseUrl());
    }
    return outcomeResponse(isOperationOutcome(resource) ? resource : outcome, ctx);
  }

  function authorOf(request: GenericRequest): Reference | 'unauthorized' {
    const authorization = request.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
    const botAuthor = bearer ? botTokens.get(bearer) : undefined;
    if (botAuthor) {
      return botAuthor;
    }
    const path = new URL(request.url, 'http://host.invalid').pathname;
    if (token && bearer !== token && path !== '/healthcheck' && path !== '/oauth2/token') {
      return 'unauthorized';
    }
    const claimed = request.headers[AUTHOR_HEADER];
    if (claimed && REFERENCE_PATTERN.test(claimed)) {
      return { reference: claimed };
    }
    return systemAuthor;
  }

  const sasOptions = (): SasLayerOptions => ({ fhirBasePath: FHIR_BASE_PATH, fhirBaseUrl: fhirBaseUrl() });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const traceId = req.headers['x-trace-id']?.toString() || randomUUID();
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) {
      const response = outcomeResponse(contentTooLarge(`Request body exceeds ${MAX_BODY_BYTES} bytes`), {
        requestId,
        traceId,
        author: systemAuthor,
      });
      send(res, response, true);
      res.on('finish', () => req.socket.destroy());
      return;
    }
    const request: GenericRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      url: req.url ?? '/',
      headers: flatHeaders(req.headers),
      body,
    };
    const author = authorOf(request);
    if (author === 'unauthorized') {
      send(res, outcomeResponse(unauthorized, { requestId, traceId, author: systemAuthor }));
      return;
    }
    const context: HostRequestContext = { requestId, traceId, author };
    // The writer's AccessPolicy, then the core; an OperationOutcomeError outside the router (an invalid policy, a 403
    // on an admin endpoint) is answered as the router would.
    const answer = async (coreRequest: GenericRequest): Promise<GenericResponse> => {
      try {
        context.accessPolicy = await accessPolicyOf(repo, author);
        return await core(coreRequest);
      } catch (err) {
        if (err instanceof OperationOutcomeError) {
          return outcomeResponse(err.outcome, context);
        }
        throw err;
      }
    };
    const response = await requestContextStore.run(context, async () => {
      if (!useSasLayer) {
        return answer(request);
      }
      const decision = sasTransformRequest(request, sasOptions());
      if (decision.action === 'respond') {
        return decision.response;
      }
      return sasTransformResponse(await answer(decision.request), decision.context, sasOptions());
    });
    send(res, response);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(
        `Internal error on ${req.method ?? ''} ${req.url ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      if (!res.headersSent) {
        send(res, internalError());
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostName, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const printableHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  rootUrl = `http://${printableHost}:${address.port}/`;

  const running: RunningHost = {
    url: rootUrl,
    baseUrl: fhirBaseUrl(),
    repo,
    project,
    clientApplication,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };

  if (!options.bare) {
    const { MedplumClient: Client } = await import('@medplum/core');
    const medplum = new Client({ baseUrl: rootUrl, fetch: globalThis.fetch });
    if (token) {
      medplum.setAccessToken(token);
    }
    const install = options.install ?? (await loadInstaller(log));
    await install(medplum);
  }
  return running;
}

type Installer = (medplum: MedplumClient) => Promise<unknown>;

/** src/deploy/installer.ts, loaded lazily so that a bare host never depends on it. */
async function loadInstaller(log: (line: string) => void): Promise<Installer> {
  const specifier = '../deploy/installer.ts';
  const module = (await import(specifier)) as {
    installSasGuard?: (
      medplum: MedplumClient,
      options?: { dryRun?: boolean; log?: (line: string) => void },
    ) => Promise<unknown>;
  };
  if (typeof module.installSasGuard !== 'function') {
    throw new Error('src/deploy/installer.ts does not export installSasGuard');
  }
  const installSasGuard = module.installSasGuard;
  return (medplum) => installSasGuard(medplum, { log });
}
