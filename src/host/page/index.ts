// The embedded host's test bench page: at `/`, every request the editor's software sent, live, with what the host
// answered and why (the request log), an appointment's versions, and the SAS checklist. Its routes: `/` (the page, or
// the token form when SAS_GUARD_TOKEN is set and the browser has no session), /_sas-guard/assets/* (its files, open:
// they hold no data), POST /_sas-guard/session (token → session cookie), /_sas-guard/api/* (its data and event stream,
// guarded). Page traffic is not itself logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../../http/body.ts';
import type { GenericResponse } from '../../http/types.ts';
import type { Language } from '../../rules/types.ts';
import type { HostRepository } from '../repo.ts';
import type { RequestLog } from '../request-log.ts';
import { summaryOf } from '../request-log.ts';
import { jsonResponse } from '../responses.ts';
import { writeResponse } from '../wire.ts';
import type { PageData } from './api.ts';
import { apiResponse, snapshot } from './api.ts';
import { loadAssets } from './assets.ts';
import { Checklist } from './checklist.ts';
import { EventStream } from './events.ts';
import { PageSessions } from './session.ts';

const PREFIX = '/_sas-guard/';
/** The page runs its own files only: no inline script or style, no other origin. */
const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

export interface PageOptions {
  requestLog: RequestLog;
  repo: HostRepository;
  /** SAS_GUARD_TOKEN: when set, the page and its data need it. */
  token: string | undefined;
  /** The labels' language at first (the page has a switch). */
  language: Language;
  fhirBasePath: string;
  fhirBaseUrl: () => string;
  /** The host's admin client (`ClientApplication/<id>`): writes naming no other caller are its. */
  administrator: string;
  log: (line: string) => void;
}

/** `serve(req, res)`: true when the request was the page's (answered, or being answered). */
export function createPage(options: PageOptions): { serve: (req: IncomingMessage, res: ServerResponse) => boolean } {
  const { requestLog, log } = options;
  const assets = loadAssets();
  const sessions = new PageSessions(options.token);
  const checklist = new Checklist(options.fhirBasePath, options.administrator);
  const events = new EventStream();
  const data: PageData = { ...options, checklist };
  requestLog.subscribe((entry) => {
    events.send('request', summaryOf(entry));
    if (checklist.observe(entry)) {
      events.send('checklist', checklist.state());
    }
  });

  function asset(name: string, status = 200): GenericResponse {
    const file = assets.get(name);
    if (!file) {
      return jsonResponse(404, { error: `${name} not found` });
    }
    return { status, headers: { ...PAGE_HEADERS, 'content-type': file.type }, body: file.body };
  }

  async function login(req: IncomingMessage): Promise<GenericResponse> {
    const form = new URLSearchParams((await readBody(req, 4096))?.toString('utf8') ?? '');
    const cookie = sessions.open(form.get('token') ?? '');
    if (!cookie) {
      const page = asset('login.html', 401);
      return { ...page, body: Buffer.from((page.body ?? '').toString().replace('id="wrong" hidden', 'id="wrong"')) };
    }
    return { status: 303, headers: { location: '/', 'set-cookie': cookie }, body: Buffer.alloc(0) };
  }

  async function answer(req: IncomingMessage, res: ServerResponse, path: string): Promise<GenericResponse | undefined> {
    const method = req.method ?? 'GET';
    if (path === '/') {
      return sessions.allows(req) ? asset('index.html') : asset('login.html', 401);
    }
    if (path.startsWith(`${PREFIX}assets/`) && (method === 'GET' || method === 'HEAD')) {
      return asset(path.slice(`${PREFIX}assets/`.length));
    }
    if (path === `${PREFIX}session` && method === 'POST' && sessions.guarded) {
      return login(req);
    }
    if (!path.startsWith(`${PREFIX}api/`) || method !== 'GET') {
      return jsonResponse(404, { error: `No ${method} ${path} on this host's page` });
    }
    if (!sessions.allows(req)) {
      return jsonResponse(401, { error: 'The page needs SAS_GUARD_TOKEN: open / and type it' });
    }
    const route = path.slice(`${PREFIX}api/`.length);
    if (route === 'events') {
      events.open(res, PAGE_HEADERS, 'snapshot', snapshot(data));
      return undefined;
    }
    const query = new URL(req.url ?? '/', 'http://host.invalid').searchParams;
    return (await apiResponse(data, route, query)) ?? jsonResponse(404, { error: `No API route ${route}` });
  }

  return {
    serve(req, res) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const isPage = path === '/' ? req.method === 'GET' || req.method === 'HEAD' : path.startsWith(PREFIX);
      if (!isPage) {
        return false;
      }
      answer(req, res, path).then(
        (response) => response && writeResponse(res, response, { acceptEncoding: req.headers['accept-encoding'] }),
        (err: unknown) => {
          log(
            `Page error on ${req.method ?? ''} ${path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
          );
          if (!res.headersSent) {
            writeResponse(res, jsonResponse(500, { error: 'Internal error of the page' }));
          } else {
            res.destroy();
          }
        },
      );
      return true;
    },
  };
}
