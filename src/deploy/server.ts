// The Medplum server deploy talks to: its version (GET /healthcheck), the login's project and whether it is a project
// admin (GET /auth/me). Steps choose how they work from this.
import type { MedplumClient } from '@medplum/core';
import { DeployError, describeError, step } from './errors.ts';

export const NO_CACHE = { cache: 'no-cache' } as const;

export interface ServerInfo {
  baseUrl: string;
  projectId: string;
  /** Medplum's version, e.g. `5.0.10-6a4145c`; undefined when /healthcheck gave none. */
  version?: string;
  admin: boolean;
}

export async function readServer(medplum: MedplumClient): Promise<ServerInfo> {
  const baseUrl = medplum.getBaseUrl();
  const [health, me] = await Promise.all([
    medplum
      .get<{ version?: string }>('healthcheck', { ...NO_CACHE, maxRetries: 0 })
      .catch((err: unknown): { version?: string } => {
        if (describeError(err).message.startsWith('cannot reach')) {
          throw err;
        }
        return {};
      }),
    step('reading the login (GET auth/me)', () =>
      medplum.get<{ project?: { id?: string }; membership?: { admin?: boolean } }>('auth/me', {
        ...NO_CACHE,
        maxRetries: 0,
      }),
    ),
  ]);
  const projectId = me.project?.id;
  if (!projectId) {
    throw new DeployError('GET auth/me gave no project: log in as a client or user of the target project');
  }
  return { baseUrl, projectId, version: health.version, admin: me.membership?.admin === true };
}

export function requireAdmin(server: ServerInfo): void {
  if (!server.admin) {
    throw new DeployError(
      `forbidden: the login is not an admin of project ${server.projectId}`,
      "deploy creates a Bot, Subscriptions, AccessPolicies and project secrets: set admin: true on the deploying client's ProjectMembership (Medplum app: Admin → Project → Clients)",
    );
  }
}

/** `version` ≥ `minimum`? Accepts Medplum's `5.0.10-abc1234` form; undefined when unreadable. */
export function versionAtLeast(version: string | undefined, minimum: string): boolean | undefined {
  const parse = (v: string): number[] | undefined => {
    const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
    return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
  };
  const have = version ? parse(version) : undefined;
  const need = parse(minimum);
  if (!have || !need) {
    return undefined;
  }
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a !== b) {
      return a > b;
    }
  }
  return true;
}
