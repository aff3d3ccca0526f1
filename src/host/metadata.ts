// GET [base]/metadata: what the embedded host declares (Medplum's own statement lists every type; this one lists
// what sas-guard and its installer use).
import { MEDPLUM_VERSION } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource, ResourceType } from '@medplum/fhirtypes';

const ADMIN_TYPES: ResourceType[] = [
  'StructureDefinition',
  'ValueSet',
  'CodeSystem',
  'Bot',
  'Subscription',
  'AccessPolicy',
  'ProjectMembership',
  'Binary',
  'Project',
];

const CRUD: CapabilityStatementRestResource['interaction'] = [
  { code: 'read' },
  { code: 'vread' },
  { code: 'update' },
  { code: 'patch' },
  { code: 'delete' },
  { code: 'history-instance' },
  { code: 'create' },
  { code: 'search-type' },
];

export function capabilityStatement(): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    software: { name: 'sas-guard embedded host (Medplum fhir-router)', version: MEDPLUM_VERSION },
    rest: [
      {
        mode: 'server',
        resource: [
          {
            type: 'Appointment',
            profile: 'http://hl7.org/fhir/StructureDefinition/Appointment',
            interaction: CRUD,
            versioning: 'versioned',
            readHistory: true,
            updateCreate: true,
            conditionalCreate: true,
            conditionalUpdate: true,
            conditionalDelete: 'single',
            searchParam: [
              { name: 'identifier', type: 'token' },
              { name: '_id', type: 'token' },
              { name: 'status', type: 'token' },
              { name: 'date', type: 'date' },
            ],
          },
          ...ADMIN_TYPES.map((type): CapabilityStatementRestResource => ({
            type,
            interaction: CRUD,
            versioning: 'versioned',
            updateCreate: true,
            conditionalCreate: true,
            conditionalUpdate: true,
          })),
        ],
      },
    ],
  };
}
