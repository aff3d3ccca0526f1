// sas-check --config: a deployment's bot settings (the SAS_GUARD_* secrets) from a .env file or a JSON object.
import { readFileSync } from 'node:fs';
import { CONFIG_SECRETS } from '../rules/config.ts';

/** `.env`: NAME=value lines (# comments, optional quotes); JSON: an object, non-string values taken as JSON text. */
export function readSettingsFile(path: string): Record<string, string> {
  const text = readFileSync(path, 'utf8');
  const values: Record<string, string> = {};
  if (/\.json$/i.test(path) || text.trimStart().startsWith('{')) {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`expected a JSON object of ${Object.values(CONFIG_SECRETS).join(', ')}`);
    }
    for (const [name, value] of Object.entries(parsed)) {
      values[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return values;
  }
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] && !line.trimStart().startsWith('#')) {
      const raw = match[2] ?? '';
      values[match[1]] = /^(['"]).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
    }
  }
  return values;
}
