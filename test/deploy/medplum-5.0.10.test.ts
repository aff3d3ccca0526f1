// Deploy against what a real Medplum 5.0.10 answered (test/fixtures/medplum-5.0.10, replayed): a fresh project,
// where the recorded deploy of sas-guard 8e7c0cb failed on POST admin/projects/:id/settings (404: no such endpoint
// on 5.0.10). Deploy now reads the version and sets the project setting with GET + PUT Project, as a project admin
// can there; every request it makes is one the real server answered, and the smoke test passes.
import { MedplumClient } from '@medplum/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { bundleBot } from '../../src/build/bot-bundle.ts';
import { installSasGuard } from '../../src/deploy/installer.ts';
import type { ReplayServer } from '../contract/replay.ts';
import { inRecordedOrder, loadExchanges, replayServer } from '../contract/replay.ts';

const PROJECT = '12a560b4-d606-4cc8-b14f-213b224ef65a';
let replay: ReplayServer;
const answered: { key: string; file?: string }[] = [];

beforeAll(async () => {
  replay = await replayServer();
  replay.answer(
    inRecordedOrder(
      [...loadExchanges('deploy-first'), ...loadExchanges('deploy-fixed', ['002', '003', '015', '016', '017', '018'])],
      answered,
    ),
  );
});
afterAll(async () => {
  await replay.close();
});

test('a fresh 5.0.10 project: installed through the endpoints 5.0.10 has, setting by PUT Project, smoke test passed', async () => {
  const medplum = new MedplumClient({ baseUrl: replay.url, fetch: globalThis.fetch, cacheTime: 0 });
  await medplum.startClientLogin('121b2b35-f457-4080-983e-68f3a0af3ecc', 'recorded-secret-redacted');
  const report = await installSasGuard(medplum, { botCode: await bundleBot(), smokeTest: true });

  expect(answered.filter((r) => !r.file)).toEqual([]);
  expect(report.medplumVersion).toBe('5.0.10-6a4145c');
  expect(report.ok, JSON.stringify(report.checks)).toBe(true);
  expect(report.smokeTest).toMatchObject({ passed: true, violationStatus: 422, validStatus: 201 });
  const keys = answered.map((r) => r.key);
  expect(keys).not.toContain(`POST /admin/projects/${PROJECT}/settings?`);
  expect(keys).toContain(`PUT /fhir/R4/Project/${PROJECT}?`);
  expect(report.items.find((i) => i.kind === 'ProjectSetting')).toMatchObject({ action: 'created' });
});
