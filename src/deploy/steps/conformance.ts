// The SAS StructureDefinitions and ValueSets (profiles/generated/), found by url, written only when different.
import type { WithId } from '@medplum/core';
import { sameContent } from '../compare.ts';
import { step } from '../errors.ts';
import { deleteQuietly } from '../lookups.ts';
import type { ConformanceResource, InstallItem } from '../types.ts';
import type { DeployStep, StepContext, StepPlan } from './step.ts';
import { planned, ref } from './step.ts';

function matchesOf(ctx: StepContext, desired: ConformanceResource): WithId<ConformanceResource>[] {
  return ctx.state.conformance.filter((r) => r.resourceType === desired.resourceType && r.url === desired.url);
}

function install(ctx: StepContext): StepPlan {
  const writes: (() => Promise<void>)[] = [];
  const items = ctx.inputs.conformance.map((resource): InstallItem => {
    const type = resource.resourceType;
    const url = resource.url ?? '';
    const matches = matchesOf(ctx, resource);
    const current = matches[0];
    const detail = matches.length > 1 ? `${matches.length} resources hold this url; the first is kept` : undefined;
    if (!current) {
      const item: InstallItem = { kind: type, name: url, action: planned(ctx, 'created') };
      writes.push(async () => {
        const { id: _id, meta: _meta, ...body } = resource;
        item.reference = ref(await step(`creating ${type} ${url}`, () => ctx.medplum.createResource(body)));
      });
      return item;
    }
    if (sameContent(current, resource)) {
      return { kind: type, name: url, action: 'unchanged', reference: ref(current), detail };
    }
    writes.push(async () => {
      await step(`updating ${type} ${url}`, () =>
        ctx.medplum.updateResource<ConformanceResource>({ ...resource, id: current.id, meta: current.meta }),
      );
    });
    return { kind: type, name: url, action: planned(ctx, 'updated'), reference: ref(current), detail };
  });
  return {
    items,
    apply: writes.length ? async () => void (await Promise.all(writes.map((write) => write()))) : undefined,
  };
}

function uninstall(ctx: StepContext): StepPlan {
  const items = ctx.inputs.conformance.flatMap((desired): InstallItem[] => {
    const matches = matchesOf(ctx, desired);
    if (matches.length === 0) {
      return [{ kind: desired.resourceType, name: desired.url ?? '', action: 'absent' }];
    }
    return matches.map((match) => ({
      kind: desired.resourceType,
      name: desired.url ?? '',
      action: planned(ctx, 'deleted'),
      reference: ref(match),
    }));
  });
  const found = ctx.state.conformance;
  return {
    items,
    apply: found.length
      ? async () =>
          void (await Promise.all(
            found.map((resource) => deleteQuietly(ctx.medplum, resource.resourceType, resource.id)),
          ))
      : undefined,
  };
}

export const conformanceStep: DeployStep = { name: 'conformance resources', install, uninstall };
