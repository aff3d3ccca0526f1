// The embedded host: Medplum's own FhirRouter + MemoryRepository behind node:http, made to behave like a Medplum
// server where the plugin depends on it (validation, pre-commit bots, statuses and headers, unknown search
// parameters, the admin endpoints the installer calls), with the SAS HTTP layer (src/http/sas-layer.ts) in front.
// `start()` puts the rooms together: project (project.ts), auth (auth.ts), admin API (admin-api.ts), FHIR API
// (fhir-api.ts), pre-commit bots (bots.ts), HTTP server (http-server.ts).
import type { MedplumClient, WithId } from '@medplum/core';
import { createReference } from '@medplum/core';
import type { ClientApplication, Project } from '@medplum/fhirtypes';
import { randomBytes } from 'node:crypto';
import type { GuardDeployConfig } from '../deploy/types.ts';
import { indexServerDefinitions } from '../profiles/index.ts';
import { parseConfig } from '../rules/config.ts';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { createAdminApi } from './admin-api.ts';
import { HostAuth } from './auth.ts';
import { withoutAccessPolicy } from './context.ts';
import type { MedplumFlavor } from './flavor.ts';
import { CURRENT_MEDPLUM } from './flavor.ts';
import { createPreCommitHook } from './bots.ts';
import { createFhirApi } from './fhir-api.ts';
import { closeServer, createHostServer, listen } from './http-server.ts';
import { createPage } from './page/index.ts';
import { createHostProject } from './project.ts';
import type { HostRepository } from './repo.ts';
import { parseRequestBody } from './request-body.ts';
import type { Origin } from './request-log.ts';
import { RequestLog, logSizeFrom } from './request-log.ts';
import type { Language } from '../rules/types.ts';

export { AUTHOR_HEADER } from './auth.ts';
export { MAX_BODY_BYTES } from './http-server.ts';
const FHIR_BASE_PATH = '/fhir/R4';

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
  /** The project admin client's id and secret, for client credentials (default SAS_GUARD_CLIENT_ID/_SECRET; unset: none). */
  adminClient?: { id: string; secret: string };
  /**
   * The deployment's settings, as the bot reads them from project secrets: SAS_GUARD_LANGUAGE, SAS_GUARD_SEVERITIES,
   * SAS_GUARD_TRUSTED_AUTHORS (default: the environment). A wrong value stops start() with a ConfigError.
   */
  settings?: Readonly<Record<string, string | undefined>>;
  /** Which Medplum server to answer as (default: the current line). */
  medplum?: MedplumFlavor;
  /** Installs sas-guard once the server listens (default: src/deploy/installer.ts). Ignored when bare. */
  install?: (medplum: MedplumClient) => Promise<unknown>;
  /** Requests the request log keeps, for the page (default SAS_GUARD_LOG_SIZE or 500). */
  logSize?: number;
  /** The page's labels at first (default: the configured SAS_GUARD_LANGUAGE). */
  language?: Language;
}

export interface RunningHost {
  /** Server root, Medplum's `baseUrl`, with a trailing slash: `http://127.0.0.1:8103/`. */
  url: string;
  /** FHIR base: `http://127.0.0.1:8103/fhir/R4`. */
  baseUrl: string;
  repo: HostRepository;
  /** Every request of the editors' software, redacted, the newest kept (the page's source). */
  requestLog: RequestLog;
  project: WithId<Project>;
  /** The default writer of unauthenticated requests. */
  clientApplication: WithId<ClientApplication>;
  close(): Promise<void>;
}

export async function start(options: StartOptions = {}): Promise<RunningHost> {
  const settings = options.settings ?? process.env;
  const config = parseConfig(settings);
  indexServerDefinitions();
  const log = options.log ?? ((line: string) => console.log(`[sas-guard host] ${line}`));
  const token = options.token ?? process.env.SAS_GUARD_TOKEN ?? undefined;
  const hostName = options.host ?? process.env.HOST ?? '127.0.0.1';
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 8103);

  const flavor = options.medplum ?? CURRENT_MEDPLUM;
  const logSize = options.logSize ?? logSizeFrom(settings.SAS_GUARD_LOG_SIZE);
  const adminClient =
    options.adminClient ??
    (process.env.SAS_GUARD_CLIENT_ID && process.env.SAS_GUARD_CLIENT_SECRET
      ? { id: process.env.SAS_GUARD_CLIENT_ID, secret: process.env.SAS_GUARD_CLIENT_SECRET }
      : undefined);
  const host = await createHostProject(log, adminClient);
  const { repo, project, systemAuthor } = host;
  const auth = new HostAuth({
    token,
    systemAuthor,
    project: createReference(project),
    findClient: (id) =>
      withoutAccessPolicy(() => repo.readResource<WithId<ClientApplication>>('ClientApplication', id)).catch(
        () => undefined,
      ),
  });
  let rootUrl = '';
  const fhirBaseUrl = (): string => rootUrl + FHIR_BASE_PATH.slice(1);
  repo.preCommit = createPreCommitHook({
    repo,
    projectId: project.id,
    baseUrl: () => rootUrl,
    accessTokenFor: (bot) => auth.accessTokenFor(bot),
    log,
  });

  const adminApi = createAdminApi(host, auth, {
    fhirBasePath: FHIR_BASE_PATH,
    flavor,
    htmlNotFound: options.sasLayer === false,
  });
  const fhirApi = createFhirApi(repo, FHIR_BASE_PATH, fhirBaseUrl, flavor);
  /** The Medplum-faithful core: a generic request in, a generic response out. */
  const core = async (request: GenericRequest): Promise<GenericResponse> => {
    if (fhirApi.isRawBinaryCreate(request)) {
      return fhirApi.createRawBinary(request);
    }
    const parsed = parseRequestBody(request);
    if ('response' in parsed) {
      return parsed.response;
    }
    return (await adminApi(request, parsed.body)) ?? (await fhirApi.handle(request, parsed.body));
  };
  // Guarded from the first byte: requests wait until sas-guard is installed, but the installer's own (a secret header
  // of this process) and its bot's (their own tokens).
  const installerKey = randomBytes(24).toString('base64url');
  const requestLog = new RequestLog({ size: logSize, log, secrets: [token, host.clientApplication.secret] });
  const origin = (request: GenericRequest): Origin =>
    request.headers[INSTALLER_HEADER] === installerKey ? 'installer' : auth.isBotRequest(request) ? 'bot' : 'client';
  const page =
    options.sasLayer === false
      ? undefined
      : createPage({
          requestLog,
          repo,
          token,
          language: options.language ?? config.language,
          fhirBasePath: FHIR_BASE_PATH,
          fhirBaseUrl,
          administrator: systemAuthor.reference ?? '',
          log,
        });
  let installed!: (value: Promise<void>) => void;
  const ready = new Promise<void>((resolve) => (installed = resolve));
  const server = createHostServer({
    repo,
    auth,
    core,
    ready,
    serveEarly: (request) => origin(request) !== 'client',
    page: page?.serve,
    onExchange: (exchange) => requestLog.record(exchange, origin(exchange.request)),
    sasLayer:
      options.sasLayer === false
        ? undefined
        : () => ({ fhirBasePath: FHIR_BASE_PATH, fhirBaseUrl: fhirBaseUrl(), config }),
    log,
  });
  rootUrl = await listen(server, port, hostName);

  const running: RunningHost = {
    url: rootUrl,
    baseUrl: fhirBaseUrl(),
    repo,
    requestLog,
    project,
    clientApplication: host.clientApplication,
    close: () => closeServer(server),
  };
  const installation = options.bare ? Promise.resolve() : installInto(rootUrl, token, installerKey, options, log);
  installed(installation);
  try {
    await installation;
    const summary = requestLog.installerSummary();
    if (summary) {
      log(summary);
    }
  } catch (err) {
    await running.close();
    throw err;
  }
  return running;
}

/** The header that lets the installer's requests in before the host serves anyone else. */
const INSTALLER_HEADER = 'x-sas-guard-installer';

async function installInto(
  rootUrl: string,
  token: string | undefined,
  installerKey: string,
  options: StartOptions,
  log: (line: string) => void,
): Promise<void> {
  const { MedplumClient: Client } = await import('@medplum/core');
  const medplum = new Client({
    baseUrl: rootUrl,
    fetch: (url: string | URL | Request, init?: RequestInit) =>
      fetch(url, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), [INSTALLER_HEADER]: installerKey },
      }),
  });
  if (token) {
    medplum.setAccessToken(token);
  }
  const settings = options.settings ?? process.env;
  const install =
    options.install ??
    (await loadInstaller(log, {
      language: settings.SAS_GUARD_LANGUAGE,
      severities: settings.SAS_GUARD_SEVERITIES,
      trustedAuthors: settings.SAS_GUARD_TRUSTED_AUTHORS,
    }));
  await install(medplum);
}

type Installer = (medplum: MedplumClient) => Promise<unknown>;

/** src/deploy/installer.ts, loaded lazily so that a bare host never depends on it. */
async function loadInstaller(log: (line: string) => void, config: GuardDeployConfig): Promise<Installer> {
  const specifier = '../deploy/installer.ts';
  const module = (await import(specifier)) as {
    installSasGuard?: (
      medplum: MedplumClient,
      options?: { log?: (line: string) => void; config?: GuardDeployConfig },
    ) => Promise<unknown>;
  };
  if (typeof module.installSasGuard !== 'function') {
    throw new Error('src/deploy/installer.ts does not export installSasGuard');
  }
  const installSasGuard = module.installSasGuard;
  return (medplum) => installSasGuard(medplum, { log, config });
}
