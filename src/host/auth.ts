// Who is calling the embedded host, as Medplum decides it: a bearer token the host issued (`POST /oauth2/token` with a
// registered client's id and secret, or the token of a bot's own requests), HTTP Basic client credentials, or the
// configured SAS_GUARD_TOKEN (the project admin). Without SAS_GUARD_TOKEN the host is open: a request without
// credentials is the project admin. The test header X-Sas-Guard-Author is honoured for the project admin only.
import type { WithId } from '@medplum/core';
import { createReference } from '@medplum/core';
import type { Bot, ClientApplication, Reference } from '@medplum/fhirtypes';
import { randomBytes } from 'node:crypto';
import { bearerOf, sameSecret } from '../http/credentials.ts';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { jsonResponse } from './responses.ts';

/** Test convenience, honoured by the embedded host only (never by Medplum): who writes, e.g. `ClientApplication/abc`. */
export const AUTHOR_HEADER = 'x-sas-guard-author';
const REFERENCE_PATTERN = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;
/** Medplum's public routes: answered without looking at credentials. */
const OPEN_PATHS = new Set(['/healthcheck', '/oauth2/token', '/', '/fhir/R4/metadata']);
const TOKEN_LIFETIME_S = 3600;

export interface HostAuthOptions {
  /** SAS_GUARD_TOKEN: when set, every request needs credentials; this token is the project admin's. */
  token?: string;
  systemAuthor: Reference;
  project: Reference;
  /** A client application by id, as stored (with its secret). */
  findClient: (id: string) => Promise<WithId<ClientApplication> | undefined>;
}

function basicCredentials(authorization: string): { id: string; secret: string } | undefined {
  const encoded = /^Basic\s+(.+)$/i.exec(authorization)?.[1];
  if (!encoded) {
    return undefined;
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function tokenError(description: string, error = 'invalid_request'): GenericResponse {
  return jsonResponse(400, { error, error_description: description });
}

export class HostAuth {
  /** Issued token → its login, and until when it is valid (ms; none for bots and the configured token). */
  private readonly tokens = new Map<string, { profile: Reference; expires?: number }>();
  private readonly tokenOfBot = new Map<string, string>();
  private readonly options: HostAuthOptions;

  constructor(options: HostAuthOptions) {
    this.options = options;
  }

  /** The access token a bot's MedplumClient sends (its requests are then authored by the Bot). */
  accessTokenFor(bot: WithId<Bot>): string {
    let botToken = this.tokenOfBot.get(bot.id);
    if (!botToken) {
      botToken = `bot-${randomBytes(24).toString('base64url')}`;
      this.tokenOfBot.set(bot.id, botToken);
      this.tokens.set(botToken, { profile: createReference(bot) });
    }
    return botToken;
  }

  /** A request of a bot's own MedplumClient (its reads during a write). */
  isBotRequest(request: GenericRequest): boolean {
    const bearer = bearerOf(request.headers.authorization);
    return bearer !== undefined && bearer.startsWith('bot-') && this.tokens.has(bearer);
  }

  /** The login of a request, or 'unauthorized' (Medplum's 401, without WWW-Authenticate). */
  async authenticate(request: GenericRequest): Promise<Reference | 'unauthorized'> {
    const { token, systemAuthor } = this.options;
    if (OPEN_PATHS.has(new URL(request.url, 'http://host.invalid').pathname)) {
      return systemAuthor;
    }
    const authorization = request.headers.authorization ?? '';
    let login: Reference | undefined;
    const bearer = bearerOf(authorization);
    const basic = basicCredentials(authorization);
    if (bearer) {
      const issued = this.tokens.get(bearer);
      if (issued && (issued.expires === undefined || issued.expires > Date.now())) {
        login = issued.profile;
      } else if (sameSecret(bearer, token)) {
        login = systemAuthor;
      } else if (token !== undefined) {
        return 'unauthorized';
      }
    } else if (basic) {
      const client = await this.checkClient(basic.id, basic.secret);
      if (typeof client === 'string') {
        return 'unauthorized';
      }
      login = createReference(client);
    } else if (token !== undefined) {
      return 'unauthorized';
    }
    // Open host (no SAS_GUARD_TOKEN): no credentials, or ones it does not know, are the project admin.
    login ??= systemAuthor;
    const claimed = request.headers[AUTHOR_HEADER];
    if (login === systemAuthor && claimed && REFERENCE_PATTERN.test(claimed)) {
      return { reference: claimed };
    }
    return login;
  }

  /** A registered client with this secret, or the error Medplum's token endpoint answers. */
  private async checkClient(id: string, secret: string): Promise<WithId<ClientApplication> | string> {
    const client = id ? await this.options.findClient(id) : undefined;
    if (!client) {
      return 'Invalid client';
    }
    return sameSecret(secret, client.secret) ? client : 'Invalid secret';
  }

  /** `POST /oauth2/token`, client credentials from the form or HTTP Basic, answered as Medplum answers. */
  async tokenResponse(request: GenericRequest, form: Record<string, string>): Promise<GenericResponse> {
    if (!form.grant_type) {
      return tokenError('Missing grant_type');
    }
    if (form.grant_type !== 'client_credentials') {
      return tokenError('Unsupported grant type', 'unsupported_grant_type');
    }
    const basic = basicCredentials(request.headers.authorization ?? '');
    const id = basic?.id ?? form.client_id ?? '';
    const secret = basic?.secret ?? form.client_secret ?? '';
    if (!id) {
      return tokenError('Missing client_id');
    }
    if (!secret) {
      return tokenError('Missing client_secret');
    }
    const client = await this.checkClient(id, secret);
    if (typeof client === 'string') {
      return tokenError(client);
    }
    const accessToken = randomBytes(32).toString('base64url');
    const profile = createReference(client);
    this.tokens.set(accessToken, { profile, expires: Date.now() + TOKEN_LIFETIME_S * 1000 });
    return jsonResponse(200, {
      token_type: 'Bearer',
      expires_in: TOKEN_LIFETIME_S,
      scope: 'openid',
      access_token: accessToken,
      project: this.options.project,
      profile,
    });
  }
}
