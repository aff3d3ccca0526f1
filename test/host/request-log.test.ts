// The embedded host's request log, over real HTTP: one whole line per request on the host's log (400s and 413s too,
// the rule ids of a 422, the installer's requests summarised), a bounded ring, bodies cut past a size and saying so,
// and no secret kept — neither the configured ones nor those a request or an answer carries.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_LOG_SIZE, logSizeFrom } from '../../src/host/request-log.ts';
import { REDACTED } from '../../src/host/redact.ts';
import { MAX_LOGGED_BODY_BYTES } from '../../src/host/logged-request.ts';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import { badJsonIssues } from '../fixtures/readme-flow.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const ID = 'urn:oid:1.1.111.1.11.1.1.1|b6e39355-8a61-4556-b340-36f7b95fec6a';

function put(host: RunningHost, query: string, body: string, contentType = 'application/json+fhir') {
  return fetch(`${host.baseUrl}/Appointment?${query}`, {
    method: 'PUT',
    headers: { 'content-type': contentType },
    body,
  });
}

describe('the host log, as npm start runs it', () => {
  let host: RunningHost;
  const lines: string[] = [];
  beforeAll(async () => {
    host = await start({ port: 0, log: (line) => lines.push(line) });
  });
  afterAll(async () => {
    await host?.close();
  });

  test('one whole line per request, 400s and 413s too; the installer in one line', async () => {
    const summary = lines.findIndex((line) => /^installer: \d+ requests \((\d{3} ×\d+(, )?)+\), not listed/.test(line));
    expect(summary).toBeGreaterThanOrEqual(0);
    expect(lines.some((line) => /^(GET|POST|PUT) \//.test(line))).toBe(false);
    const before = lines.length;

    expect((await put(host, `Identifier=${ID}`, readFileSync(join(EXAMPLES, 'booked.json'), 'utf8'))).status).toBe(201);
    const bad = 'urn:oid:1.1.111.1.11.1.1.1|c0ffee00-0000-4000-8000-000000000001';
    expect((await put(host, `Identifier=${bad}`, readFileSync(join(EXAMPLES, 'bad.json'), 'utf8'))).status).toBe(422);
    expect((await put(host, 'identifier=urn:oid:1.2.3|x', '{"resourceType":', 'application/fhir+json')).status).toBe(
      400,
    );
    expect((await put(host, 'identifier=urn:oid:1.2.3|x', 'x', 'text/plain')).status).toBe(415);
    expect((await fetch(`${host.baseUrl}/Appointment/nowhere`)).status).toBe(404);
    const tooLarge = await fetch(`${host.baseUrl}/Appointment`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: 'x'.repeat(1024 * 1024 + 1),
    }).catch(() => undefined);
    expect(tooLarge?.status ?? 413).toBe(413);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const requestLines = lines.slice(before);
    const errors = badJsonIssues().filter(([severity]) => severity === 'error');
    const warnings = badJsonIssues().filter(([severity]) => severity === 'warning');
    const caller = `ClientApplication/${host.clientApplication.id}`;
    expect(requestLines).toHaveLength(6);
    expect(requestLines[0]).toMatch(
      new RegExp(`^PUT /fhir/R4/Appointment\\?Identifier=${ID.replace(/[.|]/g, '\\$&')} 201 [\\d.]+ ms ${caller}$`),
    );
    expect(requestLines[1]).toMatch(
      new RegExp(
        ` 422 [\\d.]+ ms ${caller}: ${errors.map(([, id]) => id).join(' ')} \\(warnings ${warnings.map(([, id]) => id).join(' ')}\\)$`,
      ),
    );
    expect(requestLines[2]).toMatch(
      /^PUT \/fhir\/R4\/Appointment\?identifier=urn:oid:1\.2\.3\|x 400 .*: Content could not be parsed$/,
    );
    expect(requestLines[3]).toMatch(
      / 415 .*: Content-Type text\/plain is not read: send application\/fhir\+json \(or the older application\/json\+fhir\)$/,
    );
    expect(requestLines[4]).toMatch(/^GET \/fhir\/R4\/Appointment\/nowhere 404 .*: Not found$/);
    expect(requestLines[5]).toMatch(
      /^POST \/fhir\/R4\/Appointment 413 [\d.]+ ms unauthenticated: Request body exceeds 1048576 bytes$/,
    );
    // No other line for the refusal (the bot's output cut at 300 characters was), and no line broken in two.
    expect(lines.filter((line) => line.includes('refused Appointment'))).toEqual([]);
    expect(lines.filter((line) => line.includes('\n'))).toEqual([]);
  });
});

describe('the ring', () => {
  const TOKEN = 'request-log-test-token-42';
  const ADMIN = { id: 'request-log-admin', secret: 'request-log-admin-secret-0123456789' };
  let host: RunningHost;
  beforeAll(async () => {
    host = await start({ bare: true, port: 0, log: () => undefined, token: TOKEN, adminClient: ADMIN, logSize: 6 });
  });
  afterAll(async () => {
    await host?.close();
  });

  const auth = { authorization: `Bearer ${TOKEN}` };

  test('keeps the newest requests only', async () => {
    const first = host.requestLog.total;
    for (let n = 0; n < 6; n++) {
      await (await fetch(`${host.url}healthcheck`)).text();
    }
    for (let n = 0; n < 2; n++) {
      await (await fetch(`${host.url}healthcheck`)).text();
    }
    expect(host.requestLog.size).toBe(6);
    expect(host.requestLog.entries().map((entry) => entry.seq)).toEqual([8, 7, 6, 5, 4, 3].map((n) => first + n));
    expect(host.requestLog.get(first + 2)).toBeUndefined();
    expect(host.requestLog.get(first + 8)?.url).toBe('/healthcheck');
  });

  test('holds no secret: credentials, token answers, client and project secrets, the configured ones', async () => {
    const basic = `Basic ${Buffer.from(`${ADMIN.id}:${ADMIN.secret}`).toString('base64')}`;
    // A configured secret where no field name says so (a sender pasting it into a body) is blanked too.
    const pasted = await fetch(`${host.baseUrl}/Binary`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: `note: ${TOKEN} / ${ADMIN.secret}`,
    });
    expect(pasted.status).toBe(201);
    const pastedEntry = JSON.stringify(host.requestLog.entries()[0]);
    expect(pastedEntry).toContain(`note: ${REDACTED} / ${REDACTED}`);
    const client = await fetch(`${host.url}admin/projects/${host.project.id}/client`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Agenda X' }),
    });
    const created = (await client.json()) as { id: string; secret: string };
    const token = await fetch(`${host.url}oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: created.id,
        client_secret: created.secret,
      }),
    });
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    await (await fetch(`${host.baseUrl}/Appointment`, { headers: { authorization: `Bearer ${accessToken}` } })).text();
    const projectSecret = 'a-project-secret-value-9876';
    const secrets = await fetch(`${host.url}admin/projects/${host.project.id}/secrets`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify([{ name: 'SOME_SECRET', valueString: projectSecret }]),
    });
    expect(secrets.status).toBe(200);
    await (await fetch(`${host.baseUrl}/ClientApplication/${ADMIN.id}`, { headers: auth })).text();
    const inQuery = await fetch(`${host.url}healthcheck?access_token=${accessToken}&client_secret=${created.secret}`);
    expect(inQuery.status).toBe(200);

    const kept = JSON.stringify(host.requestLog.entries());
    for (const secret of [TOKEN, ADMIN.secret, created.secret, accessToken, projectSecret]) {
      expect(kept).not.toContain(secret);
    }
    const [query, read, setSecrets, search] = host.requestLog.entries();
    expect(query?.url).toBe('/healthcheck?access_token=[redacted]&client_secret=[redacted]');
    expect(JSON.parse(read?.response.body.text ?? '')).toMatchObject({ id: ADMIN.id, secret: '[redacted]' });
    expect(read?.request.headers.authorization).toBe('Bearer [redacted]');
    expect(JSON.parse(setSecrets?.request.body.text ?? '')).toEqual([
      { name: 'SOME_SECRET', valueString: '[redacted]' },
    ]);
    expect(JSON.parse(setSecrets?.response.body.text ?? '')).toMatchObject({
      secret: [{ name: 'SOME_SECRET', valueString: '[redacted]' }],
    });
    expect(setSecrets?.request.headers.authorization).toBe('Basic [redacted]');
    expect(search?.caller).toBe(`ClientApplication/${created.id}`);
    const tokenExchange = host.requestLog.entries().find((entry) => entry.url === '/oauth2/token');
    expect(new URLSearchParams(tokenExchange?.request.body.text).get('client_secret')).toBe('[redacted]');
    expect(JSON.parse(tokenExchange?.response.body.text ?? '')).toMatchObject({ access_token: '[redacted]' });
  });

  test('keeps a large body cut, and says so', async () => {
    const text = 'é'.repeat(100_000);
    const binary = await fetch(`${host.baseUrl}/Binary`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: text,
    });
    expect(binary.status).toBe(201);
    const [entry] = host.requestLog.entries();
    // 2 bytes each: the first MAX_LOGGED_BODY_BYTES bytes; one byte further would have split an 'é'.
    expect(entry?.request.body).toEqual({
      bytes: 200_000,
      text: 'é'.repeat(MAX_LOGGED_BODY_BYTES / 2),
      truncated: true,
    });
    const split = await fetch(`${host.baseUrl}/Binary`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: `x${text}`,
    });
    expect(split.status).toBe(201);
    expect(host.requestLog.entries()[0]?.request.body.text).toBe(`x${'é'.repeat(MAX_LOGGED_BODY_BYTES / 2 - 1)}`);
    expect(entry?.response.body.truncated).toBe(true);
  });
});

test('SAS_GUARD_LOG_SIZE: default 500, a wrong value refused in one line', async () => {
  expect(logSizeFrom(undefined)).toBe(DEFAULT_LOG_SIZE);
  expect(logSizeFrom('20')).toBe(20);
  for (const wrong of ['0', '-3', '2.5', 'many', '1000000']) {
    expect(() => logSizeFrom(wrong)).toThrow(
      /^Invalid sas-guard configuration: SAS_GUARD_LOG_SIZE is "[^"]*" \(expected a whole number of requests, 1 to 100000\)$/,
    );
  }
  await expect(
    start({ bare: true, port: 0, log: () => undefined, settings: { SAS_GUARD_LOG_SIZE: 'lots' } }),
  ).rejects.toThrow(/SAS_GUARD_LOG_SIZE is "lots"/);
});

test('--medplum-only: `/` answers Medplum\'s "OK", no page; each request still has its line', async () => {
  const lines: string[] = [];
  const host = await start({ bare: true, port: 0, sasLayer: false, log: (line) => lines.push(line) });
  try {
    const root = await fetch(host.url);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await root.text()).toBe('OK');
    const api = await fetch(`${host.url}_sas-guard/api/requests`);
    expect(api.status).toBe(404);
    expect(await api.text()).toContain('Cannot GET /_sas-guard/api/requests');
    expect(lines).toEqual([
      expect.stringMatching(/^GET \/ 200 /),
      expect.stringMatching(/^GET \/_sas-guard\/api\/requests 404 /),
    ]);
  } finally {
    await host.close();
  }
});
