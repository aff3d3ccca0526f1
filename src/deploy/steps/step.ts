// What one step of the installer is: for install and for uninstall, a plan (read the server, decide; nothing written),
// its writes (`apply`, skipped by a dry run), and what it verifies afterwards. A step that a Medplum version does in
// another way is another module with the same name and its own `supports` (src/deploy/steps/index.ts lists them).
import type { MedplumClient, WithId } from '@medplum/core';
import type { AccessPolicy, Bot, Project, Resource, Subscription } from '@medplum/fhirtypes';
import { sameContent } from '../compare.ts';
import { step } from '../errors.ts';
import type { ServerInfo } from '../server.ts';
import type {
  ConformanceResource,
  GuardDeployConfig,
  InstallAction,
  InstallCheck,
  InstallItem,
  SmokeTestResult,
} from '../types.ts';

/** The installer's inputs, defaults filled in. */
export interface DeployInputs {
  botName: string;
  botCode: string;
  botSource?: { text: string; filename: string };
  conformance: ConformanceResource[];
  config?: GuardDeployConfig;
  runtimeVersion: NonNullable<Bot['runtimeVersion']>;
  auditEventTrigger: NonNullable<Bot['auditEventTrigger']>;
  botTimeout?: number;
  enablePreCommitSetting: boolean;
  accessPolicy: boolean;
  smokeTest: boolean;
  /** Uninstall: delete the AccessPolicy even when memberships still use it. */
  force: boolean;
}

/** What the installer read at the start, in one round of parallel reads. */
export interface ProjectState {
  project: WithId<Project>;
  bots: WithId<Bot>[];
  policies: WithId<AccessPolicy>[];
  conformance: WithId<ConformanceResource>[];
}

export interface StepContext {
  medplum: MedplumClient;
  dryRun: boolean;
  log: (line: string) => void;
  server: ServerInfo;
  inputs: DeployInputs;
  state: ProjectState;
  /** Set by the steps, for the later ones and the report. */
  bot?: WithId<Bot>;
  subscription?: WithId<Subscription>;
  accessPolicy?: WithId<AccessPolicy>;
  smokeTest?: SmokeTestResult;
  /** Every check so far (the smoke test runs only when none is in error). */
  checks: InstallCheck[];
}

export interface StepPlan {
  /** What the step does, as the report shows it; `apply` may fill in references. */
  items: InstallItem[];
  /** The writes; absent when there is nothing to write. */
  apply?: () => Promise<void>;
  /** Checks once applied (in a dry run: on the plan). */
  verify?: () => Promise<InstallCheck[]> | InstallCheck[];
}

export interface DeployStep {
  name: string;
  /** Whether this way of doing the step works on this server (default: every server). */
  supports?: (server: ServerInfo) => boolean;
  install?: (ctx: StepContext) => Promise<StepPlan> | StepPlan;
  uninstall?: (ctx: StepContext) => Promise<StepPlan> | StepPlan;
}

/** The action a step decided, as a dry run says it. */
export function planned(ctx: Pick<StepContext, 'dryRun'>, action: 'created' | 'updated' | 'deleted'): InstallAction {
  if (!ctx.dryRun) {
    return action;
  }
  return action === 'created' ? 'would create' : action === 'updated' ? 'would update' : 'would delete';
}

export function ref(resource: Resource | undefined): string | undefined {
  return resource?.id ? `${resource.resourceType}/${resource.id}` : undefined;
}

/**
 * The plan for the one resource a step keeps (the AccessPolicy, the Subscription): created when absent, updated in
 * place when its content differs from `want`, else unchanged. `stored` is told the resource the server holds once
 * written; `creating` names the creation in an error.
 */
export function planOneResource<T extends Resource>(
  ctx: StepContext,
  item: InstallItem,
  current: WithId<T> | undefined,
  want: T,
  creating: string,
  stored: (resource: WithId<T>) => void,
): StepPlan {
  if (!current) {
    item.action = planned(ctx, 'created');
    return {
      items: [item],
      apply: async () => {
        const created = await step(creating, () => ctx.medplum.createResource(want));
        stored(created);
        item.reference = ref(created);
      },
    };
  }
  if (sameContent(current, want)) {
    return { items: [item] };
  }
  item.action = planned(ctx, 'updated');
  return {
    items: [item],
    apply: async () => {
      stored(
        await step(`updating ${current.resourceType}/${current.id}`, () =>
          ctx.medplum.updateResource<T>({ ...want, id: current.id, meta: current.meta }),
        ),
      );
    },
  };
}
