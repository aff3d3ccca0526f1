// What the bins run. An installed package runs lib/, the JavaScript that `npm pack` compiles from src/ (prepack:
// scripts/build-package.ts), on Node 20 or later; a checkout runs src/ itself, whose types Node ≥ 22.18 strips
// (`npm run check`, `npm start`… use the project's own Node 22). node20 comes first: @medplum/core needs it on Node 20.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const ROOT = new URL('../', import.meta.url);

/** Runs `src/cli/<command>.ts` from a checkout, or `lib/cli/<command>.js` from the package. */
export async function launch(command) {
  const checkout = existsSync(new URL('src/cli/', ROOT));
  if (checkout && !process.features.typescript) {
    process.stderr.write(
      `${command}: a checkout runs the TypeScript sources, which needs Node ≥ 22.18 (this is ${process.version}): ` +
        "run it through npm (npm run check, npm start…: the project's own Node 22), or install the package (npm pack)\n",
    );
    process.exitCode = 2;
    return;
  }
  const [dir, extension] = checkout ? ['src', 'ts'] : ['lib', 'js'];
  await import(new URL(`${dir}/node20.${extension}`, ROOT).href);
  await import(new URL(`${dir}/cli/${command}.${extension}`, ROOT).href);
}
