// Comparing a stored resource with the one deploy wants, so that an unchanged resource is never written again.

/** Drops what a server may add or drop without changing meaning: null/undefined, empty strings, arrays and objects. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalize).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = normalize((value as Record<string, unknown>)[key]);
      if (item !== undefined) {
        out[key] = item;
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (value === null || value === '') {
    return undefined;
  }
  return value;
}

function withoutServerFields(resource: object): Record<string, unknown> {
  const { id: _id, meta: _meta, ...rest } = resource as Record<string, unknown>;
  return rest;
}

/** Same content, ignoring `id` and `meta` (versionId, lastUpdated, author, project...). */
export function sameContent(stored: object, desired: object): boolean {
  return (
    JSON.stringify(normalize(withoutServerFields(stored))) === JSON.stringify(normalize(withoutServerFields(desired)))
  );
}

/** Every field of `desired` (but id/meta) has the same value in `stored`; fields only `stored` has are ignored. */
export function containsContent(stored: object, desired: object): boolean {
  const have = withoutServerFields(stored);
  for (const [key, value] of Object.entries(withoutServerFields(desired))) {
    if (JSON.stringify(normalize(have[key])) !== JSON.stringify(normalize(value))) {
      return false;
    }
  }
  return true;
}
