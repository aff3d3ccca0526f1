// The mutations `npm run mutation` applies to src/, one at a time, each with the tests that must catch it. Each one
// breaks a promise the README makes (its Guarantees section names the same tests) or a check a test claims to make.
// `find` must occur exactly once in `file` (test/mutation/mutations.test.ts keeps this list in step with the code).

export interface Mutation {
  id: string;
  /** The promise the mutation breaks. */
  breaks: string;
  file: string;
  find: string;
  replace: string;
  /** The test files to run: at least one of their tests must fail. */
  tests: string[];
}

export const MUTATIONS: Mutation[] = [
  {
    id: 'body-declared-limit-doubled',
    breaks: 'a body declared over the limit is refused at once (413), before it is read',
    file: 'src/http/body.ts',
    find: 'declared > limit)',
    replace: 'declared > limit * 2)',
    tests: ['test/gateway/body.test.ts'],
  },
  {
    id: 'bot-refuses-every-write',
    breaks: 'the bot returns the appointment to store when no rule is violated',
    file: 'src/bot/guard.ts',
    find: '  return verdict.stored;',
    replace: "  throw { resourceType: 'OperationOutcome', id: 'business-rule', issue: [] };",
    tests: ['test/rules/rules.test.ts'],
  },
  {
    id: 'tm2-four-years',
    breaks: 'TM-2 warns from 2 years (2 × 365.25 days) away',
    file: 'src/rules/rules/tm-2.ts',
    find: 'const TWO_YEARS_MS = 2 * 365.25 * DAY_MS;',
    replace: 'const TWO_YEARS_MS = 4 * 365.25 * DAY_MS;',
    tests: ['test/rules/rules.test.ts'],
  },
  {
    id: 'tm2-one-day-more',
    breaks: 'TM-2 warns above 24 hours',
    file: 'src/rules/rules/tm-2.ts',
    find: 'end - start > DAY_MS',
    replace: 'end - start > 2 * DAY_MS',
    tests: ['test/rules/rules.test.ts'],
  },
  {
    id: 'no-identifier-lock',
    breaks: 'parallel conditional PUTs of one identifier store exactly one appointment',
    file: 'src/host/fhir-api.ts',
    find: 'const [outcome, resource] = keys.length ? await locks.run(keys, route) : await route();',
    replace: 'const [outcome, resource] = await route();',
    tests: ['test/reliability/concurrency.test.ts', 'test/host/conditional-update.test.ts'],
  },
  {
    id: 'lock-ignores-body-identifiers',
    breaks: 'concurrent POSTs of one identifier create one appointment',
    file: 'src/host/lock.ts',
    find: "      if (typeof value === 'string') {\n        keys.push(value.toLowerCase());",
    replace: "      if (typeof value === 'string' && method !== 'POST') {\n        keys.push(value.toLowerCase());",
    tests: ['test/reliability/concurrency.test.ts'],
  },
  {
    id: 'profile-not-validated',
    breaks: 'meta.profile is validated: a profile violation is a 400 and nothing is stored',
    file: 'src/host/repo.ts',
    find: '    for (const url of resource.meta?.profile ?? []) {',
    replace: '    for (const url of [] as string[]) {',
    tests: ['test/host/readme-flow.test.ts'],
  },
  {
    id: 'owner-not-recorded',
    breaks: 'the creator is recorded as owner (meta.tag) by the bot',
    file: 'src/rules/write.ts',
    find: 'stored: creator ? withOwner(appointment, creator) : appointment',
    replace: 'stored: appointment',
    tests: ['test/bot/bundle.test.ts', 'test/reliability/ownership.test.ts'],
  },
  {
    id: 'owner-is-last-writer',
    breaks: "a trusted author's correction does not hand the appointment over: the creator stays the owner",
    file: 'src/rules/write.ts',
    find: 'const creator = owner ?? (previous ? authorOf(previous) : author);',
    replace: 'const creator = author;',
    tests: ['test/reliability/ownership.test.ts'],
  },
  {
    id: 'language-ignored',
    breaks: 'SAS_GUARD_LANGUAGE=en gives English messages',
    file: 'src/rules/config.ts',
    find: "return { language: languageValue === 'en' ? 'en' : 'fr', severities, trustedAuthors };",
    replace: "return { language: 'fr', severities, trustedAuthors };",
    tests: ['test/deploy/deploy.test.ts'],
  },
  {
    id: 'severities-ignored',
    breaks: 'SAS_GUARD_SEVERITIES changes a rule’s severity',
    file: 'src/rules/engine.ts',
    find: 'const configured = context.severities[rule.meta.id] ?? rule.meta.defaultSeverity;',
    replace: 'const configured = rule.meta.defaultSeverity;',
    tests: ['test/deploy/deploy.test.ts'],
  },
  {
    id: 'reader-throws-on-null',
    breaks: 'the rules engine never throws, whatever the JSON',
    file: 'src/rules/read.ts',
    find: '    if (!isRecord(current)) {\n      return undefined;\n    }\n    current = current[key];',
    replace: '    current = (current as Record<string, unknown>)[key];',
    tests: ['test/rules/properties.test.ts'],
  },
  {
    id: 'adeli-refused',
    breaks: 'valid appointments raise no issue (ADELI practitioner ids are accepted)',
    file: 'src/rules/rules/ps-1.ts',
    find: '0[0-9A-Za-z]{9}',
    replace: '0[0-9]{9}',
    tests: ['test/rules/properties.test.ts'],
  },
  {
    id: 'ps2-error',
    breaks: 'PS-2 (RPPS Luhn key) is a warning, the single PS-2 case raises exactly one PS-2 warning',
    file: 'src/rules/rules/ps-2.ts',
    find: "    defaultSeverity: 'warning',",
    replace: "    defaultSeverity: 'error',",
    tests: ['test/rules/properties.test.ts'],
  },
  {
    id: 'cr1-silent',
    breaks: 'CR-1 warns when created is missing',
    file: 'src/rules/rules/cr-1.ts',
    find: "report({ messageId: 'missing', expression: 'Appointment.created' });",
    replace: '',
    tests: ['test/rules/properties.test.ts'],
  },
  {
    id: 'parse-error-500',
    breaks: 'hostile input never gets a 5xx: unparsable JSON is a 400 OperationOutcome',
    file: 'src/host/request-body.ts',
    find: "return { response: outcomeResponse(badRequest('Content could not be parsed'), getRequestContext()) };",
    replace: "throw new Error('Content could not be parsed');",
    tests: ['test/reliability/fuzz.test.ts'],
  },
  {
    id: 'conditional-without-criteria-allowed',
    breaks: 'a conditional update or delete with no effective criteria is refused (400)',
    file: 'src/http/sas-layer.ts',
    find: "(((request.method === 'PUT' || request.method === 'DELETE') && !hasCriteria(params)) ||",
    replace: "(((request.method === 'NONE') && !hasCriteria(params)) ||",
    tests: ['test/reliability/fuzz.test.ts'],
  },
  {
    id: 'store-before-validation',
    breaks: 'a rejected write changes nothing: the stored version stays byte for byte',
    file: 'src/host/repo.ts',
    find: '    await this.validate(result);\n',
    replace: '    await this.store(result);\n    await this.validate(result);\n',
    tests: ['test/reliability/data-loss.test.ts'],
  },
  {
    id: 'etag-of-another-version',
    breaks: 'an accepted write is readable at once with the versionId its ETag names',
    file: 'src/host/responses.ts',
    find: 'headers.etag = `W/"${resource.meta.versionId}"`;',
    replace: 'headers.etag = `W/"${resource.meta.versionId.slice(1)}"`;',
    tests: ['test/reliability/data-loss.test.ts'],
  },
  {
    id: 'ow1-off',
    breaks: "OW-1: one client cannot change another client's appointment",
    file: 'src/rules/rules/ow-1.ts',
    find: '    if (creator && creator !== author) {',
    replace: '    if (creator && creator === "nobody") {',
    tests: ['test/reliability/ownership.test.ts'],
  },
  {
    id: 'access-policy-grants-delete',
    breaks: 'least privilege: the SAS AccessPolicy grants Appointment create, update, and read/search of its own only',
    file: 'src/deploy/desired.ts',
    find: "{ resourceType: 'Appointment', interaction: ['create', 'update'] },",
    replace: "{ resourceType: 'Appointment', interaction: ['create', 'update', 'delete'] },",
    tests: ['test/reliability/ownership.test.ts'],
  },
  {
    id: 'access-policy-not-enforced',
    breaks: 'the AccessPolicy of a client is enforced: anything it does not grant is 403 and changes nothing',
    file: 'src/host/access.ts',
    find: '  if (policy && !accessPolicySupportsInteraction(policy, interaction, resourceType as ResourceType)) {',
    replace:
      '  if (policy && policy.id === "never" && !accessPolicySupportsInteraction(policy, interaction, resourceType as ResourceType)) {',
    tests: ['test/reliability/ownership.test.ts'],
  },
  {
    id: 'token-not-checked',
    breaks: 'with SAS_GUARD_TOKEN, a request without it is 401 and writes nothing',
    file: 'src/host/auth.ts',
    find: "      } else if (token !== undefined) {\n        return 'unauthorized';",
    replace: "      } else if (token === 'never') {\n        return 'unauthorized';",
    tests: ['test/reliability/ownership.test.ts'],
  },
  {
    id: 'host-serves-before-install',
    breaks: 'npm start serves nothing unchecked: requests wait until sas-guard is installed',
    file: 'src/host/http-server.ts',
    find: '    if (!serveEarly(request) && !(await installed)) {',
    replace: '    if (!serveEarly(request) && false) {',
    tests: ['test/host/startup.test.ts'],
  },
  {
    id: 'failed-read-taken-as-creation',
    breaks: 'when the bot cannot read the stored version, the write is refused rather than let through',
    file: 'src/bot/guard.ts',
    find: '    if (isNotFound(error)) {',
    replace: '    if (isNotFound(error) || error !== undefined) {',
    tests: ['test/reliability/ownership.test.ts', 'test/bot/guard.test.ts'],
  },
];
