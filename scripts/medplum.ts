// `npm run medplum -- <medplum CLI arguments>`, e.g. `npm run medplum -- bot deploy sas-appointment-guard`: the medplum
// CLI run in .medplum/, where `sas-guard deploy` keeps the bot id (.medplum/medplum.config.json, git-ignored), with the
// project's .env (MEDPLUM_BASE_URL, MEDPLUM_CLIENT_ID, …) loaded as the CLI would load it in the project folder.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_CLI_DIR } from '../src/deploy/cli.ts';
import { loadDotEnv } from '../src/deploy/env.ts';

const ROOT = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
  console.log(`Usage: npm run medplum -- <medplum CLI arguments>   e.g. npm run medplum -- bot deploy sas-appointment-guard
  Runs the medplum CLI in ${LOCAL_CLI_DIR}/ (the bot id written there by sas-guard deploy) with the project's .env.
Exit status: the medplum CLI's; 2 when sas-guard deploy has not written ${LOCAL_CLI_DIR}/medplum.config.json yet.`);
  process.exit(args.length === 0 ? 2 : 0);
}
const dir = join(ROOT, LOCAL_CLI_DIR);
if (!existsSync(join(dir, 'medplum.config.json'))) {
  console.error(`npm run medplum: ${LOCAL_CLI_DIR}/medplum.config.json is missing — run npm run deploy first`);
  process.exit(2);
}
loadDotEnv(process.env, join(ROOT, '.env'));
const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'medplum'), args, {
  cwd: dir,
  stdio: 'inherit',
  env: process.env,
});
process.exit(run.status ?? 1);
