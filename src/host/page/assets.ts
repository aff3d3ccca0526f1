// The page's own files (page/ at the package root: HTML, CSS and a few small ES modules, no build step), read once at
// start and served from memory under /_sas-guard/assets/. From src/host/page/ and from the compiled lib/host/page/
// alike, the package root is three folders up.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

const ASSETS_DIR = join(import.meta.dirname, '..', '..', '..', 'page');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  type: string;
  body: Buffer;
}

export function loadAssets(dir = ASSETS_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) {
      assets.set(name, { type, body: readFileSync(join(dir, name)) });
    }
  }
  return assets;
}
