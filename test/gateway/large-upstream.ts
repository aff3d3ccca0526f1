// An upstream for the fairness tests and bench: `GET …?large` streams a large search answer (generated as it is read,
// so that unread answers hold the upstream's sockets without filling its memory), `…?error` a large 422 (which the
// gateway buffers to check it), anything else a small Appointment. It counts the large answers in progress.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import net from 'node:net';
import { parseConfig } from '../../src/gateway/config.ts';
import type { RunningGateway } from '../../src/gateway/server.ts';
import { startGateway } from '../../src/gateway/server.ts';

export interface LargeUpstream {
  url: string;
  /** Large answers started and neither finished nor cut. */
  inProgress: number;
  /** The most in progress at once. */
  peak: number;
  /** Large answers the gateway cut (the upstream socket closed before the end). */
  cut: number;
  /** Error answers sent. */
  errorsServed: number;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'x');

export async function largeUpstream(options: { largeBytes: number; errorBytes?: number }): Promise<LargeUpstream> {
  const sockets = new Set<Socket>();
  const state = { inProgress: 0, peak: 0, cut: 0, errorsServed: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url?.includes('large')) {
      state.inProgress++;
      state.peak = Math.max(state.peak, state.inProgress);
      let sent = 0;
      let done = false;
      const end = (cut: boolean): void => {
        if (!done) {
          done = true;
          state.inProgress--;
          state.cut += cut ? 1 : 0;
        }
      };
      res.on('close', () => end(!res.writableFinished));
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      const pump = (): void => {
        while (sent < options.largeBytes && !res.destroyed) {
          sent += CHUNK.length;
          if (!res.write(CHUNK)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    if (req.url?.includes('error')) {
      state.errorsServed++;
      const text = 'x'.repeat(options.errorBytes ?? 1024);
      res.writeHead(422, { 'content-type': 'application/fhir+json' });
      res.end(
        JSON.stringify({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'business-rule', diagnostics: text }],
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify({ resourceType: 'Appointment', id: 'small', status: 'booked' }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    get inProgress() {
      return state.inProgress;
    },
    get peak() {
      return state.peak;
    },
    get cut() {
      return state.cut;
    },
    get errorsServed() {
      return state.errorsServed;
    },
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A Medplum-shaped access token (unsigned: only its claims matter here) naming `profile`. */
export function tokenOf(profile: string, login = Math.random().toString(36).slice(2)): string {
  const claims = Buffer.from(JSON.stringify({ login_id: login, profile })).toString('base64url');
  return `eyJhbGciOiJub25lIn0.${claims}.sig`;
}

/**
 * A hostile reader: a connection that sends one GET and never reads a byte of the answer (its socket is paused). The
 * first bytes of the answer, if any arrive before the pause takes hold, are kept to see its status.
 */
export async function unreadGet(url: string, token: string): Promise<Socket> {
  const target = new URL(url);
  const socket = net.connect(Number(target.port), target.hostname);
  await once(socket, 'connect');
  socket.pause();
  socket.write(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
  );
  return socket;
}

/** A plain-HTTP gateway in bearer mode in front of `upstreamUrl`, its log lines kept. */
export async function bearerGateway(
  upstreamUrl: string,
  config: { limits?: Record<string, unknown>; timeouts?: Record<string, unknown> },
): Promise<{ gateway: RunningGateway; lines: string[] }> {
  const lines: string[] = [];
  const gateway = await startGateway(
    parseConfig({
      listen: { host: '127.0.0.1', port: 0 },
      plainHttp: true,
      upstream: { url: upstreamUrl },
      auth: { mode: 'bearer' },
      ...config,
    }),
    { log: (line) => lines.push(line) },
  );
  return { gateway, lines };
}
