// The committed profiles/generated/ must be exactly what the FSH sources compile to, and compiling must stay offline.
import dns from 'node:dns';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildProfiles, DEFAULT_OUT_DIR } from '../../scripts/build-profiles.ts';

describe('build-profiles', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'sas-guard-profiles-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('compiles the FSH sources offline into exactly the committed profiles/generated/', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(() => {
      throw new Error('network access during the profile build');
    });
    const lookup = vi.spyOn(dns, 'lookup');
    try {
      const written = await buildProfiles(outDir);
      expect(connect).not.toHaveBeenCalled();
      expect(lookup).not.toHaveBeenCalled();

      const committed = readdirSync(DEFAULT_OUT_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort();
      expect(written).toEqual(committed);
      for (const file of committed) {
        const fresh = readFileSync(join(outDir, file), 'utf8');
        const onDisk = readFileSync(join(DEFAULT_OUT_DIR, file), 'utf8');
        // Byte equality; on a mismatch, rerun `npm run build:profiles` and commit profiles/generated/.
        expect(fresh === onDisk, `${file} is stale: run npm run build:profiles`).toBe(true);
      }
    } finally {
      connect.mockRestore();
      lookup.mockRestore();
    }
  });
});
