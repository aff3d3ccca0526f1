// Hostile bodies of about 1 MB (under the host's 1 MB limit), each built to cost as much as possible to judge; shared
// by test/reliability/hostile.test.ts and bench/hostile.ts.
import { appointmentWithIdentifier } from '../fixtures/appointments.ts';

export interface HostileBody {
  name: string;
  body: string;
  bytes: number;
}

const LIMIT = 1024 * 1024 - 64;

/** `base` with `key` set to as many copies of `item` as fit in LIMIT bytes. */
function filled(key: string, item: string): string {
  const base = JSON.stringify({ ...appointmentWithIdentifier('hostile'), [key]: [] });
  const room = LIMIT - base.length;
  const count = Math.floor(room / (item.length + 1));
  return base.replace(`"${key}":[]`, `"${key}":[${Array.from({ length: count }, () => item).join(',')}]`);
}

function nested(depth: number): string {
  const open = '{"url":"http://x","extension":['.repeat(depth);
  const close = ']}'.repeat(depth);
  const base = JSON.stringify(appointmentWithIdentifier('hostile'));
  return base
    .replace('"extension":[', `"extension":[${open}`)
    .replace(/\]\s*,\s*"identifier"/, `${close}],"identifier"`);
}

export function hostileBodies(): HostileBody[] {
  return [
    ['extension: [{}, {}, …]', filled('extension', '{}')],
    ['participant: [1, 1, …]', filled('participant', '1')],
    ['identifier: [{"value":" x"}, …]', filled('identifier', '{"value":" x"}')],
    ['an extension nested 5,000 deep', nested(5_000)],
  ].map(([name = '', body = '']) => ({ name, body, bytes: Buffer.byteLength(body) }));
}
