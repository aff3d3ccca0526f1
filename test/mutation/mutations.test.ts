// The mutation list stays in step with the code: each mutation changes exactly one place of an existing file, and
// names test files that exist (`npm run mutation` then shows each one caught).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { MUTATIONS } from '../../scripts/mutations.ts';

const ROOT = join(import.meta.dirname, '..', '..');

test('mutation ids are unique', () => {
  expect(new Set(MUTATIONS.map((m) => m.id)).size).toBe(MUTATIONS.length);
});

test.each(MUTATIONS)('$id: finds exactly one place in $file, changes it, and names existing tests', (mutation) => {
  expect(mutation.file.startsWith('src/')).toBe(true);
  const text = readFileSync(join(ROOT, mutation.file), 'utf8');
  expect(text.split(mutation.find).length - 1).toBe(1);
  expect(mutation.replace).not.toBe(mutation.find);
  expect(mutation.tests.length).toBeGreaterThan(0);
  for (const test of mutation.tests) {
    expect(existsSync(join(ROOT, test)), test).toBe(true);
  }
});
