// Who may see the page when SAS_GUARD_TOKEN is set: a browser that exchanged the token for a session cookie (typed
// into the page's form, POSTed, never in a URL), or a script sending the token itself as `Authorization: Bearer`.
// The cookie holds a random session id, not the token; it is HttpOnly and SameSite=Strict.
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { bearerOf, sameSecret } from '../../http/credentials.ts';

const SESSION_COOKIE = 'sas_guard_page';
const SESSION_LIFETIME_S = 12 * 3600;
/** Sessions kept at once; the oldest goes first. */
const MAX_SESSIONS = 64;

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      return value.join('=');
    }
  }
  return undefined;
}

export class PageSessions {
  /** Session id → when it expires (ms). */
  private readonly sessions = new Map<string, number>();
  private readonly token: string | undefined;

  constructor(token: string | undefined) {
    this.token = token;
  }

  /** Whether the host needs a token at all. */
  get guarded(): boolean {
    return this.token !== undefined;
  }

  allows(req: IncomingMessage): boolean {
    if (this.token === undefined) {
      return true;
    }
    const bearer = bearerOf(req.headers.authorization);
    if (bearer !== undefined) {
      return sameSecret(bearer, this.token);
    }
    const session = cookieOf(req, SESSION_COOKIE);
    const expires = session === undefined ? undefined : this.sessions.get(session);
    return expires !== undefined && expires > Date.now();
  }

  /** A Set-Cookie value opening a session for the right token; undefined for a wrong one. */
  open(given: string): string | undefined {
    if (this.token === undefined || !sameSecret(given, this.token)) {
      return undefined;
    }
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, Date.now() + SESSION_LIFETIME_S * 1000);
    if (this.sessions.size > MAX_SESSIONS) {
      this.sessions.delete(this.sessions.keys().next().value ?? '');
    }
    return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_LIFETIME_S}`;
  }
}
