// The installer's steps on both Medplum lines the host can answer as (the current one, with
// POST admin/projects/:id/settings; and 5.0.10, without): a dry run predicts exactly what the real run does; a second
// run changes nothing; a deploy interrupted at any request and run again ends as one clean run.
import { MedplumClient } from '@medplum/core';
import type { Resource, ResourceType } from '@medplum/fhirtypes';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { bundleBot } from '../../src/build/bot-bundle.ts';
import { installSasGuard } from '../../src/deploy/installer.ts';
import type { InstallOptions, InstallReport } from '../../src/deploy/types.ts';
import { CURRENT_MEDPLUM, MEDPLUM_5_0_10 } from '../../src/host/flavor.ts';
import type { MedplumFlavor } from '../../src/host/flavor.ts';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';

let botCode: string;
beforeAll(async () => {
  botCode = await bundleBot();
});

const running: RunningHost[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((host) => host.close()));
});

interface Client {
  medplum: MedplumClient;
  /** Each request sent, `METHOD path`. */
  requests: string[];
}

/** A bare host answering as `flavor`; `client(cutAfter)` gives a client whose network fails after that many requests. */
async function bareHost(flavor: MedplumFlavor): Promise<(cutAfter?: number) => Client> {
  const host = await start({ bare: true, port: 0, log: () => undefined, medplum: flavor });
  running.push(host);
  return (cutAfter = Infinity) => {
    const requests: string[] = [];
    const counted = (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      if (requests.length >= cutAfter) {
        return Promise.reject(new TypeError('fetch failed (the network went away)'));
      }
      const href = typeof url === 'string' ? url : url instanceof URL ? url.href : url.url;
      requests.push(`${init?.method ?? 'GET'} ${href.replace(host.url, '')}`);
      return fetch(url, init);
    };
    return { medplum: new MedplumClient({ baseUrl: host.url, fetch: counted, cacheTime: 0 }), requests };
  };
}

const options = (extra: InstallOptions = {}): InstallOptions => ({
  botCode,
  smokeTest: true,
  config: { language: 'en' },
  ...extra,
});

/** kind name action, with a dry run's "would create" read as "created". */
function plan(report: InstallReport): string[] {
  return report.items.map(
    (i) => `${i.kind} ${i.name} ${i.action.replace(/^would (\w+?)e?$/, '$1ed').replace('createed', 'created')}`,
  );
}

/** What the project holds, ids left out: enough to tell two installations apart. */
async function installed(medplum: MedplumClient): Promise<unknown> {
  const strip = (resource: Resource): unknown => {
    const { id: _id, meta: _meta, ...rest } = resource as Resource & Record<string, unknown>;
    return JSON.parse(
      JSON.stringify(rest).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>'),
    ) as unknown;
  };
  const all = async (type: ResourceType): Promise<unknown[]> =>
    (await medplum.searchResources(type, { _count: '1000' }, { cache: 'no-cache' }))
      .map(strip)
      .map((r) => JSON.stringify(r))
      .sort();
  const project = await medplum.readResource(
    'Project',
    (await medplum.get<{ project: { id: string } }>('auth/me')).project.id,
    { cache: 'no-cache' },
  );
  return {
    conformance: [...(await all('StructureDefinition')), ...(await all('ValueSet'))],
    bots: await all('Bot'),
    subscriptions: await all('Subscription'),
    memberships: await all('ProjectMembership'),
    policies: await all('AccessPolicy'),
    setting: project.setting,
    secret: project.secret,
  };
}

describe.each([
  ['current Medplum', CURRENT_MEDPLUM],
  ['Medplum 5.0.10', MEDPLUM_5_0_10],
])('%s', (_name, flavor) => {
  test('the dry run predicts the real run exactly; a second run is all unchanged, as its dry run says', async () => {
    const { medplum, requests } = (await bareHost(flavor))();
    // A project without the pre-commit setting, as Medplum creates one: deploy must turn it on.
    const projectId = (await medplum.get<{ project: { id: string } }>('auth/me')).project.id;
    await medplum.updateResource({ ...(await medplum.readResource('Project', projectId)), setting: [] });
    const setUp = requests.length;
    const dry = await installSasGuard(medplum, options({ dryRun: true }));
    const real = await installSasGuard(medplum, options());
    expect(real.ok, JSON.stringify(real.checks)).toBe(true);
    expect(plan(dry)).toEqual(plan(real));
    const settingWrite = requests.slice(setUp).filter((r) => /settings|PUT fhir\/R4\/Project/.test(r));
    expect(settingWrite).toEqual(
      flavor.adminSettingsEndpoint
        ? [expect.stringMatching(/^POST admin\/projects\/.+\/settings$/)]
        : [expect.stringMatching(/^PUT fhir\/R4\/Project\//)],
    );

    const changed = options({ botCode: botCode + '\n// v2', config: { language: 'fr' } });
    const dryChange = await installSasGuard(medplum, { ...changed, dryRun: true });
    const realChange = await installSasGuard(medplum, changed);
    expect(plan(dryChange)).toEqual(plan(realChange));
    expect(plan(realChange)).toContain(
      'BotCode sha256 ' + realChange.items.find((i) => i.kind === 'BotCode')?.name.slice(7) + ' updated',
    );

    const again = await installSasGuard(medplum, { ...changed, dryRun: true });
    expect(new Set(again.items.map((i) => i.action))).toEqual(new Set(['unchanged']));
    expect(plan(await installSasGuard(medplum, changed))).toEqual(plan(again));
  });

  test('a deploy cut at any request, then run again, ends as one clean run', async () => {
    const clean = (await bareHost(flavor))();
    await installSasGuard(clean.medplum, options());
    const expected = await installed(clean.medplum);
    const total = clean.requests.length;
    expect(total).toBeGreaterThan(20);
    for (let cut = 1; cut < total; cut++) {
      const client = await bareHost(flavor);
      // Cut anywhere: deploy stops with an error (or, cut in the smoke test's clean-up, logs it and goes on).
      await installSasGuard(client(cut).medplum, options()).catch(() => undefined);
      const rerun = await installSasGuard(client().medplum, options());
      expect(rerun.ok, `cut after ${cut}: ${JSON.stringify(rerun.checks)}`).toBe(true);
      expect(await installed(client().medplum), `cut after ${cut}`).toEqual(expected);
      await running.pop()?.close();
    }
  }, 300_000);
});
