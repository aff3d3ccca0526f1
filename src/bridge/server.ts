// The bridge: a small HTTP service, on loopback or a Unix socket, that judges HAPI's Appointment writes with the same
// judgement as the Medplum bot and sas-check (src/rules/write.ts). POST /judge answers 200 with the version to store
// (owner recorded) or 422 with the OperationOutcome; GET /health answers 200. Connections are kept alive.
import { lstatSync, unlinkSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../http/body.ts';
import type { GuardConfig } from '../rules/config.ts';
import { ruleIdOf } from '../rules/engine.ts';
import { capIssues } from '../rules/limits.ts';
import { errorOutcome, jsonBody } from '../http/types.ts';
import { judgeWrite, wantsProfileIssues, withProfileIssues } from '../rules/write.ts';
import { StructuralValidator } from '../check/validate.ts';
import { loadStructureDefinitions } from '../profiles/index.ts';
import { parseJudgementRequest } from './protocol.ts';

export interface BridgeOptions {
  config: GuardConfig;
  /** Loopback address (default 127.0.0.1); ignored with `socket`. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** A Unix socket path instead of TCP. */
  socket?: string;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface RunningBridge {
  /** `http://127.0.0.1:<port>` for TCP, `unix:<path>` for a socket. */
  url: string;
  close(): Promise<void>;
}

/** An appointment with every participant, operator and extension fits well within this. */
const BODY_LIMIT = 2 * 1024 * 1024;
const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;

export class BridgeStartError extends Error {}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = jsonBody(body);
  res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': payload.length });
  res.end(payload);
}

export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const { config } = options;
  const log = options.log ?? ((line: string) => console.log(`[sas-guard bridge] ${line}`));
  const now = options.now ?? (() => new Date());

  async function judge(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, BODY_LIMIT);
    if (body === undefined) {
      send(res, 413, errorOutcome('too-costly', `The judgement request exceeds ${BODY_LIMIT} bytes`));
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      send(res, 400, errorOutcome('invalid', 'The judgement request is not JSON'));
      return;
    }
    const request = parseJudgementRequest(parsed);
    if (typeof request === 'string') {
      send(res, 400, errorOutcome('invalid', `Bad judgement request: ${request}`));
      return;
    }
    const verdict = judgeWrite(request.appointment, { ...request.state, now: now() }, config);
    if (verdict.rejection) {
      log(
        `rejected ${request.state.author ?? 'anonymous'}: ${capIssues(verdict.issues, config.language)
          .map((issue) => `${issue.severity} ${ruleIdOf(issue) ?? '?'}`)
          .join(', ')}`,
      );
      // As the Medplum bot: the 422 also names what the profile would refuse (HAPI validates only afterwards).
      send(
        res,
        422,
        withProfileIssues(
          verdict,
          wantsProfileIssues(verdict.rejection) ? profiles().validate(request.appointment).issues : [],
          config.language,
        ),
      );
      return;
    }
    send(res, 200, verdict.stored);
  }

  let validator: StructuralValidator | undefined;
  /** The SAS profiles, parsed on the first rejection (an accepted write never pays for them). */
  const profiles = (): StructuralValidator => (validator ??= new StructuralValidator(loadStructureDefinitions()));

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    let handled: Promise<void>;
    if (req.method === 'POST' && path === '/judge') {
      handled = judge(req, res);
    } else if ((req.method === 'GET' || req.method === 'HEAD') && path === '/health') {
      handled = Promise.resolve(send(res, 200, { status: 'ok' }));
    } else {
      handled = Promise.resolve(
        send(
          res,
          404,
          errorOutcome(
            'not-found',
            `${req.method ?? ''} ${path ?? ''} is not a bridge route (POST /judge, GET /health)`,
          ),
        ),
      );
    }
    handled.catch((err: unknown) => {
      log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) {
        send(res, 500, errorOutcome('exception', 'Internal bridge error'));
      } else {
        res.destroy();
      }
    });
  });
  // HAPI keeps its connections to the bridge open between writes.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;

  if (options.socket) {
    removeStaleSocket(options.socket);
  } else if (!LOOPBACK.test(options.host ?? '127.0.0.1')) {
    throw new BridgeStartError(
      `--host ${options.host}: the bridge trusts its caller and listens on loopback only (127.0.0.1, ::1) or a Unix socket`,
    );
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const ready = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (options.socket) {
      server.listen(options.socket, ready);
    } else {
      server.listen(options.port ?? 8787, options.host ?? '127.0.0.1', ready);
    }
  });
  const address = server.address();
  const url = typeof address === 'string' ? `unix:${address}` : tcpUrl(address as AddressInfo);
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function tcpUrl(address: AddressInfo): string {
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** A socket file left by a bridge that did not stop cleanly would make listen fail with EADDRINUSE. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) {
      unlinkSync(path);
    }
  } catch {
    // Absent: nothing to remove.
  }
}
