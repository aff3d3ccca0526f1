// The test bench page in a real browser (Debian's chromium through playwright-core): the README's curl flow sent to
// the host as `npm start` runs it, and what the page shows of it, live — rows, statuses, the 422's rules, a version
// diff, the checklist — then filters, counts, the language switch, and the token. Screenshots: test-results/.
import type { Page } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import { badJsonIssues } from '../fixtures/readme-flow.ts';
import { launchChromium } from './browser.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const RESULTS = join(ROOT, 'test-results');
const ID = 'urn:oid:1.1.111.1.11.1.1.1|b6e39355-8a61-4556-b340-36f7b95fec6a';
const BAD_ID = 'urn:oid:1.1.111.1.11.1.1.1|c0ffee00-0000-4000-8000-000000000001';

let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(RESULTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

/** `curl -X PUT "$B/Appointment?Identifier=…" -H 'Content-Type: application/json+fhir' --data-binary @examples/…`. */
function put(host: RunningHost, query: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${host.baseUrl}/Appointment?${query}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json+fhir', ...headers },
    body,
  });
}

const example = (name: string): string => readFileSync(join(EXAMPLES, name), 'utf8');

async function rows(page: Page): Promise<{ seq: number; status: string; rules: string[]; path: string }[]> {
  return page.$$eval('#requests tbody tr[data-seq]', (trs) =>
    trs.map((tr) => ({
      seq: Number(tr.getAttribute('data-seq')),
      path: tr.querySelector('.path')?.textContent ?? '',
      status: tr.querySelector('.status')?.textContent ?? '',
      rules: Array.from(tr.querySelectorAll('.rules a'), (a) => a.textContent ?? ''),
    })),
  );
}

async function rowCount(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('#requests tbody tr[data-seq]').length === n, count);
}

/** Each checklist item → the number of the request that proved it (its link reads `#<n> <method> <path> <status>`). */
async function checklist(page: Page): Promise<Record<string, number | undefined>> {
  const items = await page.$$eval('#checklist li', (lis) =>
    lis.map((li) => [li.getAttribute('data-item') ?? '', li.querySelector('a.proof')?.textContent] as const),
  );
  return Object.fromEntries(
    items.map(([item, proof]) => [item, proof ? Number(/^#(\d+) /.exec(proof)?.[1]) : undefined]),
  );
}

/** The page's script errors and the browser's console errors (a refused request, a CSP violation). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

describe('the page, open host', () => {
  let host: RunningHost;
  const lines: string[] = [];
  beforeAll(async () => {
    host = await start({ port: 0, log: (line) => lines.push(line), language: 'fr' });
  });
  afterAll(async () => {
    await host?.close();
  });

  test('the README flow, live: rows, statuses, the 422 rules, a version diff, checklist ticks', async () => {
    const page = await browser.context.newPage();
    const scriptErrors = watchErrors(page);
    await page.goto(host.url);
    await page.waitForSelector('#live[data-state="live"]');
    expect(await page.textContent('#requests tbody')).toContain('Aucune requête');

    // The README's "Try it", sent while the page is open: it must show each request without a reload.
    expect((await put(host, `Identifier=${ID}`, example('booked.json'))).status).toBe(201);
    expect((await put(host, `Identifier=${ID}`, example('booked.json'))).status).toBe(200);
    expect((await put(host, `Identifier=${ID}`, example('cancelled.json'))).status).toBe(200);
    expect((await put(host, `Identifier=${BAD_ID}`, example('bad.json'))).status).toBe(422);
    const malformed = await put(host, `identifier=${encodeURIComponent('urn:oid:1.2.3|x')}`, '{"resourceType":', {
      'Content-Type': 'application/fhir+json',
    });
    expect(malformed.status).toBe(400);
    const misspelt = await put(host, 'identifer=x', example('booked.json'), {
      'Content-Type': 'application/fhir+json',
    });
    expect(misspelt.status).toBe(400);
    await rowCount(page, 6);

    const shown = await rows(page);
    expect(shown.map((row) => [row.seq, row.status])).toEqual([
      [6, '400'],
      [5, '400'],
      [4, '422'],
      [3, '200'],
      [2, '200'],
      [1, '201'],
    ]);
    expect(shown[5]?.path).toBe(`/fhir/R4/Appointment?Identifier=${ID}`);
    const issues = badJsonIssues();
    expect(shown[2]?.rules).toEqual([
      ...issues.filter(([severity]) => severity === 'error').map(([, rule]) => rule),
      ...issues.filter(([severity]) => severity === 'warning').map(([, rule]) => rule),
    ]);
    const counts = await page.textContent('#counts');
    for (const count of ['200 ×2', '201 ×1', '400 ×2', '422 ×1', 'ST-2 ×1', 'TM-1 ×1']) {
      expect(counts).toContain(count);
    }

    // The SAS checklist, ticked by this traffic, each with the request that proved it.
    expect(await checklist(page)).toEqual({
      create: 1,
      update: 3,
      retry: 2,
      cancel: 3,
      rejected: 4,
      malformed: 5,
      'identifier-form': 1,
      'json-fhir': 1,
      'accept-json-fhir': undefined,
      'body-id': 1,
      'own-client': undefined,
    });
    expect(await page.textContent('#checklist li[data-item="rejected"] a.proof')).toBe(
      `#4 PUT /fhir/R4/Appointment?Identifier=${BAD_ID} 422`,
    );

    // The 422 opened: its OperationOutcome as a table, each rule linked to its catalogue entry.
    await page.click('#requests tr[data-seq="4"]');
    await page.waitForSelector('#detail table.outcome');
    const outcome = await page.$$eval('#detail table.outcome tbody tr', (trs) =>
      trs.map((tr) => Array.from((tr as HTMLTableRowElement).cells, (cell) => cell.textContent ?? '')),
    );
    expect(outcome.map(([severity, rule]) => [severity, rule])).toEqual(issues);
    expect(outcome[0]?.[2]).toBe('Appointment.participant[0].status');
    expect(outcome[0]?.[3]).toContain('« refused »');
    expect(await page.textContent('#detail .exchange')).toContain('"status": "refused"');
    await page.screenshot({ path: join(RESULTS, 'page-422.png'), fullPage: true });
    await page.click('#detail table.outcome a[href="#rule-ST-2"]');
    await page.waitForFunction(() => (document.getElementById('catalogue-details') as HTMLDetailsElement).open);
    expect(await page.textContent('#rule-ST-2')).toContain('accepted ou needs-action');

    // The cancellation opened: the appointment's two versions, and what changed between them.
    await page.click('#requests tr[data-seq="3"]');
    await page.waitForSelector('#detail ol.versions li:nth-child(2) table.diff');
    const versions = await page.$$eval('#detail ol.versions > li', (items) =>
      items.map((li) => ({
        here: li.classList.contains('here'),
        changes: Array.from(li.querySelectorAll('table.diff tbody tr'), (tr) =>
          Array.from((tr as HTMLTableRowElement).cells, (cell) => cell.textContent ?? ''),
        ),
      })),
    );
    expect(versions).toHaveLength(2);
    expect(versions.map((version) => version.here)).toEqual([false, true]);
    expect(versions[1]?.changes).toContainEqual(['status', 'booked', 'cancelled']);
    await page.screenshot({ path: join(RESULTS, 'page-versions.png'), fullPage: true });

    // Filters and counts.
    await page.fill('#filter-identifier', 'c0ffee00');
    await page.waitForFunction(() => document.querySelectorAll('#requests tbody tr[data-seq]').length === 1);
    expect((await rows(page))[0]?.seq).toBe(4);
    await page.click('#filters button[type="reset"]');
    await rowCount(page, 6);
    await page.selectOption('#filter-rule', 'ST-2');
    await rowCount(page, 1);
    await page.click('#filters button[type="reset"]');
    await page.click('#counts button:has-text("400")');
    await rowCount(page, 2);
    expect((await rows(page)).map((row) => row.seq)).toEqual([6, 5]);
    await page.click('#filters button[type="reset"]');

    // English labels; the checklist follows.
    await page.click('button[data-lang="en"]');
    expect(await page.textContent('h1')).toContain('SAS test bench');
    expect(await page.textContent('#checklist li[data-item="create"] .label')).toBe(
      'Create: 201 Created with Location',
    );

    // Live ticks: the editor's own client (Basic credentials) asking for the guide's Accept header.
    const client = await fetch(`${host.url}admin/projects/${host.project.id}/client`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Agenda X' }),
    });
    const { id, secret } = (await client.json()) as { id: string; secret: string };
    await rowCount(page, 7);
    const basic = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const other = 'urn:oid:1.1.111.1.11.1.1.1|c0ffee00-0000-4000-8000-0000000000aa';
    const body = JSON.parse(example('booked.json')) as { identifier: { value: string }[] };
    body.identifier = [{ ...body.identifier[0], value: other.split('|')[1] ?? '' }];
    const own = await put(host, `Identifier=${other}`, JSON.stringify(body), {
      authorization: basic,
      accept: 'application/json+fhir',
    });
    expect(own.status).toBe(201);
    await page.waitForSelector('#checklist li[data-item="own-client"].done');
    expect(await checklist(page)).toMatchObject({ 'own-client': 8, 'accept-json-fhir': 8 });
    expect((await rows(page))[0]).toMatchObject({ seq: 8, status: '201' });
    expect(await page.getAttribute('#requests tr[data-seq="8"] .client', 'title')).toBe(`ClientApplication/${id}`);
    expect(await page.textContent('#requests tr[data-seq="1"] .client')).toBe("host's admin");

    // The client's secret, answered by POST admin/projects/:id/client, is not in what the page is given.
    const entry = await page.evaluate(async () => (await fetch('/_sas-guard/api/requests/7')).text());
    expect(entry).not.toContain(secret);
    const answered = (JSON.parse(entry) as { response: { body: { text: string } } }).response.body.text;
    expect(JSON.parse(answered)).toMatchObject({ resourceType: 'ClientApplication', secret: '[redacted]' });
    expect(scriptErrors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('the page, SAS_GUARD_TOKEN set', () => {
  const TOKEN = 'page-test-token-0123456789';
  let host: RunningHost;
  const lines: string[] = [];
  beforeAll(async () => {
    host = await start({ port: 0, token: TOKEN, log: (line) => lines.push(line) });
  });
  afterAll(async () => {
    await host?.close();
  });

  test('the page, its data and its stream need the token; typed once, the page works live', async () => {
    const root = await fetch(host.url);
    expect(root.status).toBe(401);
    expect(await root.text()).toContain('name="token"');
    for (const path of ['_sas-guard/api/events', '_sas-guard/api/requests', '_sas-guard/api/requests/1']) {
      expect((await fetch(host.url + path)).status, path).toBe(401);
      const wrong = await fetch(host.url + path, { headers: { authorization: 'Bearer not-the-page-token' } });
      expect(wrong.status, `${path} with a wrong bearer`).toBe(401);
    }
    const scripted = await fetch(`${host.url}_sas-guard/api/requests`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(scripted.status).toBe(200);

    const page = await browser.context.newPage();
    await page.goto(host.url);
    await page.fill('input[name="token"]', 'wrong-token-0000000000');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#wrong:not([hidden])');
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForSelector('#live[data-state="live"]');
    expect(page.url()).toBe(host.url);

    const created = await put(host, `Identifier=${ID}`, example('booked.json'), { authorization: `Bearer ${TOKEN}` });
    expect(created.status).toBe(201);
    const refused = await put(host, `Identifier=${ID}`, example('booked.json'), { authorization: 'Bearer nope' });
    expect(refused.status).toBe(401);
    await rowCount(page, 2);
    expect((await rows(page)).map((row) => row.status)).toEqual(['401', '201']);
    const detail = await page.evaluate(async () => (await fetch('/_sas-guard/api/requests/1')).text());
    expect(detail).toContain('"authorization":"Bearer [redacted]"');
    expect(detail).not.toContain(TOKEN);
    expect(lines.join('\n')).not.toContain(TOKEN);
    await page.close();
  }, 60_000);
});
