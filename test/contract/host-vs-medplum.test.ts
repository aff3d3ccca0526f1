// The embedded host against what a real Medplum 5.0.10 answered (issue 12, contract tests (a)): every recorded request
// of the SAS flow (test/fixtures/medplum-5.0.10/sas-flow: plain, with Accept-Encoding, with the spec's Accept header)
// is sent, in order, to the host as `--medplum-only --medplum-version 5.0.10` with sas-guard installed, as the same
// client (the SAS client under the installed AccessPolicy, or the project admin); recorded ids and versions are mapped
// to the host's as they appear. Each answer must have the recorded status, significant headers (Location, ETag form,
// Content-Type with its charset, Content-Encoding, Content-Length or chunked) and a body of the same shape (resource
// type; OperationOutcome id, issue severities, codes, expressions and rules; a Bundle's type and total; empty where
// Medplum sent nothing). Where the host differs on purpose, DIFFERENCES names it (docs/embedded-host.md lists it).
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import http from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MEDPLUM_5_0_10 } from '../../src/host/flavor.ts';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import { ruleIdOf } from '../../src/rules/engine.ts';
import type { Recording } from './replay.ts';
import { bodyBytes, loadExchanges } from './replay.ts';

/** Recorded exchanges the host answers differently on purpose: why, and the answer it gives instead. */
const ISOLATION =
  'editors are isolated (issue 13): under the AccessPolicy deploy now installs, the SAS client does not see the two ' +
  'appointments the project admin posted, so its conditional PUT takes the create branch, which the bot refuses as a ' +
  'duplicate identifier (Medplum answered 412 under the criteria-less policy of sas-guard 8e7c0cb)';
const DIFFERENCES: Record<string, { why: string; status: number; rule: string }> = {
  'sas-flow/091-PUT-fhir-R4-Appointment.json': { why: ISOLATION, status: 422, rule: 'ID-3' },
  'sas-flow/092-PUT-fhir-R4-Appointment.json': { why: ISOLATION, status: 422, rule: 'ID-3' },
  'sas-flow/093-PUT-fhir-R4-Appointment.json': { why: ISOLATION, status: 422, rule: 'ID-3' },
};

/** Recorded answers the host sends uncompressed because its body is smaller: why. */
const UNCOMPRESSED: Record<string, string> = {
  'auth/002-POST-oauth2-token.json':
    "Medplum's token answer holds two signed JWTs (about 2 KB before redaction) and is compressed; the host's tokens " +
    'are 43-character opaque strings, and an answer under 1 KB is not compressed, by Medplum either',
};

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

let host: RunningHost;
const tokens = { sas: '', admin: '' };
const sasClient = { id: '', secret: '' };
/** Recorded id or version → the host's. */
const ids = new Map<string, string>();

function send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  const target = new URL(host.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        method,
        path,
        headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function decoded(answer: Answer): Buffer {
  switch (answer.headers['content-encoding']) {
    case 'br':
      return brotliDecompressSync(answer.body);
    case 'gzip':
      return gunzipSync(answer.body);
    case 'deflate':
      return inflateSync(answer.body);
    default:
      return answer.body;
  }
}

function json(bytes: Buffer): unknown {
  try {
    return bytes.length ? (JSON.parse(bytes.toString('utf8')) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Learns the host's ids and versions for the recorded ones, from two answers to the same request: walked side by
 * side, an `id`, a `versionId` or a reference (`Bot/<id>`) at the same place maps the recorded value to the host's.
 * The first answer naming an id (its creation) maps it; a Bundle only when both hold one entry (else the order could
 * pair different resources).
 */
function learn(recorded: unknown, hosted: unknown): void {
  if (Array.isArray(recorded) && Array.isArray(hosted)) {
    if (recorded.length === hosted.length) recorded.forEach((item, i) => learn(item, hosted[i]));
    return;
  }
  if (!recorded || !hosted || typeof recorded !== 'object' || typeof hosted !== 'object') return;
  const a = recorded as Record<string, unknown>;
  const b = hosted as Record<string, unknown>;
  if (a.resourceType !== b.resourceType) return;
  if (
    a.resourceType === 'Bundle' &&
    (!Array.isArray(a.entry) || a.entry.length !== 1 || !Array.isArray(b.entry) || b.entry.length !== 1)
  ) {
    return;
  }
  for (const [key, value] of Object.entries(a)) {
    const other = b[key];
    if (typeof value === 'string' && typeof other === 'string') {
      const reference = /^[A-Z][A-Za-z]+\/([\w-]+)$/;
      const pair =
        key === 'id' || key === 'versionId' ? [value, other] : [reference.exec(value)?.[1], reference.exec(other)?.[1]];
      if (pair[0] && pair[1] && !ids.has(pair[0])) ids.set(pair[0], pair[1]);
    } else {
      learn(value, other);
    }
  }
}

function mapped(text: string): string {
  let out = text;
  for (const [recorded, hosted] of ids) out = out.replaceAll(recorded, hosted);
  return out;
}

function header(headers: Record<string, string | string[]>, name: string): string | undefined {
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return found === undefined ? undefined : String(found[1]);
}

/** The shape of a body, the part the host must reproduce. */
function shape(body: unknown): unknown {
  const resource = body as (Resource & Record<string, unknown>) | undefined;
  if (!resource || typeof resource !== 'object' || !('resourceType' in resource))
    return body === undefined ? 'empty' : 'not FHIR';
  if (resource.resourceType === 'OperationOutcome') {
    const outcome = resource as OperationOutcome;
    return {
      id: outcome.id,
      issues: outcome.issue
        .map((i) => [i.severity, i.code, (i.expression ?? []).join(','), ruleIdOf(i) ?? ''].join(' '))
        .sort(),
    };
  }
  if (resource.resourceType === 'Bundle') return { type: (resource as Bundle).type, total: (resource as Bundle).total };
  return { resourceType: resource.resourceType };
}

/** Who sent it, as the notes of the recording say (the 412 set-up, 085–090, was the project admin's). */
function who(file: string, note: string | undefined): 'sas' | 'admin' | 'none' {
  if (/\(no auth\)/.test(note ?? '')) return 'none';
  return /project admin|412 setup/.test(note ?? '') ? 'admin' : 'sas';
}

async function token(id: string, secret: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret });
  const answer = await send(
    'POST',
    '/oauth2/token',
    { 'content-type': 'application/x-www-form-urlencoded' },
    Buffer.from(form.toString()),
  );
  return (json(answer.body) as { access_token: string }).access_token;
}

beforeAll(async () => {
  host = await start({
    port: 0,
    sasLayer: false,
    medplum: MEDPLUM_5_0_10,
    adminClient: { id: 'deployer', secret: 'deployer-secret' },
    // Closed, as every Medplum is (an open host serves requests without credentials as the project admin).
    token: 'host-admin-token',
    settings: {},
    log: () => undefined,
  });
  tokens.admin = await token('deployer', 'deployer-secret');
  const policies = json(
    (await send('GET', '/fhir/R4/AccessPolicy', { authorization: `Bearer ${tokens.admin}` })).body,
  ) as Bundle;
  const policy = policies.entry?.[0]?.resource;
  const created = await send(
    'POST',
    `/admin/projects/${host.project.id}/client`,
    { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
    Buffer.from(JSON.stringify({ name: 'Agenda T', accessPolicy: { reference: `AccessPolicy/${policy?.id ?? ''}` } })),
  );
  Object.assign(sasClient, json(created.body) as { id: string; secret: string });
  tokens.sas = await token(sasClient.id, sasClient.secret);
});
afterAll(async () => {
  await host.close();
});

/** The host's answer has the recorded status, significant headers and body shape (or the documented difference). */
function compare(file: string, response: Recording['response'], answer: Answer): void {
  const recordedBody = json(bodyBytes(response));
  const hostBody = json(decoded(answer));
  learn(recordedBody, hostBody);
  for (const name of ['location']) {
    const recordedLocation = header(response.headers, name);
    if (recordedLocation) {
      const [, id] = /\/Appointment\/([^/]+)$/.exec(recordedLocation) ?? [];
      const hostId = /\/Appointment\/([^/]+)$/.exec(String(answer.headers.location ?? ''))?.[1];
      if (id && hostId && !ids.has(id)) ids.set(id, hostId);
    }
  }
  const difference = DIFFERENCES[file];
  if (difference) {
    expect(answer.status, difference.why).toBe(difference.status);
    expect((hostBody as OperationOutcome).issue.map(ruleIdOf), difference.why).toContain(difference.rule);
    return;
  }
  const significant = (h: Record<string, string | string[] | undefined>) => ({
    status: 0,
    contentType: header(h as Record<string, string>, 'content-type'),
    contentEncoding: header(h as Record<string, string>, 'content-encoding') ?? 'identity',
    framing: header(h as Record<string, string>, 'transfer-encoding')
      ? 'chunked'
      : header(h as Record<string, string>, 'content-length') !== undefined
        ? 'length'
        : 'none',
    location: header(h as Record<string, string>, 'location') === undefined ? 'none' : 'Location',
    etag: /^W\/"[^"]+"$/.test(header(h as Record<string, string>, 'etag') ?? '')
      ? 'W/"…"'
      : (header(h as Record<string, string>, 'etag') ?? 'none'),
  });
  expect({
    ...significant(answer.headers as Record<string, string>),
    status: answer.status,
    body: shape(hostBody),
  }).toEqual({
    ...significant(response.headers),
    ...(UNCOMPRESSED[file] ? { contentEncoding: 'identity', framing: 'length' } : {}),
    status: response.status,
    body: shape(recordedBody),
  });
  if (answer.headers.location) {
    expect(answer.headers.location).toMatch(new RegExp(`^${host.baseUrl}/Appointment/[\\w-]+$`));
  }
}

const REQUEST_HEADERS = [
  'content-type',
  'accept',
  'accept-encoding',
  'if-match',
  'if-none-match',
  'if-none-exist',
  'prefer',
  'x-medplum',
];

describe('the SAS flow as recorded on Medplum 5.0.10', () => {
  const flow = loadExchanges('sas-flow').filter((e) => e.request.path !== '/oauth2/token');
  test.each(flow.map((e) => [e.file, e] as [string, Recording & { file: string }]))('%s', async (file, exchange) => {
    const { request, response } = exchange;
    const headers: Record<string, string> = {};
    for (const name of REQUEST_HEADERS) {
      const value = header(request.headers, name);
      if (value !== undefined) headers[name] = mapped(value);
    }
    const login = who(file, exchange.note);
    if (login !== 'none') headers.authorization = `Bearer ${tokens[login]}`;
    const body =
      request.body === undefined || request.bodyFormat === 'empty'
        ? undefined
        : Buffer.from(mapped(bodyBytes(request).toString('utf8')));
    const answer = await send(request.method ?? 'GET', mapped(request.path ?? '/'), headers, body);
    compare(file, response, answer);
  });
});

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const form = (fields: Record<string, string>): Buffer => Buffer.from(new URLSearchParams(fields).toString());

/** How each recorded authentication exchange is replayed with the host's own clients (secrets are redacted there). */
const AUTH: Record<string, () => { headers: Record<string, string>; body?: Buffer }> = {
  '001': () => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ grant_type: 'client_credentials', client_id: sasClient.id, client_secret: sasClient.secret }),
  }),
  // 001 asking compression as Node's fetch and browsers do: Medplum answers the token in br, chunked.
  '002': () => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-encoding': 'gzip, deflate, br' },
    body: form({ grant_type: 'client_credentials', client_id: sasClient.id, client_secret: sasClient.secret }),
  }),
  '003': () => ({
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic(sasClient.id, sasClient.secret),
    },
    body: form({ grant_type: 'client_credentials' }),
  }),
  '004': () => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ grant_type: 'client_credentials', client_id: sasClient.id, client_secret: 'wrong' }),
  }),
  '005': () => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({
      grant_type: 'client_credentials',
      client_id: '00000000-0000-4000-8000-000000000000',
      client_secret: 'x',
    }),
  }),
  '006': () => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ client_id: sasClient.id, client_secret: sasClient.secret }),
  }),
  '007': () => ({
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(
      JSON.stringify({ grant_type: 'client_credentials', client_id: sasClient.id, client_secret: sasClient.secret }),
    ),
  }),
  '008': () => ({ headers: {} }),
  '009': () => ({ headers: { authorization: 'Bearer not-a-token' } }),
  '010': () => ({ headers: { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.tampered' } }),
  '011': () => ({ headers: { authorization: 'Bearer garbage', 'accept-encoding': 'gzip, deflate, br' } }),
  '012': () => ({
    headers: { authorization: 'Bearer garbage', 'content-type': 'application/fhir+json' },
    body: Buffer.from('{"resourceType":"Appointment"}'),
  }),
  '018': () => ({ headers: { authorization: basic(sasClient.id, sasClient.secret) } }),
  '019': () => ({ headers: { authorization: basic(sasClient.id, 'wrong') } }),
  '020': () => ({ headers: { authorization: `Bearer ${tokens.sas}` } }),
  '021': () => ({
    headers: { authorization: `Bearer ${tokens.sas}`, 'content-type': 'application/fhir+json' },
    body: Buffer.from('{"resourceType":"Patient"}'),
  }),
  '022': () => ({
    headers: { authorization: `Bearer ${tokens.sas}`, 'content-type': 'application/fhir+json' },
    body: Buffer.from('{"resourceType":"Patient"}'),
  }),
  '023': () => ({ headers: { authorization: `Bearer ${tokens.sas}` } }),
  '024': () => ({ headers: { authorization: `Bearer ${tokens.sas}` } }),
  '025': () => ({ headers: { authorization: `Bearer ${tokens.sas}` } }),
  '026': () => ({ headers: { authorization: `Bearer ${tokens.sas}` } }),
};

// Not replayed: 013–017 (a client whose tokens live 2 s, to see the 401 of an
// expired token: the host's tokens live an hour).
describe('authentication as recorded on Medplum 5.0.10 (after the SAS flow: its appointment is mapped)', () => {
  const exchanges = loadExchanges('auth').filter((e) => AUTH[e.file.slice(5, 8)]);
  test.each(exchanges.map((e) => [e.file, e] as [string, Recording & { file: string }]))(
    '%s',
    async (file, exchange) => {
      const replay = AUTH[file.slice(5, 8)]?.();
      const answer = await send(
        exchange.request.method ?? 'GET',
        mapped(exchange.request.path ?? '/'),
        replay?.headers ?? {},
        replay?.body,
      );
      compare(file, exchange.response, answer);
    },
  );
});
