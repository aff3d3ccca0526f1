// The medplum CLI's connection variables (MEDPLUM_BASE_URL, MEDPLUM_CLIENT_ID / MEDPLUM_CLIENT_SECRET or
// MEDPLUM_CLIENT_ACCESS_TOKEN, MEDPLUM_FHIR_URL_PATH, MEDPLUM_TOKEN_URL), read from the environment and `.env`.
import { MedplumClient } from '@medplum/core';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { withoutCredentials } from '../http/target.ts';
import { DeployError, step } from './errors.ts';

/** Loads `.env` (current directory) into `env` without overriding variables already set, as the medplum CLI does. */
export function loadDotEnv(env: NodeJS.ProcessEnv = process.env, path = resolve('.env')): boolean {
  if (!existsSync(path)) {
    return false;
  }
  const values = parseEnv(readFileSync(path, 'utf8'));
  for (const [key, value] of Object.entries(values)) {
    if (env[key] === undefined && value !== undefined) {
      env[key] = value;
    }
  }
  return true;
}

export interface Connection {
  baseUrl: string;
  auth: 'access token' | 'client credentials' | 'none';
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** A MedplumClient logged in the way the medplum CLI would from the same variables. */
export async function connect(env: NodeJS.ProcessEnv = process.env): Promise<{ medplum: MedplumClient } & Connection> {
  const rawBaseUrl = env.MEDPLUM_BASE_URL?.trim();
  if (!rawBaseUrl) {
    throw new DeployError(
      'MEDPLUM_BASE_URL is not set',
      'set it in the environment or in .env, e.g. MEDPLUM_BASE_URL=https://api.example.com/ (or http://localhost:8103/ for `npm start`)',
    );
  }
  let url: URL;
  try {
    url = new URL(rawBaseUrl);
  } catch {
    throw new DeployError(`MEDPLUM_BASE_URL is not a URL: ${withoutCredentials(rawBaseUrl)}`);
  }
  if (url.username || url.password) {
    throw new DeployError(
      `MEDPLUM_BASE_URL holds credentials (${withoutCredentials(url.href)})`,
      'remove them from the URL and set MEDPLUM_CLIENT_ID and MEDPLUM_CLIENT_SECRET instead',
    );
  }
  if (/\/fhir\/R4\/?$/i.test(url.pathname)) {
    throw new DeployError(
      `MEDPLUM_BASE_URL names the FHIR base (${withoutCredentials(url.href)})`,
      `give the server root instead, e.g. ${withoutCredentials(url.href.replace(/fhir\/R4\/?$/i, ''))} (the medplum CLI adds fhir/R4 itself)`,
    );
  }
  const baseUrl = withSlash(url.toString());
  const medplum = new MedplumClient({
    baseUrl,
    fhirUrlPath: env.MEDPLUM_FHIR_URL_PATH || undefined,
    tokenUrl: env.MEDPLUM_TOKEN_URL || undefined,
    fetch: globalThis.fetch,
    cacheTime: 0,
  });
  const accessToken = env.MEDPLUM_CLIENT_ACCESS_TOKEN?.trim();
  const clientId = env.MEDPLUM_CLIENT_ID?.trim();
  const clientSecret = env.MEDPLUM_CLIENT_SECRET?.trim();
  if (accessToken) {
    medplum.setAccessToken(accessToken);
    return { medplum, baseUrl, auth: 'access token' };
  }
  if (clientId && clientSecret) {
    await step('client login (POST oauth2/token)', () => medplum.startClientLogin(clientId, clientSecret));
    return { medplum, baseUrl, auth: 'client credentials' };
  }
  if (clientId || clientSecret) {
    throw new DeployError('MEDPLUM_CLIENT_ID and MEDPLUM_CLIENT_SECRET go together: one of them is missing');
  }
  return { medplum, baseUrl, auth: 'none' };
}
