// The embedded host's request log: every exchange of the editors' software, redacted and kept in a bounded ring (the
// newest `size`), printed as one line on the host's log (log-line.ts), and told to whoever listens (the page). The
// host's own requests — the installer's at start, a bot's reads during a write — are not the editor's traffic: the
// installer's are counted and summarised in one line, a bot's belong to the write they serve.
import { ConfigError } from '../rules/config.ts';
import type { Exchange, LoggedRequest, RequestSummary } from './logged-request.ts';
import { toLoggedRequest } from './logged-request.ts';
import { formatLogLine } from './log-line.ts';
import { Redactor } from './redact.ts';

export type { Exchange, LoggedRequest, RequestSummary } from './logged-request.ts';

export const DEFAULT_LOG_SIZE = 500;
const MAX_LOG_SIZE = 100_000;

/** Who sent a request: an editor's software (or curl), the installer at start, or a pre-commit bot. */
export type Origin = 'client' | 'installer' | 'bot';

export interface RequestLogOptions {
  /** How many requests are kept (the oldest are dropped). */
  size: number;
  log: (line: string) => void;
  /** The configured secret values, blanked wherever they would appear. */
  secrets: readonly (string | undefined)[];
}

/** SAS_GUARD_LOG_SIZE: a whole number of requests, 1 to 100,000; a wrong value stops the start with one line. */
export function logSizeFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === '') {
    return DEFAULT_LOG_SIZE;
  }
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > MAX_LOG_SIZE) {
    throw new ConfigError([
      `SAS_GUARD_LOG_SIZE is "${value}" (expected a whole number of requests, 1 to ${MAX_LOG_SIZE})`,
    ]);
  }
  return size;
}

export function summaryOf(entry: LoggedRequest): RequestSummary {
  const { request: _request, response: _response, issues: _issues, ...summary } = entry;
  return summary;
}

export class RequestLog {
  readonly size: number;
  private readonly ring: (LoggedRequest | undefined)[];
  private readonly options: RequestLogOptions;
  private readonly redactor: Redactor;
  private readonly listeners = new Set<(entry: LoggedRequest) => void>();
  private readonly installerStatuses = new Map<number, number>();
  private lastSeq = 0;

  constructor(options: RequestLogOptions) {
    this.options = options;
    this.size = options.size;
    this.ring = new Array<LoggedRequest | undefined>(options.size);
    this.redactor = new Redactor(options.secrets);
  }

  record(exchange: Exchange, origin: Origin): void {
    if (origin === 'bot') {
      return;
    }
    if (origin === 'installer') {
      const status = exchange.response?.status ?? 0;
      this.installerStatuses.set(status, (this.installerStatuses.get(status) ?? 0) + 1);
      return;
    }
    const entry = toLoggedRequest(++this.lastSeq, exchange, this.redactor);
    this.ring[entry.seq % this.size] = entry;
    this.options.log(formatLogLine(entry));
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (err) {
        // A listener (the page) failing must not fail the request it is told about.
        this.options.log(
          `request log: a listener failed on #${entry.seq}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }

  /** The requests kept, newest first. */
  entries(): LoggedRequest[] {
    const result: LoggedRequest[] = [];
    for (let seq = this.lastSeq; seq > 0 && seq > this.lastSeq - this.size; seq--) {
      const entry = this.ring[seq % this.size];
      if (entry) {
        result.push(entry);
      }
    }
    return result;
  }

  get(seq: number): LoggedRequest | undefined {
    const entry = this.ring[seq % this.size];
    return entry?.seq === seq ? entry : undefined;
  }

  /** How many requests were recorded since start (the ring keeps the last `size`). */
  get total(): number {
    return this.lastSeq;
  }

  /** Calls `listener` with each new request; returns the unsubscription. */
  subscribe(listener: (entry: LoggedRequest) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `installer: 52 requests (200 ×31, 201 ×20, 422 ×1)`, or undefined when it sent none. */
  installerSummary(): string | undefined {
    const counts = [...this.installerStatuses].sort(([a], [b]) => a - b);
    const total = counts.reduce((sum, [, count]) => sum + count, 0);
    if (total === 0) {
      return undefined;
    }
    const statuses = counts.map(([status, count]) => `${status === 0 ? 'no answer' : status} ×${count}`).join(', ');
    return `installer: ${total} requests (${statuses}), not listed one by one`;
  }
}
