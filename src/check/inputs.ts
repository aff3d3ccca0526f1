// Inputs → a list of items to check: {location, source, resource} or {location, source, problem}. itemsOfText reads
// a text the caller has (a file's, standard input's); expandPaths and readInputTexts read the file system.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One thing found in the input: a resource, or why what stood there could not be read as one. */
export interface InputItem {
  /** `file` (single resource), `file:line` (NDJSON), `file#entry[i]` (Bundle); `-` is standard input. */
  location: string;
  /** The file (or `-`) the item was read from. */
  source: string;
  /** The JSON text `resource` was parsed from, when it stood alone (a file, an NDJSON line): cheaper to send to a
   * worker thread than the parsed resource. */
  text?: string;
  resource?: unknown;
  /** Unreadable content: a 400 finding for that location. `detail`: the JSON parser's message. */
  problem?: { kind: 'unreadable-json' | 'not-a-resource' | 'entry-without-resource'; detail?: string };
}

/** A path that could not be read (missing, permission), or a directory with no input file: not a finding. */
export interface ReadError {
  path: string;
  message: string;
  /** A directory holding no .json, .ndjson or .jsonl file: nothing to check there. */
  empty?: true;
}

/** File names a directory walk picks up. Files named explicitly are read whatever their name. */
export const INPUT_EXTENSIONS = ['.json', '.ndjson', '.jsonl'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ERROR_CODES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
};

function describeError(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  const known = typeof code === 'string' ? ERROR_CODES[code] : undefined;
  return known ?? (err instanceof Error ? err.message : String(err));
}

/** One parsed JSON value as items: a Bundle's entries, or the resource itself. */
function itemsOfValue(value: unknown, location: string, source: string, text: string): InputItem[] {
  if (!isRecord(value) || typeof value.resourceType !== 'string') {
    return [{ location, source, problem: { kind: 'not-a-resource' } }];
  }
  if (value.resourceType !== 'Bundle') {
    return [{ location, source, resource: value, text }];
  }
  const entries = Array.isArray(value.entry) ? (value.entry as unknown[]) : [];
  return entries.map((entry, index) => {
    const at = `${location}#entry[${index}]`;
    const resource = isRecord(entry) ? entry.resource : undefined;
    return resource === undefined
      ? { location: at, source, problem: { kind: 'entry-without-resource' } }
      : { location: at, source, resource };
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
      return itemsOfValue(JSON.parse(body), name, name, body);
    } catch (err) {
      if (!looksLikeNdjson(name, body)) {
        return [{ location: name, source: name, problem: { kind: 'unreadable-json', detail: describeError(err) } }];
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
      items.push({ location, source: name, problem: { kind: 'unreadable-json', detail: describeError(err) } });
      continue;
    }
    items.push(...itemsOfValue(value, location, name, line));
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

/**
 * The files named by `paths`: files as given, directories walked recursively (sorted, JSON/NDJSON files only); a
 * directory where the walk finds no file is an `empty` error.
 */
function expandPaths(paths: readonly string[]): { files: string[]; errors: ReadError[] } {
  const files: string[] = [];
  const errors: ReadError[] = [];
  for (const path of paths) {
    try {
      if (statSync(path).isDirectory()) {
        const before = files.length;
        walk(path, files);
        if (files.length === before) {
          errors.push({ path, message: `no ${INPUT_EXTENSIONS.join(', ')} file found`, empty: true });
        }
      } else {
        files.push(path);
      }
    } catch (err) {
      errors.push({ path, message: describeError(err) });
    }
  }
  return { files, errors };
}

/** The text of one input: a file's, or standard input's (`-`). */
export interface InputText {
  name: string;
  text: string;
}

/** Reads every input (files, directories walked, `-` for standard input) in order; what cannot be read is a ReadError. */
export function readInputTexts(inputs: readonly string[]): { texts: InputText[]; errors: ReadError[] } {
  const texts: InputText[] = [];
  const errors: ReadError[] = [];
  const read = (name: string, from: string | 0): void => {
    try {
      texts.push({ name, text: readFileSync(from, 'utf8') });
    } catch (err) {
      errors.push({ path: name, message: describeError(err) });
    }
  };
  for (const input of inputs) {
    if (input === '-') {
      read('-', 0);
      continue;
    }
    const expanded = expandPaths([input]);
    errors.push(...expanded.errors);
    for (const file of expanded.files) {
      read(file, file);
    }
  }
  return { texts, errors };
}

/** The items of every input text, in order. */
export function itemsOfTexts(texts: readonly InputText[]): InputItem[] {
  return texts.flatMap(({ name, text }) => itemsOfText(name, text));
}
