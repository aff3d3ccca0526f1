// Headers across the gateway: what a client may not tell the upstream (forwarding and identity headers it could
// forge), what the gateway says instead, the `Prefer` it asks for, and Location values rewritten to its public base.
import { upstreamAcceptEncoding } from './encoding.ts';

/** Headers only a proxy or sas-guard itself may set: a client's own are dropped. */
const CLIENT_FORBIDDEN = new Set(['forwarded', 'x-real-ip', 'x-sas-guard-author', 'x-medplum-on-behalf-of']);

export interface ForwardContext {
  /** The client's address as the gateway's socket sees it. */
  remoteAddress: string;
  /** The gateway's public root (publicUrl or its own URL), for X-Forwarded-Proto/Host. */
  publicRoot: string;
  /** Configured headers that carry the terminator's certificate and verdict: never forwarded. */
  terminatorHeaders: string[];
}

export interface UpstreamHeaders {
  headers: Record<string, string>;
  /** The client asked `Prefer: return=minimal`: the upstream is asked for the resource, the client gets no body. */
  minimal: boolean;
}

/**
 * The request headers the upstream gets: no forged forwarding or identity headers, the gateway's own
 * X-Forwarded-For/Proto/Host, Accept-Encoding limited to what the gateway can read, and `return=representation`
 * instead of `return=minimal` (the gateway needs the resource to build a 200's Location; the client still gets none).
 */
export function upstreamHeaders(headers: Record<string, string>, context: ForwardContext): UpstreamHeaders {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (
      !name.startsWith('x-forwarded-') &&
      !CLIENT_FORBIDDEN.has(name) &&
      !context.terminatorHeaders.includes(name) &&
      name !== 'host' &&
      name !== 'content-length' &&
      name !== 'accept-encoding' &&
      name !== 'prefer'
    ) {
      result[name] = value;
    }
  }
  const publicUrl = new URL(context.publicRoot);
  result['x-forwarded-for'] = context.remoteAddress;
  result['x-forwarded-proto'] = publicUrl.protocol.replace(/:$/, '');
  result['x-forwarded-host'] = publicUrl.host;
  const acceptEncoding = upstreamAcceptEncoding(headers['accept-encoding']);
  if (acceptEncoding) {
    result['accept-encoding'] = acceptEncoding;
  }
  let minimal = false;
  if (headers.prefer !== undefined) {
    const preferences = headers.prefer.split(',').map((preference) => {
      if (/^\s*return\s*=\s*"?minimal"?\s*$/i.test(preference)) {
        minimal = true;
        return 'return=representation';
      }
      return preference.trim();
    });
    result.prefer = preferences.join(', ');
  }
  return { headers: result, minimal };
}

export interface LocationContext {
  /** The FHIR base path, e.g. `/fhir/R4`. */
  fhirBasePath: string;
  /** The upstream root the gateway calls, e.g. `http://medplum:8103/`. */
  upstreamRoot: string;
  /** The gateway's public root, e.g. `https://sas.example.fr/`. */
  publicRoot: string;
}

/**
 * A Location or Content-Location naming the gateway's public base. Medplum builds them from its own `baseUrl`, which
 * need not be the URL the gateway calls it by: a FHIR URL is recognised by its path (`…/fhir/R4/Appointment/<id>`),
 * whatever its origin; another URL of the upstream root is moved to the public root; anything else is kept.
 */
export function publicLocation(value: string, context: LocationContext): string {
  const base = context.fhirBasePath.replace(/\/$/, '');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Relative: an origin-form FHIR path is made absolute; any other relative reference is the client's to resolve.
    return value === base || value.startsWith(base + '/') ? context.publicRoot + value.slice(1) : value;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return value;
  }
  const path = url.pathname;
  const index = path.endsWith(base) ? path.length - base.length : path.indexOf(base + '/');
  if (index >= 0) {
    return context.publicRoot + base.slice(1) + path.slice(index + base.length) + url.search + url.hash;
  }
  if (value.startsWith(context.upstreamRoot)) {
    return context.publicRoot + value.slice(context.upstreamRoot.length);
  }
  return value;
}
