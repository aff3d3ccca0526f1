// The page's data, as JSON under /_sas-guard/api/: its setup (language, the FHIR base, the rule catalogue), the
// requests kept (summaries; one request whole by its number), the checklist, and an appointment's stored versions.
import type { GenericResponse } from '../../http/types.ts';
import { allRules } from '../../rules/index.ts';
import type { Language } from '../../rules/types.ts';
import type { HostRepository } from '../repo.ts';
import type { RequestLog } from '../request-log.ts';
import { summaryOf } from '../request-log.ts';
import { jsonResponse } from '../responses.ts';
import type { Checklist } from './checklist.ts';
import { appointmentVersions } from './versions.ts';

export interface PageData {
  requestLog: RequestLog;
  checklist: Checklist;
  repo: HostRepository;
  language: Language;
  fhirBaseUrl: () => string;
  administrator: string;
}

/** Everything the page shows at once; the event stream's first event. */
export function snapshot(data: PageData): unknown {
  const { requestLog, checklist } = data;
  return {
    total: requestLog.total,
    size: requestLog.size,
    requests: requestLog.entries().map(summaryOf),
    checklist: checklist.state(),
  };
}

function setup(data: PageData): unknown {
  return {
    language: data.language,
    fhirBaseUrl: data.fhirBaseUrl(),
    administrator: data.administrator,
    logSize: data.requestLog.size,
    rules: allRules.map(({ meta }) => ({
      id: meta.id,
      severity: meta.defaultSeverity,
      code: meta.code,
      description: meta.description,
      source: meta.source,
      messages: Object.values(meta.messages),
    })),
  };
}

function notFound(what: string): GenericResponse {
  return jsonResponse(404, { error: `${what} not found` });
}

/** The answer of GET /_sas-guard/api/<route>; undefined for a route it does not have. */
export async function apiResponse(
  data: PageData,
  route: string,
  query: URLSearchParams,
): Promise<GenericResponse | undefined> {
  if (route === 'setup') {
    return jsonResponse(200, setup(data));
  }
  if (route === 'requests') {
    return jsonResponse(200, snapshot(data));
  }
  const one = /^requests\/(\d{1,15})$/.exec(route);
  if (one) {
    const entry = data.requestLog.get(Number(one[1]));
    return entry ? jsonResponse(200, entry) : notFound(`Request #${one[1]} (no longer in the log?)`);
  }
  if (route === 'versions') {
    // Nothing stored is an answer too (a refused creation stores nothing): an empty list, not an error.
    return jsonResponse(200, (await appointmentVersions(data.repo, query)) ?? { versions: [], older: 0 });
  }
  return undefined;
}
