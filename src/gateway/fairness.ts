// Fairness between clients: one client identity may hold only so many connections, requests in flight (a request is
// in flight until its answer has been read by the client or cut) and answer bytes buffered in the gateway. The excess
// is answered at once (429, or 503 when the gateway as a whole is full) instead of queueing behind, or in front of,
// every other client; so one editor that fetches large answers and never reads them cannot occupy every upstream
// socket.
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';

export interface ClientLimits {
  /** Open connections of one client (counted from its first request on each). */
  connections: number;
  /** Requests of one client between admission and the end (or cut) of their answer. */
  inFlight: number;
  /** Answer bytes the gateway holds for one client (bodies it reads to rewrite, until they are delivered). */
  bufferedBytes: number;
}

export interface Refusal {
  status: 429 | 503;
  text: string;
}

interface ClientState {
  sockets: Set<Socket>;
  inFlight: number;
  bytes: number;
}

/** One admitted request: the bytes it holds, released with it. */
export interface Ticket {
  /** Bytes this client may still buffer. */
  available(): number;
  /** Counts `bytes` more held for this request; false (nothing counted) beyond the client's budget. */
  reserve(bytes: number): boolean;
  /** The request is over: its slot and bytes are freed (idempotent). */
  release(): void;
}

export class Fairness {
  readonly #limits: ClientLimits;
  readonly #maxInFlight: number;
  readonly #clients = new Map<string, ClientState>();
  #inFlight = 0;

  /** `maxInFlight`: requests of all clients together (upstream sockets plus the requests allowed to wait for one). */
  constructor(limits: ClientLimits, maxInFlight: number) {
    this.#limits = limits;
    this.#maxInFlight = maxInFlight;
  }

  /** Requests in flight, all clients together. */
  get inFlight(): number {
    return this.#inFlight;
  }

  admit(key: string, socket: Socket): Ticket | Refusal {
    const state = this.#clients.get(key) ?? { sockets: new Set<Socket>(), inFlight: 0, bytes: 0 };
    if (!state.sockets.has(socket) && state.sockets.size >= this.#limits.connections) {
      return { status: 429, text: `Too many connections from this client (limit ${this.#limits.connections})` };
    }
    if (state.inFlight >= this.#limits.inFlight) {
      return {
        status: 429,
        text: `Too many requests in progress for this client (limit ${this.#limits.inFlight}); read the answers first`,
      };
    }
    if (this.#inFlight >= this.#maxInFlight) {
      return { status: 503, text: 'The gateway is at capacity; try again shortly' };
    }
    this.#clients.set(key, state);
    if (!state.sockets.has(socket)) {
      state.sockets.add(socket);
      socket.once('close', () => {
        state.sockets.delete(socket);
        this.#forgetIfIdle(key, state);
      });
    }
    state.inFlight++;
    this.#inFlight++;
    let held = 0;
    let released = false;
    return {
      available: () => Math.max(0, this.#limits.bufferedBytes - state.bytes),
      reserve: (bytes) => {
        if (released || state.bytes + bytes > this.#limits.bufferedBytes) {
          return false;
        }
        state.bytes += bytes;
        held += bytes;
        return true;
      },
      release: () => {
        if (released) {
          return;
        }
        released = true;
        state.bytes -= held;
        state.inFlight--;
        this.#inFlight--;
        this.#forgetIfIdle(key, state);
      },
    };
  }

  #forgetIfIdle(key: string, state: ClientState): void {
    if (state.sockets.size === 0 && state.inFlight === 0 && this.#clients.get(key) === state) {
      this.#clients.delete(key);
    }
  }
}

export function isRefusal(value: Ticket | Refusal): value is Refusal {
  return 'status' in value;
}

export interface CallerFacts {
  /** The mapped client (certificate mode). */
  clientId?: string;
  /** SHA-256 of the verified client certificate. */
  certificateFingerprint?: string;
  authorization?: string;
  remoteAddress?: string;
}

/**
 * The identity limits are counted against, from the strongest evidence the gateway has: the mapped client, the
 * verified certificate, the bearer token's client (a Medplum access token names it: `profile`, `client_id`; claims
 * read unverified, which is enough here: a forged token gets Medplum's small 401 and holds nothing), the Basic
 * client id, a digest of any other credential, else the client's address. Never the credential itself.
 */
export function clientKey(facts: CallerFacts): string {
  if (facts.clientId) {
    return `client:${facts.clientId}`;
  }
  if (facts.certificateFingerprint) {
    return `certificate:${facts.certificateFingerprint}`;
  }
  const authorization = facts.authorization?.trim() ?? '';
  const [scheme = '', credential = ''] = authorization.split(/\s+/, 2);
  if (/^bearer$/i.test(scheme) && credential) {
    const claims = jwtClaims(credential);
    const subject = [claims?.profile, claims?.client_id, claims?.sub].find(
      (v): v is string => typeof v === 'string' && v !== '',
    );
    return subject ? `token-subject:${subject}` : `token:${digest(credential)}`;
  }
  if (/^basic$/i.test(scheme) && credential) {
    const clientId = Buffer.from(credential, 'base64').toString('utf8').split(':')[0];
    return clientId ? `basic:${clientId}` : `credential:${digest(credential)}`;
  }
  if (authorization) {
    return `credential:${digest(authorization)}`;
  }
  return `address:${facts.remoteAddress ?? '?'}`;
}

function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) {
    return undefined;
  }
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return claims !== null && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}
