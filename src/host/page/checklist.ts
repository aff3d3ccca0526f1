// The SAS checklist: the situations an agenda's software must handle (sas-rules.md §1, the "Mise à jour de
// rendez-vous" page), each ticked by the first request of the editor's own traffic that shows it — passive
// conformance, read from the request log.
import type { Localized } from '../../rules/types.ts';
import { mediaType } from '../../http/types.ts';
import type { LoggedRequest } from '../logged-request.ts';

/** What one request shows, as the checklist reads it. */
interface Facts {
  entry: LoggedRequest;
  /** POST [base]/Appointment, PUT [base]/Appointment?… or PUT [base]/Appointment/<id>. */
  write: boolean;
  conditional: boolean;
  ok: boolean;
  body: { status?: unknown; id?: unknown } | undefined;
  /** The version answered before, for the same appointment (ETag), when there was one. */
  previousEtag?: string;
  /** Authenticated as a client application other than the host's administrator. */
  ownClient: boolean;
}

interface ChecklistItem {
  id: string;
  label: Localized;
  proves(facts: Facts): boolean;
}

const ITEMS: readonly ChecklistItem[] = [
  {
    id: 'create',
    label: { fr: 'Création : 201 Created avec Location', en: 'Create: 201 Created with Location' },
    proves: ({ write, entry }) => write && entry.status === 201 && !!entry.response.headers.location,
  },
  {
    id: 'update',
    label: {
      fr: 'Mise à jour : 200 OK avec Location, nouvelle version',
      en: 'Update: 200 OK with Location, a new version',
    },
    proves: ({ write, entry, previousEtag }) =>
      write &&
      entry.method === 'PUT' &&
      entry.status === 200 &&
      !!entry.response.headers.location &&
      entry.response.headers.etag !== previousEtag,
  },
  {
    id: 'retry',
    label: {
      fr: 'Renvoi identique : 200 OK, même version (rien de nouveau enregistré)',
      en: 'Identical retry: 200 OK, same version (nothing new stored)',
    },
    proves: ({ write, entry, previousEtag }) =>
      write && entry.status === 200 && previousEtag !== undefined && entry.response.headers.etag === previousEtag,
  },
  {
    id: 'cancel',
    label: { fr: 'Annulation (status « cancelled ») acceptée', en: 'Cancellation (status "cancelled") accepted' },
    proves: ({ write, entry, body }) => write && entry.status === 200 && body?.status === 'cancelled',
  },
  {
    id: 'rejected',
    label: {
      fr: 'Refus métier reçu : 422 avec OperationOutcome nommant les règles',
      en: 'Business refusal received: 422 with an OperationOutcome naming the rules',
    },
    proves: ({ write, entry }) => write && entry.status === 422 && entry.errors.length > 0,
  },
  {
    id: 'malformed',
    label: {
      fr: 'Requête mal formée reçue : 400 avec OperationOutcome',
      en: 'Malformed request received: 400 with an OperationOutcome',
    },
    proves: ({ write, entry }) => write && entry.status === 400 && entry.issues.length > 0,
  },
  {
    id: 'identifier-form',
    label: {
      fr: 'La forme du guide : PUT Appointment?Identifier= (I majuscule)',
      en: "The guide's form: PUT Appointment?Identifier= (capital I)",
    },
    proves: ({ conditional, ok, entry }) =>
      conditional && ok && new URL(entry.url, 'http://host.invalid').searchParams.has('Identifier'),
  },
  {
    id: 'json-fhir',
    label: {
      fr: 'Content-Type: application/json+fhir (en-tête du guide)',
      en: "Content-Type: application/json+fhir (the guide's header)",
    },
    proves: ({ write, ok, entry }) =>
      write && ok && mediaType(entry.request.headers['content-type']) === 'application/json+fhir',
  },
  {
    id: 'accept-json-fhir',
    label: {
      fr: 'Accept: application/json+fhir, réponse en FHIR JSON',
      en: 'Accept: application/json+fhir, answered in FHIR JSON',
    },
    proves: ({ write, ok, entry }) =>
      write &&
      ok &&
      mediaType(entry.request.headers.accept) === 'application/json+fhir' &&
      mediaType(entry.response.headers['content-type']) === 'application/fhir+json',
  },
  {
    id: 'body-id',
    label: {
      fr: 'Un id dans le corps d\u2019une mise à jour conditionnelle (ex. « 1 ») : ignoré, accepté',
      en: 'A body id on a conditional update (e.g. "1"): ignored, accepted',
    },
    proves: ({ conditional, ok, body }) => conditional && ok && body?.id !== undefined,
  },
  {
    id: 'own-client',
    label: {
      fr: 'Écritures sous sa propre identité (ClientApplication), pas celle de l\u2019administrateur',
      en: "Writes under its own identity (ClientApplication), not the administrator's",
    },
    proves: ({ write, ok, ownClient }) => write && ok && ownClient,
  },
];

export interface ChecklistState {
  id: string;
  label: Localized;
  /** The request that proved it (kept here even once the log has dropped it). */
  proof?: { seq: number; time: string; method: string; url: string; status: number };
}

/** Appointments whose last answered version is remembered, for retries (the oldest are forgotten). */
const MAX_REMEMBERED = 10_000;

export class Checklist {
  private readonly proofs = new Map<string, ChecklistState['proof']>();
  private readonly lastEtag = new Map<string, string>();
  private readonly appointmentPath: RegExp;
  private readonly administrator: string;

  /** `fhirBasePath`: `/fhir/R4`; `administrator`: the host's admin client, the writer of requests naming no other. */
  constructor(fhirBasePath: string, administrator: string) {
    this.appointmentPath = new RegExp(`^${fhirBasePath}/Appointment(?:/[A-Za-z0-9\\-.]{1,64})?/?$`);
    this.administrator = administrator;
  }

  /** Reads one request; true when it ticked something new. */
  observe(entry: LoggedRequest): boolean {
    const facts = this.factsOf(entry);
    let ticked = false;
    for (const item of ITEMS) {
      if (!this.proofs.has(item.id) && item.proves(facts)) {
        const { seq, time, method, url, status } = entry;
        this.proofs.set(item.id, { seq, time, method, url, status });
        ticked = true;
      }
    }
    const etag = entry.response.headers.etag;
    if (facts.write && facts.ok && entry.appointmentId && etag) {
      this.lastEtag.delete(entry.appointmentId);
      this.lastEtag.set(entry.appointmentId, etag);
      if (this.lastEtag.size > MAX_REMEMBERED) {
        this.lastEtag.delete(this.lastEtag.keys().next().value ?? '');
      }
    }
    return ticked;
  }

  state(): ChecklistState[] {
    return ITEMS.map(({ id, label }) => ({ id, label, proof: this.proofs.get(id) }));
  }

  private factsOf(entry: LoggedRequest): Facts {
    const url = new URL(entry.url, 'http://host.invalid');
    const write =
      this.appointmentPath.test(url.pathname) &&
      (entry.method === 'PUT' || (entry.method === 'POST' && !/\/Appointment\/./.test(url.pathname)));
    let body: Facts['body'];
    try {
      body = write && entry.request.body.text ? (JSON.parse(entry.request.body.text) as Facts['body']) : undefined;
    } catch {
      body = undefined;
    }
    return {
      entry,
      write,
      conditional: write && entry.method === 'PUT' && url.search.length > 1,
      ok: entry.status >= 200 && entry.status < 300,
      body: typeof body === 'object' && body !== null ? body : undefined,
      previousEtag: entry.appointmentId ? this.lastEtag.get(entry.appointmentId) : undefined,
      ownClient: !!entry.caller?.startsWith('ClientApplication/') && entry.caller !== this.administrator,
    };
  }
}
