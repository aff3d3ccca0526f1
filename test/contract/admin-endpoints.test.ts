// The admin routes deploy calls, answered by the embedded host as a real Medplum 5.0.10 answered them (the recorded
// exchanges in test/fixtures/medplum-5.0.10): status, Content-Type (Medplum's admin routes answer application/json,
// not FHIR JSON) and the resource returned. Sent with Node's fetch, which asks gzip and deflate.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { startHost } from '../host/helpers.ts';
import { bodyBytes, recording } from './replay.ts';

const RECORDED_PROJECT = '12a560b4-d606-4cc8-b14f-213b224ef65a';

let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host.close();
});

test.each([
  'admin-endpoints/004-POST-admin-projects-12a560b4-d606-4cc8-b14f-213b224ef65a-secrets.json',
  'setup/010-POST-admin-projects-12a560b4-d606-4cc8-b14f-213b224ef65a-client.json',
  'deploy-first/018-POST-admin-projects-12a560b4-d606-4cc8-b14f-213b224ef65a-bot.json',
])('%s', async (file) => {
  const { request, response } = recording(file);
  const answer = await fetch(`${host.url}${(request.path ?? '').slice(1).replace(RECORDED_PROJECT, host.project.id)}`, {
    method: request.method,
    headers: { 'content-type': 'application/json' },
    body: bodyBytes(request).toString('utf8'),
  });
  const body = (await answer.json()) as { resourceType?: string };
  expect(answer.status).toBe(response.status);
  expect(answer.headers.get('content-type')).toBe(response.headers['Content-Type']);
  expect(body.resourceType).toBe((response.body as { resourceType?: string }).resourceType);
});
