// What the request log may keep of a message: never a secret. Credentials in headers keep only their scheme; bodies
// lose the values of secret fields (client secrets, tokens, a Project's `secret` settings, the list sent to
// admin/projects/:id/secrets, a token form's client_secret); the configured secrets (SAS_GUARD_TOKEN, the admin
// client's secret) are blanked wherever they appear, as a last net.
import { SECRET_PARAMETER } from '../http/target.ts';

export const REDACTED = '[redacted]';

/** Credentials, and the key of the installer's own requests (server.ts). */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-sas-guard-installer',
]);
/** JSON keys (ClientApplication, token answers, forms) whose value is a secret. */
const SECRET_KEYS = new Set([
  'secret',
  'retiringSecret',
  'client_secret',
  'access_token',
  'refresh_token',
  'id_token',
  'password',
  'code_verifier',
  'assertion',
]);
/** A secret string value in JSON text, for bodies too large to parse: `"access_token":"…"`. */
const SECRET_JSON_STRING = new RegExp(`("(?:${[...SECRET_KEYS].join('|')})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'g');
const SETTING_JSON_VALUE = /("value[A-Z][A-Za-z]*"\s*:\s*)("(?:[^"\\]|\\.)*"|-?[\d.eE+]+|true|false)/g;
/** Shorter configured values are not blanked everywhere: they would blank ordinary text. */
const MIN_LITERAL_SECRET = 8;

/** A ProjectSetting with its value hidden, its name kept (which secrets are set is useful, their values are not). */
function hideSetting(setting: unknown): unknown {
  if (typeof setting !== 'object' || setting === null) {
    return REDACTED;
  }
  return Object.fromEntries(
    Object.entries(setting).map(([key, value]) => [key, /^value[A-Z]/.test(key) ? REDACTED : value]),
  );
}

export class Redactor {
  private readonly literals: string[];

  /** `secrets`: the configured secret values, blanked wherever they appear. */
  constructor(secrets: readonly (string | undefined)[]) {
    this.literals = secrets.filter((s): s is string => s !== undefined && s.length >= MIN_LITERAL_SECRET);
  }

  text(value: string): string {
    let result = value;
    for (const literal of this.literals) {
      if (result.includes(literal)) {
        result = result.split(literal).join(REDACTED);
      }
    }
    return result;
  }

  /** Path and query, the values of credential-like query parameters blanked (as the host's other log lines do). */
  url(url: string): string {
    const query = url.indexOf('?');
    if (query < 0) {
      return this.text(url);
    }
    const params = url
      .slice(query + 1)
      .split('&')
      .map((pair) => {
        const equals = pair.indexOf('=');
        const name = equals < 0 ? pair : pair.slice(0, equals);
        let decoded = name;
        try {
          decoded = decodeURIComponent(name);
        } catch {
          // kept as sent
        }
        return equals >= 0 && SECRET_PARAMETER.test(decoded) ? `${name}=${REDACTED}` : pair;
      });
    return this.text(`${url.slice(0, query)}?${params.join('&')}`);
  }

  headers(headers: Record<string, string>): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (CREDENTIAL_HEADERS.has(name)) {
        const scheme = name.endsWith('authorization') ? /^\S+(?=\s)/.exec(value)?.[0] : undefined;
        result[name] = scheme ? `${scheme} ${REDACTED}` : REDACTED;
      } else {
        result[name] = this.text(value);
      }
    }
    return result;
  }

  /**
   * A body's text with its secrets removed. `whole`: the text is the entire body (parsed and rewritten only where
   * it held a secret); a truncated body is scrubbed by pattern instead.
   */
  body(text: string, options: { mediaType: string; path: string; whole: boolean }): string {
    const { mediaType, path, whole } = options;
    if (mediaType === 'application/x-www-form-urlencoded') {
      return this.text(this.form(text));
    }
    if (!/json/.test(mediaType) && !/^\s*[[{]/.test(text)) {
      return this.text(text);
    }
    const settingsList = /\/admin\/projects\/[^/]+\/secrets$/.test(path);
    if (!whole) {
      let scrubbed = text.replace(SECRET_JSON_STRING, `$1"${REDACTED}"`);
      if (settingsList || scrubbed.includes('"secret"')) {
        scrubbed = scrubbed.replace(SETTING_JSON_VALUE, `$1"${REDACTED}"`);
      }
      return this.text(scrubbed);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.text(text);
    }
    const changed = { value: false };
    const cleaned = settingsList && Array.isArray(parsed) ? parsed.map(hideSetting) : this.walk(parsed, changed);
    return this.text(settingsList || changed.value ? JSON.stringify(cleaned) : text);
  }

  private walk(value: unknown, changed: { value: boolean }): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.walk(item, changed));
    }
    if (typeof value !== 'object' || value === null) {
      return value;
    }
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (SECRET_KEYS.has(key)) {
        changed.value = true;
        result[key] = Array.isArray(item) ? item.map(hideSetting) : REDACTED;
      } else {
        result[key] = this.walk(item, changed);
      }
    }
    return result;
  }

  private form(text: string): string {
    const params = new URLSearchParams(text);
    let changed = false;
    for (const key of [...params.keys()]) {
      if (SECRET_KEYS.has(key)) {
        params.set(key, REDACTED);
        changed = true;
      }
    }
    return changed ? params.toString() : text;
  }
}
