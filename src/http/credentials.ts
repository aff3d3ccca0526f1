// Reading and comparing credentials, shared by the host's auth and its page: constant-time comparison of secrets,
// so that a wrong guess takes as long as a near miss.
import { timingSafeEqual } from 'node:crypto';

export function sameSecret(given: string, expected: string | undefined): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected ?? '');
  return expected !== undefined && a.length === b.length && timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerOf(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
}
