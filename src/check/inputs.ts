// Inputs → a list of items to check: {location, resource} or {location, problem}. Host-agnostic: the caller gives
// the texts (files, standard input); reading the file system lives in readPaths.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One thing found in the input: a resource, or why what stood there could not be read as one. */
export interface InputItem {
  /** `file` (single resource), `file:line` (NDJSON), `file#entry[i]` (Bundle); `-` is standard input. */
  location: string;
  resource?: unknown;
  /** Unreadable content: a 400 finding for that location. `detail`: the JSON parser's message. */
  problem?: { kind: 'unreadable-json' | 'not-a-resource' | 'entry-without-resource'; detail?: string };
}

/** A path that could not be read at all (missing, permission): a usage/read error, not a finding. */
export interface ReadError {
  path: string;
  message: string;
}

/** File names a directory walk picks up. Files named explicitly are read whatever their name. */
export const INPUT_EXTENSIONS = ['.json', '.ndjson', '.jsonl'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One parsed JSON value as items: a Bundle's entries, or the resource itself. */
function itemsOfValue(value: unknown, location: string): InputItem[] {
  if (!isRecord(value) || typeof value.resourceType !== 'string') {
    return [{ location, problem: { kind: 'not-a-resource' } }];
  }
  if (value.resourceType !== 'Bundle') {
    return [{ location, resource: value }];
  }
  const entries = Array.isArray(value.entry) ? (value.entry as unknown[]) : [];
  return entries.map((entry, index) => {
    const at = `${location}#entry[${index}]`;
    const resource = isRecord(entry) ? entry.resource : undefined;
    return resource === undefined
      ? { location: at, problem: { kind: 'entry-without-resource' } }
      : { location: at, resource };
  });
}

function looksLikeNdjson(name: string, text: string): boolean {
  if (/\.(ndjson|jsonl)$/i.test(name)) {
    return true;
  }
  // Several lines, the first of which is a whole JSON value on its own.
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length < 2) {
    return false;
  }
  try {
    JSON.parse(lines[0] ?? '');
    return true;
  } catch {
    return false;
  }
}

/**
 * The items of one input text. A `.ndjson`/`.jsonl` file, or a text that is not one JSON value but whose first line is,
 * is NDJSON (one resource per line, blank lines ignored, `name:line`); otherwise the text is one resource or a Bundle.
 * Unreadable JSON is an item with a problem, never an exception.
 */
export function itemsOfText(name: string, text: string): InputItem[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!/\.(ndjson|jsonl)$/i.test(name)) {
    try {
      return itemsOfValue(JSON.parse(body), name);
    } catch (err) {
      if (!looksLikeNdjson(name, body)) {
        return [{ location: name, problem: { kind: 'unreadable-json', detail: describeError(err) } }];
      }
    }
  }
  const items: InputItem[] = [];
  const lines = body.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').trim();
    if (line === '') {
      continue;
    }
    const location = `${name}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      items.push({ location, problem: { kind: 'unreadable-json', detail: describeError(err) } });
      continue;
    }
    items.push(...itemsOfValue(value, location));
  }
  return items;
}

function walk(directory: string, files: string[]): void {
  const entries = readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      walk(path, files);
    } else if (INPUT_EXTENSIONS.some((extension) => entry.name.toLowerCase().endsWith(extension))) {
      files.push(path);
    }
  }
}

/** The files named by `paths`: files as given, directories walked recursively (sorted, JSON/NDJSON files only). */
export function expandPaths(paths: readonly string[]): { files: string[]; errors: ReadError[] } {
  const files: string[] = [];
  const errors: ReadError[] = [];
  for (const path of paths) {
    try {
      if (statSync(path).isDirectory()) {
        walk(path, files);
      } else {
        files.push(path);
      }
    } catch (err) {
      errors.push({ path, message: describeError(err) });
    }
  }
  return { files, errors };
}

/** Reads one file into items; a file that cannot be read is a ReadError. */
export function readFileItems(path: string): InputItem[] | ReadError {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { path, message: describeError(err) };
  }
  return itemsOfText(path, text);
}
