// sas-guard on a real HAPI FHIR JPA server (hapi/server, H2) and a real bridge process, started once for this file
// with the configuration docs/hapi.md gives a jpaserver-starter user; then the SAS scenario, ownership, isolation,
// parallel writers, the same over the gateway, HAPI's generic client (JUnit), and last the bridge down.
import { afterAll, beforeAll, describe } from 'vitest';
import { duplicates } from './cases/duplicates.ts';
import { failClosed } from './cases/fail-closed.ts';
import { behindGateway } from './cases/gateway.ts';
import { genericClient } from './cases/junit.ts';
import { ownership } from './cases/ownership.ts';
import { sasScenario } from './cases/sas-scenario.ts';
import type { HapiStack } from './stack.ts';
import { startHapiStack } from './stack.ts';

let running: HapiStack | undefined;
const stack = (): HapiStack => {
  if (!running) {
    throw new Error('the HAPI stack did not start');
  }
  return running;
};

beforeAll(async () => {
  running = await startHapiStack();
}, 300_000);
afterAll(async () => {
  await running?.stop();
});

describe('SAS scenario', () => sasScenario(stack));
describe('identity, OW-1 and isolation', () => ownership(stack));
describe('parallel writers', () => duplicates(stack));
describe('behind the SAS gateway', () => behindGateway(stack));
describe("HAPI's generic client (JUnit 5)", () => genericClient(stack));
// Last: it stops the bridge.
describe('bridge slow or down: fail closed', () => failClosed(stack));
