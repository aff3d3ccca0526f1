// The StructureDefinitions `meta.profile` names, as the server finds them (a search by url, latest version first),
// with each one's parsed schema kept until a StructureDefinition is written. Medplum parses the SD on every validation,
// about ten times the cost of the validation itself; the parsed schema is registered under a name of its own and
// validated against with `validateTypedValue`, which is what `validateResource(resource, { profile })` runs: same
// issues, same throw. An SD without snapshot is parsed, and throws "No snapshot defined ...", on every call, as on
// Medplum.
import { getAllDataTypes, parseStructureDefinition, validateTypedValue } from '@medplum/core';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';

interface Entry {
  sd: StructureDefinition;
  typeName?: string;
}

export class ProfileCache {
  /** Profile URL → its StructureDefinition (null: none stored). */
  private readonly profiles = new Map<string, Entry | null>();
  private readonly find: (url: string) => Promise<StructureDefinition | undefined>;

  constructor(find: (url: string) => Promise<StructureDefinition | undefined>) {
    this.find = find;
  }

  /** Validates `resource` against the profile of `url`; false when no StructureDefinition has that url. */
  async validate(resource: Resource, url: string): Promise<boolean> {
    let entry = this.profiles.get(url);
    if (entry === undefined) {
      const sd = await this.find(url);
      entry = sd ? { sd } : null;
      this.profiles.set(url, entry);
    }
    if (!entry) {
      return false;
    }
    if (!entry.typeName) {
      const schema = parseStructureDefinition(entry.sd);
      entry.typeName = `sas-guard-host-profile:${entry.sd.id ?? ''}:${entry.sd.meta?.versionId ?? ''}`;
      getAllDataTypes()[entry.typeName] = schema;
    }
    validateTypedValue({ type: entry.typeName, value: resource });
    return true;
  }

  /** After any StructureDefinition write: the next validation searches again. */
  clear(): void {
    if (this.profiles.size === 0) {
      return;
    }
    const types = getAllDataTypes();
    for (const entry of this.profiles.values()) {
      if (entry?.typeName) {
        delete types[entry.typeName];
      }
    }
    this.profiles.clear();
  }
}
