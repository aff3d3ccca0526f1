// The request target: read before anything else (origin form, or the absolute form a proxy sends; what is not a
// URL is a 400, never a 500), and as it may be logged (credentials in a query masked).

export interface RequestTarget {
  /** Normalised path (dot segments resolved, as the upstream would resolve them). */
  path: string;
  /** `?…` or empty. */
  search: string;
}

/** The request target, or undefined when it is not one (`http://[`, `http://%zz/`, a bad port, `*`, …). */
export function parseTarget(raw: string | undefined): RequestTarget | undefined {
  if (!raw) {
    return undefined;
  }
  let url: URL;
  try {
    // Origin form: prefixed so that `//host/x` stays a path, never a host.
    url = raw.startsWith('/') ? new URL(`http://gateway.invalid${raw}`) : new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return undefined;
  }
  return { path: url.pathname, search: url.search };
}

/** Query parameters whose value is a credential. */
/** A URL as it may be printed: user and password (`https://user:secret@host/`) masked. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1<redacted>@');
}

export const SECRET_PARAMETER = /token|secret|passw|assertion|^code(_verifier)?$|^api_?key$/i;

/** The request line's target for a log: query values of credential-like parameters masked, length bounded. */
export function loggableTarget(raw: string | undefined): string {
  const value = raw ?? '';
  const query = value.indexOf('?');
  let masked = value;
  if (query >= 0) {
    const params = value
      .slice(query + 1)
      .split('&')
      .map((pair) => {
        const name = pair.split('=')[0] ?? '';
        let decoded = name;
        try {
          decoded = decodeURIComponent(name);
        } catch {
          // kept as sent
        }
        return SECRET_PARAMETER.test(decoded) && pair.includes('=') ? `${name}=<redacted>` : pair;
      });
    masked = `${value.slice(0, query)}?${params.join('&')}`;
  }
  // Userinfo of an absolute-form target (http://user:password@host/).
  masked = withoutCredentials(masked);
  return masked.length > 512 ? `${masked.slice(0, 512)}…` : masked;
}
