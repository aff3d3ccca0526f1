// Structural validation exactly as the Medplum server runs it on a write: the base StructureDefinition of the
// resource type, then each `meta.profile` the server holds a StructureDefinition for (unknown URLs are skipped), the
// first failure answering 400 with that validation's issues.
//
// The one difference is cost: the server (and validateResource(resource, { profile })) parses the profile's
// StructureDefinition on every call (~7 ms for FrAppointmentSAS). Here each profile is parsed once. @medplum/core
// 5.2.13 does not export its validator class, so the parsed schema is handed to it through the datatype map: for the
// one lookup the validator's constructor makes (getDataType(resourceType)), the entry answers the parsed profile, then
// reverts to the base schema. Everything else (FHIRPath constraints, nested types) sees exactly what
// validateResource(resource, { profile }) sees; test/check/validate.test.ts compares both on varied input.
import {
  getAllDataTypes,
  isResourceType,
  parseStructureDefinition,
  validateResource,
  validateTypedValue,
} from '@medplum/core';
import type { InternalTypeSchema } from '@medplum/core';
import type { OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { indexAllDefinitions, indexDefinitionsFor } from './definitions.ts';
import { issuesOf } from '../profiles/issues-of.ts';

export interface ValidationResult {
  /** The issues of the failing validation (errors and warnings), or every warning when all passed. */
  issues: OperationOutcomeIssue[];
  /** True when a validation failed: the server answers 400 with `issues`. */
  failed: boolean;
  /** meta.profile URLs that named no known StructureDefinition: skipped, as the server skips them. */
  skippedProfiles: string[];
}

/** Runs a validation that throws an OperationOutcomeError on errors and returns warnings otherwise. */
function run(validate: () => OperationOutcomeIssue[]): { issues: OperationOutcomeIssue[]; failed: boolean } {
  try {
    return { issues: validate(), failed: false };
  } catch (err) {
    return { issues: issuesOf(err), failed: true };
  }
}

/** Validates `resource` against a parsed profile schema, as validateResource(resource, { profile }) would. */
function validateWithSchema(resource: Resource, schema: InternalTypeSchema): OperationOutcomeIssue[] {
  const types = getAllDataTypes();
  const type = resource.resourceType;
  const base = types[type];
  let served = false;
  Object.defineProperty(types, type, {
    configurable: true,
    enumerable: true,
    get(): InternalTypeSchema | undefined {
      if (served) {
        return base;
      }
      served = true;
      return schema;
    },
  });
  try {
    return validateTypedValue({ type, value: resource });
  } finally {
    Object.defineProperty(types, type, { configurable: true, enumerable: true, writable: true, value: base });
  }
}

/** The server's structural validation with a fixed set of StructureDefinitions (the project's profiles). */
export class StructuralValidator {
  private readonly profiles = new Map<string, InternalTypeSchema>();
  /** False: always the server's order, base definition first (for comparison tests). */
  private readonly fast: boolean;

  /** `profiles`: the StructureDefinitions (with snapshots) the server holds, by their `url`. */
  constructor(
    profiles: readonly StructureDefinition[],
    options: { resourceTypes?: readonly string[]; fast?: boolean } = {},
  ) {
    const resourceTypes = options.resourceTypes ?? ['Appointment'];
    this.fast = options.fast ?? true;
    indexDefinitionsFor(resourceTypes);
    for (const sd of profiles) {
      if (!this.profiles.has(sd.url)) {
        // Throws "No snapshot defined" as the server does for a profile without a snapshot.
        this.profiles.set(sd.url, parseStructureDefinition(sd));
      }
    }
  }

  /** The profile URLs this validator knows. */
  get profileUrls(): string[] {
    return [...this.profiles.keys()];
  }

  validate(resource: Resource): ValidationResult {
    if (Array.isArray((resource as { contained?: unknown }).contained) || !isResourceType(resource.resourceType)) {
      // A contained resource is validated with its own type's base schema, which may not be indexed yet.
      indexAllDefinitions();
    }
    const skippedProfiles: string[] = [];
    const schemas: InternalTypeSchema[] = [];
    const declared = resource.meta?.profile;
    for (const url of Array.isArray(declared) ? declared : []) {
      const schema = typeof url === 'string' ? this.profiles.get(url) : undefined;
      if (schema) {
        schemas.push(schema);
      } else {
        skippedProfiles.push(String(url));
      }
    }
    // Fast path: a resource that conforms to a profile derived from its base definition conforms to the base
    // definition (the snapshot carries every base element, cardinality and constraint, only narrowed), so the base
    // validation, whose outcome the server would only show if it failed, is run when a profile fails, to tell which
    // outcome the server returns. test/check/validate.test.ts compares this with the server's order on varied input.
    const [firstSchema] = schemas;
    if (firstSchema && this.fast) {
      const first = run(() => validateWithSchema(resource, firstSchema));
      if (!first.failed) {
        const rest = this.validateProfiles(resource, schemas.slice(1));
        return { ...rest, issues: dedupe([...first.issues, ...rest.issues]), skippedProfiles };
      }
    }
    const base = run(() => validateResource(resource));
    if (base.failed) {
      return { issues: base.issues, failed: true, skippedProfiles };
    }
    const profiles = this.validateProfiles(resource, schemas);
    return { ...profiles, issues: dedupe([...base.issues, ...profiles.issues]), skippedProfiles };
  }

  /** Each profile in order, stopping at the first failure (whose issues are the outcome). */
  private validateProfiles(
    resource: Resource,
    schemas: readonly InternalTypeSchema[],
  ): { issues: OperationOutcomeIssue[]; failed: boolean } {
    const warnings: OperationOutcomeIssue[] = [];
    for (const schema of schemas) {
      const result = run(() => validateWithSchema(resource, schema));
      if (result.failed) {
        return result;
      }
      warnings.push(...result.issues);
    }
    return { issues: warnings, failed: false };
  }
}

/** Warnings once each (the base definition and a profile report the same ones). */
function dedupe(issues: readonly OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = JSON.stringify(issue);
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}
