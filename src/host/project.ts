// The host's single Medplum project, as a new Medplum project starts: the Project (feature bots, pre-commit setting
// on), its admin client application with an admin ProjectMembership, and the repository that holds them.
import type { WithId } from '@medplum/core';
import { createReference } from '@medplum/core';
import type { ClientApplication, Project, ProjectMembership, Reference } from '@medplum/fhirtypes';
import { randomBytes, randomUUID } from 'node:crypto';
import { PRE_COMMIT_SETTING } from '../medplum.ts';
import { HostRepository } from './repo.ts';

export interface HostProject {
  repo: HostRepository;
  project: WithId<Project>;
  /** The project's admin client: the writer of requests that name no other. */
  clientApplication: WithId<ClientApplication>;
  systemAuthor: Reference;
  membership: WithId<ProjectMembership>;
}

/** `adminClient`: the admin client's id and secret (client credentials); without, a random id and a secret nobody knows. */
export async function createHostProject(
  log: (line: string) => void,
  adminClient?: { id: string; secret: string },
): Promise<HostProject> {
  const clientApplication: WithId<ClientApplication> = {
    resourceType: 'ClientApplication',
    id: adminClient?.id ?? randomUUID(),
    name: 'sas-guard embedded host',
    secret: adminClient?.secret ?? randomBytes(32).toString('hex'),
  };
  const systemAuthor = createReference(clientApplication);
  const repo = new HostRepository({ systemAuthor, log });
  const project = await repo.store<Project>({
    resourceType: 'Project',
    id: randomUUID(),
    name: 'sas-guard',
    features: ['bots'],
    setting: [{ name: PRE_COMMIT_SETTING, valueBoolean: true }],
    meta: { author: systemAuthor },
  });
  repo.projectId = project.id;
  await repo.store<ClientApplication>({ ...clientApplication, meta: { project: project.id, author: systemAuthor } });
  const membership = await repo.store<ProjectMembership>({
    resourceType: 'ProjectMembership',
    id: randomUUID(),
    project: createReference(project),
    user: systemAuthor,
    profile: systemAuthor,
    admin: true,
    meta: { project: project.id, author: systemAuthor },
  });
  return { repo, project, clientApplication, systemAuthor, membership };
}
