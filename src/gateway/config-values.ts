// Checked reading of the gateway's JSON configuration: typed fields, unknown keys refused (a misspelt limit or
// security setting must not be silently ignored), URLs printed without their credentials.
import { withoutCredentials } from '../http/target.ts';

export class ConfigError extends Error {}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/** Refuses, in one line naming it (and the key meant, when one is near), a key the gateway does not read. */
export function onlyKeys(obj: Json, allowed: string[], where: string): void {
  const prefix = where === TOP ? '' : `${where}.`;
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      const near = allowed.find((name) => distance(name.toLowerCase(), key.toLowerCase()) <= 2);
      const hint = near ? `did you mean "${prefix}${near}"?` : `expected one of ${allowed.join(', ')}`;
      throw new ConfigError(`unknown key "${prefix}${key}" (${hint})`);
    }
  }
}

/** The `where` of the configuration's top level. */
export const TOP = 'the configuration';

/** An optional section: undefined, or an object with known keys only. */
export function section(obj: Json, key: string, allowed: string[], where = key): Json | undefined {
  const value = obj[key];
  if (value === undefined) {
    return undefined;
  }
  if (!isObject(value)) {
    throw new ConfigError(`${where} must be an object`);
  }
  onlyKeys(value, allowed, where);
  return value;
}

export function str(obj: Json, key: string, where: string, required: true): string;
export function str(obj: Json, key: string, where: string, required?: false): string | undefined;
export function str(obj: Json, key: string, where: string, required = false): string | undefined {
  const value = obj[key];
  if (value === undefined && !required) {
    return undefined;
  }
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(`${where}.${key} must be a non-empty string`);
  }
  return value;
}

export function bool(obj: Json, key: string, where: string): boolean | undefined {
  const value = obj[key];
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ConfigError(`${where}.${key} must be true or false`);
  }
  return value;
}

export function positive(obj: Json | undefined, key: string, where: string, fallback: number): number {
  const value = obj?.[key];
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${where}.${key} must be a positive integer`);
  }
  return value;
}

/** A URL for messages and logs: `user:password@` masked. */
export function printableUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.username || url.password) {
      url.username = '<redacted>';
      url.password = '';
    }
    return url.href;
  } catch {
    return withoutCredentials(value);
  }
}

export function checkHttpUrl(value: string, where: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${where} is not a URL: ${printableUrl(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${where} must be http(s)`);
  }
}
