import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { MUTATIONS } from '../../scripts/mutations.ts';
import { renderGuarantees } from '../../scripts/guarantees-doc.ts';

test('docs/guarantees.md is what scripts/mutations.ts generates (run `npm run docs:guarantees` after changing it)', () => {
  const committed = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'guarantees.md'), 'utf8');
  expect(committed).toBe(renderGuarantees());
});

test('every mutation is one row naming its tests, under the part of the product it breaks', () => {
  const doc = renderGuarantees();
  for (const mutation of MUTATIONS) {
    const row = doc.split('\n').find((line) => line.includes(`\`${mutation.id}\``));
    expect(row, mutation.id).toBeDefined();
    for (const file of mutation.tests) {
      expect(row, mutation.id).toContain(`\`${file}\``);
    }
  }
  expect(doc).not.toContain('## Other');
});
