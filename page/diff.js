// The difference between two versions of a resource, element by element: each leaf by its path
// (`participant[0].status`), with its value before and after (undefined: absent on that side).

/** Fields every version changes; shown beside the version, not as a difference. */
const VERSION_FIELDS = new Set(['meta.versionId', 'meta.lastUpdated']);

/** Leaf paths and their values, in document order. */
export function flatten(value, path = '', into = new Map()) {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      into.set(path, []);
    }
    value.forEach((item, index) => flatten(item, `${path}[${index}]`, into));
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) {
      into.set(path, {});
    }
    for (const key of keys) {
      flatten(value[key], path ? `${path}.${key}` : key, into);
    }
  } else {
    into.set(path, value);
  }
  return into;
}

/** `[{ path, before, after }]` for every leaf that differs, those of `before` first in its order, then new ones. */
export function diff(before, after) {
  const old = flatten(before);
  const now = flatten(after);
  const changes = [];
  for (const [path, value] of old) {
    if (VERSION_FIELDS.has(path)) continue;
    const next = now.get(path);
    if (!now.has(path) || JSON.stringify(next) !== JSON.stringify(value)) {
      changes.push({ path, before: value, after: now.has(path) ? next : undefined });
    }
  }
  for (const [path, value] of now) {
    if (!old.has(path) && !VERSION_FIELDS.has(path)) {
      changes.push({ path, before: undefined, after: value });
    }
  }
  return changes;
}
