// Safe reads over an appointment nobody has validated yet: any field may be missing, null or of another type.

export type JsonRecord = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown): JsonRecord | undefined {
  return isRecord(value) ? value : undefined;
}

/** The elements of a FHIR array, or [] when it is absent or not an array. */
export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A property path read step by step: `path(x, 'a', 'b')` is `x.a.b` when every step is an object. */
export function path(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isRecord(current)) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}

/** The identifiers of the appointment, with their index. */
export function identifiers(appointment: unknown): { index: number; system: unknown; value: unknown }[] {
  return list(path(appointment, 'identifier')).map((identifier, index) => ({
    index,
    system: path(identifier, 'system'),
    value: path(identifier, 'value'),
  }));
}

/** `system|value` of the first identifier, when both are strings (the appointment's business key). */
export function identifierKey(appointment: unknown): { system: string; value: string } | undefined {
  const first = identifiers(appointment)[0];
  const system = text(first?.system);
  const value = text(first?.value);
  return system !== undefined && value !== undefined ? { system, value } : undefined;
}

/** The operator extensions, with their index in `Appointment.extension`. */
export function operatorExtensions(appointment: unknown, url: string): { index: number; extension: JsonRecord }[] {
  return list(path(appointment, 'extension')).flatMap((extension, index) =>
    isRecord(extension) && extension.url === url ? [{ index, extension }] : [],
  );
}

/** The codings of an identifier's `type`. */
export function typeCodings(identifier: unknown): { index: number; system: unknown; code: unknown }[] {
  return list(path(identifier, 'type', 'coding')).map((coding, index) => ({
    index,
    system: path(coding, 'system'),
    code: path(coding, 'code'),
  }));
}

/** Participants with their index. */
export function participants(appointment: unknown): { index: number; participant: unknown }[] {
  return list(path(appointment, 'participant')).map((participant, index) => ({ index, participant }));
}

/** Milliseconds since the epoch of a FHIR dateTime/instant, or undefined when it is not one. */
export function instant(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    return undefined;
  }
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** A canonical JSON string: keys sorted, so two equal resources compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    isRecord(inner)
      ? Object.fromEntries(
          Object.keys(inner)
            .sort()
            .map((key) => [key, inner[key]]),
        )
      : inner,
  );
}

/** A value as a message shows it: strings as they are, anything else as JSON. */
export function show(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
}
