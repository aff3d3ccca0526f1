// Seeded generator of hostile requests for the embedded host: mutated appointments, non-JSON, JSON arrays and
// scalars, deeply nested JSON, huge bodies, wrong content types, odd Unicode, odd URLs and headers. Used by
// test/reliability/fuzz.test.ts (bounded, in npm test) and scripts/soak.ts (longer).
import type { Appointment } from '@medplum/fhirtypes';
import { APPOINTMENT_SYSTEM, appointmentWithIdentifier } from '../fixtures/appointments.ts';
import type { Random } from './helpers.ts';
import { pick } from './helpers.ts';

export interface FuzzCase {
  /** Family of the case, for the report. */
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  /** Whether the request addresses the sentinel appointment (its stored version is then checked). */
  targetsSentinel: boolean;
}

export interface Sentinel {
  id: string;
  value: string;
}

const MAX_BODY = 1024 * 1024;

export const ODD_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\u0000\u0001\u001f',
  '\u202eRTL override',
  '\ud800',
  '\udfff\ud800',
  '\ufeffBOM',
  'zero\u200bwidth\u200d',
  'e\u0301 NFD',
  '\u00e9 NFC',
  '🩺'.repeat(64),
  '👩🏽‍⚕️',
  '\u{10ffff}',
  '%00',
  '%E0%A4%A',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "'; DROP TABLE appointment; --",
  '${7*7}{{7*7}}',
  '__proto__',
  'constructor',
  'Appointment/../../Project/x',
  'a|b|c',
  '|',
  'urn:oid:',
  '\n\r\t',
  'x'.repeat(10_000),
];

const ODD_NUMBERS: readonly number[] = [0, -1, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 0.1 + 0.2];

function oddString(random: Random): string {
  return pick(random, ODD_STRINGS);
}

function randomJson(random: Random, depth = 0): unknown {
  const choice = Math.floor(random() * (depth > 2 ? 5 : 8));
  switch (choice) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick(random, ODD_NUMBERS);
    case 3:
    case 4:
      return oddString(random);
    case 5:
      return [];
    case 6:
      return Array.from({ length: 1 + Math.floor(random() * 3) }, () => randomJson(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = 0; i < 1 + Math.floor(random() * 3); i++) {
        const key = pick(random, ['resourceType', 'id', 'value', 'system', 'url', 'reference', oddString(random)]);
        setOwn(object, key, randomJson(random, depth + 1) as Json);
      }
      return object;
    }
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Paths (lists of keys/indices) of every node of a JSON value. */
function nodePaths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (Array.isArray(value)) {
    value.forEach((item, i) => nodePaths(item, [...prefix, i], out));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      nodePaths(item, [...prefix, key], out);
    }
  }
  return out;
}

function parentOf(root: Json, path: (string | number)[]): Json | undefined {
  let node: Json | undefined = root;
  for (const key of path.slice(0, -1)) {
    if (Array.isArray(node)) {
      node = node[key as number];
    } else if (node !== null && typeof node === 'object') {
      node = node[String(key)];
    } else {
      return undefined;
    }
  }
  return node;
}

/** An own property, even for `__proto__` (a plain assignment would change the prototype instead). */
function setOwn(target: object, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** One to three random mutations of a valid appointment: deleted, replaced, duplicated or added members. */
export function mutateAppointment(random: Random, appointment: Appointment): Json {
  const root = structuredClone(appointment) as unknown as Json;
  const count = 1 + Math.floor(random() * 3);
  for (let i = 0; i < count; i++) {
    const paths = nodePaths(root).filter((p) => p.length > 0);
    const path = pick(random, paths);
    const parent = parentOf(root, path) as Record<string | number, Json> | Json[] | undefined;
    const key = path[path.length - 1] as string | number;
    if (!parent || typeof parent !== 'object') {
      continue;
    }
    const action = Math.floor(random() * 4);
    if (action === 0) {
      if (Array.isArray(parent)) {
        parent.splice(key as number, 1);
      } else {
        delete parent[key];
      }
    } else if (action === 1) {
      setOwn(parent, key, randomJson(random) as Json);
    } else if (action === 2 && Array.isArray(parent)) {
      parent.push(structuredClone(parent[key as number] ?? null));
    } else if (!Array.isArray(parent)) {
      setOwn(parent, oddString(random) || 'extra', randomJson(random) as Json);
    }
  }
  return root;
}

function nestedArrays(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function nestedInAppointment(random: Random, value: string, depth: number): string {
  const base = appointmentWithIdentifier(value);
  const where = pick(random, ['extension', 'comment', 'participant', 'contained', 'meta']);
  const open = '{"extension":['.repeat(depth);
  const close = ']}'.repeat(depth);
  const nested = where === 'extension' ? `[${open}${close}]` : `${open}${close}`;
  const json = JSON.stringify({ ...base, [where]: '__NESTED__' });
  return json.replace('"__NESTED__"', nested);
}

function randomBytes(random: Random, length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    bytes[i] = Math.floor(random() * 256);
  }
  return bytes;
}

const CONTENT_TYPES: readonly (string | undefined)[] = [
  undefined,
  'text/plain',
  'application/xml',
  'application/fhir+xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json-patch+json',
  'application/fhir+json; charset=iso-8859-1',
  'application/json+fhir',
  'application/json',
  'a/b/c;;;=',
  'application/fhir+json; ' + 'x=y; '.repeat(200),
];

const IDENTIFIER_QUERIES: readonly string[] = [
  'identifier=',
  'identifier=%7C',
  'identifier=%7C%7C',
  'identifier=%E0%A4%A',
  'identifier=%',
  'identifier=a&identifier=b',
  'identifier:missing=true',
  'identifier:exact=x',
  'Identifier:text=x',
  'identifier=x&_count=-1',
  'identifier=x&_sort=__proto__',
  'identifier=x&_elements=constructor',
  '_id=x',
  '',
  'identifier=' + encodeURIComponent('🩺|👩🏽‍⚕️'),
  'identifier=' + 'x'.repeat(4000),
];

const PATHS: readonly string[] = [
  'fhir/R4/Appointment/%2e%2e/Project',
  'fhir/R4/Appointment/_history',
  'fhir/R4/Appointment/x/_history/y',
  'fhir/R4/Appointment/%00',
  'fhir/R4/Appointment/' + encodeURIComponent('🩺'),
  'fhir/R4/$everything',
  'fhir/R4/Appointment/$validate',
  'fhir/R4/',
  'fhir/R4/Appointment/_search',
  'fhir/R4/__proto__',
  'fhir/R4/Appointment/constructor',
  'fhir/R4//Appointment',
  'fhir/R4/Appointment?_format=%E0',
  'admin/projects/x/secrets',
  'oauth2/token',
];

const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function oddHeaders(random: Random): Record<string, string> {
  const headers: Record<string, string> = {};
  if (random() < 0.2) {
    headers['if-match'] = pick(random, ['W/"stale"', '*', '""', 'W/', 'garbage']);
  }
  if (random() < 0.2) {
    headers['x-medplum'] = 'extended';
  }
  if (random() < 0.2) {
    headers.accept = pick(random, ['application/fhir+xml', 'text/html', '*/*', 'application/json+fhir', '']);
  }
  if (random() < 0.1) {
    headers['x-trace-id'] = 'x'.repeat(2000);
  }
  return headers;
}

/** encodeURIComponent, except that a lone surrogate becomes the bytes of its (invalid) UTF-8 encoding. */
function encodeLoose(text: string): string {
  let out = '';
  for (const char of text) {
    try {
      out += encodeURIComponent(char);
    } catch {
      out += '%ED%A0%80';
    }
  }
  return out;
}

function conditional(value: string): string {
  return `fhir/R4/Appointment?identifier=${encodeLoose(`${APPOINTMENT_SYSTEM}|${value}`)}`;
}

/**
 * One hostile request. About a third address the sentinel appointment (by its identifier or its id), so that the
 * fuzz also checks that rejected writes leave it as it was.
 */
export function fuzzCase(random: Random, sentinel: Sentinel, serial: number): FuzzCase {
  const targetsSentinel = random() < 0.35;
  const value = targetsSentinel ? sentinel.value : `fuzz-${serial}`;
  const headers = oddHeaders(random);
  const json = (text: string, kind: string, path = conditional(value), method = 'PUT'): FuzzCase => ({
    kind,
    method,
    path,
    headers: { 'content-type': 'application/fhir+json', ...headers },
    body: text,
    targetsSentinel,
  });
  const family = Math.floor(random() * 11);
  switch (family) {
    case 0:
    case 1:
    case 2: {
      // A mutated valid appointment, by conditional PUT, POST or PUT by id.
      const mutated = mutateAppointment(random, appointmentWithIdentifier(value));
      const how = Math.floor(random() * 3);
      if (how === 0) {
        return json(JSON.stringify(mutated), 'mutated/conditional-put');
      }
      if (how === 1) {
        return json(JSON.stringify(mutated), 'mutated/post', 'fhir/R4/Appointment', 'POST');
      }
      const id = targetsSentinel ? sentinel.id : `no-such-${serial}`;
      const withId = { ...(mutated as Record<string, Json>), id };
      return json(JSON.stringify(withId), 'mutated/put-by-id', `fhir/R4/Appointment/${id}`);
    }
    case 3: {
      // Not JSON: bytes, truncated JSON, BOM.
      const valid = JSON.stringify(appointmentWithIdentifier(value));
      const text = pick(random, [
        valid.slice(0, Math.floor(random() * valid.length)),
        '\ufeff' + valid,
        '{"resourceType": "Appointment", }',
        "{'resourceType': 'Appointment'}",
        'NaN',
        '{"a": 1e999999}',
        '{"resourceType":"Appointment","status":"\\ud800"}',
        '{"resourceType":"Appointment","__proto__":{"status":"cancelled"}}',
        '{"resourceType":"Appointment","constructor":{"prototype":{"x":1}}}',
      ]);
      if (random() < 0.3) {
        return { ...json('', 'non-json/bytes'), body: randomBytes(random, 1 + Math.floor(random() * 2048)) };
      }
      return json(text, 'non-json/text');
    }
    case 4:
      // JSON arrays and scalars where a resource is expected.
      return json(
        pick(random, [
          '[]',
          JSON.stringify([appointmentWithIdentifier(value)]),
          'null',
          '42',
          '"Appointment"',
          'true',
          '{}',
          '{"resourceType":"Patient"}',
          '{"resourceType":null}',
          '{"resourceType":["Appointment"]}',
        ]),
        'json/not-a-resource',
        random() < 0.5 ? conditional(value) : 'fhir/R4/Appointment',
        random() < 0.5 ? 'PUT' : 'POST',
      );
    case 5: {
      // Deeply nested JSON, bare or inside an appointment.
      const depth = pick(random, [64, 1_000, 10_000, 100_000, 200_000]);
      const text = random() < 0.5 ? nestedArrays(depth) : nestedInAppointment(random, value, Math.min(depth, 60_000));
      return json(text, 'nested', random() < 0.7 ? conditional(value) : 'fhir/R4/Appointment', 'PUT');
    }
    case 6: {
      // Huge bodies: just under and over the 1 MB limit, many array items.
      const size = pick(random, ['under', 'over', 'items']);
      const base = appointmentWithIdentifier(value);
      if (size === 'items') {
        const participant = Array.from({ length: 2_000 }, () => base.participant[0]);
        return json(JSON.stringify({ ...base, participant }), 'huge/items');
      }
      const skeleton = JSON.stringify({ ...base, comment: '' }).length;
      const length = size === 'under' ? MAX_BODY - skeleton - 16 : MAX_BODY + 1024;
      return json(JSON.stringify({ ...base, comment: 'é'.repeat(Math.floor(length / 2)) }), `huge/${size}`);
    }
    case 7: {
      // Wrong or odd content types on a valid body.
      const type = pick(random, CONTENT_TYPES);
      const bodyText = JSON.stringify(appointmentWithIdentifier(value));
      const { 'content-type': _dropped, ...rest } = { 'content-type': '', ...headers };
      return {
        kind: 'content-type',
        method: random() < 0.5 ? 'PUT' : 'POST',
        path: random() < 0.5 ? conditional(value) : 'fhir/R4/Appointment',
        headers: type === undefined ? rest : { ...rest, 'content-type': type },
        body: random() < 0.2 ? 'status=booked&identifier=x' : bodyText,
        targetsSentinel,
      };
    }
    case 8: {
      // Odd Unicode in the identifier, in the URL and the body alike.
      const odd = oddString(random);
      const body = appointmentWithIdentifier(odd);
      return {
        ...json(JSON.stringify(body), 'unicode/identifier', conditional(odd)),
        targetsSentinel: false,
      };
    }
    case 9: {
      // Odd queries and paths, with any method.
      const method = pick(random, METHODS);
      const path = random() < 0.5 ? `fhir/R4/Appointment?${pick(random, IDENTIFIER_QUERIES)}` : pick(random, PATHS);
      const hasBody = method === 'PUT' || method === 'POST' || method === 'PATCH';
      return {
        kind: 'url',
        method,
        path,
        headers: hasBody ? { 'content-type': 'application/fhir+json', ...headers } : headers,
        body: hasBody ? JSON.stringify(appointmentWithIdentifier(`fuzz-${serial}`)) : undefined,
        targetsSentinel: false,
      };
    }
    default: {
      // PATCH (JSON Patch) and DELETE on the sentinel or on nothing.
      const id = targetsSentinel ? sentinel.id : `no-such-${serial}`;
      if (random() < 0.3) {
        // Never the sentinel: its creator may delete it, and the bot lets any client delete (see ownership.test.ts).
        const path = `fhir/R4/Appointment/no-such-${serial}`;
        return { kind: 'delete', method: 'DELETE', path, headers, targetsSentinel: false };
      }
      const operations = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
        op: pick(random, ['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus']),
        path: pick(random, ['/status', '/identifier/0/value', '/meta/tag', '/participant/-', '/id', '/', '', '/x/y/z']),
        from: '/status',
        value: randomJson(random),
      }));
      const body = random() < 0.8 ? JSON.stringify(operations) : JSON.stringify(randomJson(random));
      return {
        kind: 'patch',
        method: 'PATCH',
        path: `fhir/R4/Appointment/${id}`,
        headers: { ...headers, 'content-type': 'application/json-patch+json' },
        body,
        targetsSentinel,
      };
    }
  }
}
