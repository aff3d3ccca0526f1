// Errors deploy ends with: one clear line, never a stack (and never a whole OperationOutcomeError printed).
import { isOperationOutcome, normalizeErrorString } from '@medplum/core';

export class DeployError extends Error {
  readonly hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'DeployError';
    this.hint = hint;
  }
}

const NETWORK_CODE =
  /^(E(CONN|HOST|NET|AI_|TIMEDOUT|NOTFOUND|PIPE|PROTO)|UND_ERR_|CERT_|ERR_TLS|DEPTH_ZERO|SELF_SIGNED)/;

function networkCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODE.test(code)) {
      return code;
    }
    current = current.cause;
  }
  return undefined;
}

function outcomeOf(err: unknown): { id?: string; code?: string } | undefined {
  const outcome = (err as { outcome?: unknown } | undefined)?.outcome;
  if (isOperationOutcome(outcome)) {
    return { id: outcome.id, code: outcome.issue?.[0]?.code };
  }
  return undefined;
}

/** One line, without a stack: what failed, and for the usual failures what to do. */
export function describeError(err: unknown, baseUrl?: string): { message: string; hint?: string } {
  if (err instanceof DeployError) {
    return { message: err.message, hint: err.hint };
  }
  const code = networkCode(err);
  if (code || (err instanceof TypeError && /fetch failed/i.test(err.message))) {
    return {
      message: `cannot reach the Medplum server${baseUrl ? ` at ${baseUrl}` : ''} (${code ?? 'fetch failed'})`,
      hint: 'check MEDPLUM_BASE_URL (e.g. https://api.example.com/) and that the server is up',
    };
  }
  const outcome = outcomeOf(err);
  const text = normalizeErrorString(err).split('\n')[0] ?? 'unknown error';
  if (outcome?.id === 'unauthorized' || outcome?.code === 'login' || /unauthori[sz]ed|401/i.test(text)) {
    return {
      message: `authentication failed: ${text}`,
      hint: 'check MEDPLUM_CLIENT_ID / MEDPLUM_CLIENT_SECRET, or MEDPLUM_CLIENT_ACCESS_TOKEN (expired?)',
    };
  }
  if (outcome?.id === 'forbidden' || outcome?.code === 'forbidden' || /forbidden/i.test(text)) {
    return {
      message: `forbidden: ${text}`,
      hint: "deploy needs a project admin: set admin: true on the client's ProjectMembership",
    };
  }
  return { message: text };
}

/** Runs one step; a failure becomes a DeployError naming the step. */
export async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof DeployError) {
      throw err;
    }
    const described = describeError(err);
    if (described.message.startsWith('cannot reach')) {
      throw err;
    }
    throw new DeployError(`${what}: ${described.message}`, described.hint);
  }
}
