// Who is calling the embedded host: the bearer token of a request (the configured SAS_GUARD_TOKEN, or one the host
// gave a bot for its own requests), the test header naming a writer, or the project's admin client by default.
import type { WithId } from '@medplum/core';
import { createReference } from '@medplum/core';
import type { Bot, Reference } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { jsonResponse } from './responses.ts';

/** Test convenience, honoured by the embedded host only (never by Medplum): who writes, e.g. `ClientApplication/abc`. */
export const AUTHOR_HEADER = 'x-sas-guard-author';
const REFERENCE_PATTERN = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;
/** Paths open without a token. */
const OPEN_PATHS = new Set(['/healthcheck', '/oauth2/token']);

export class HostAuth {
  /** Bot token → the Bot, the author of the requests its code makes. */
  private readonly botTokens = new Map<string, Reference>();
  private readonly tokenOfBot = new Map<string, string>();
  private readonly token: string | undefined;
  private readonly systemAuthor: Reference;
  private readonly project: Reference;

  constructor(options: { token?: string; systemAuthor: Reference; project: Reference }) {
    this.token = options.token;
    this.systemAuthor = options.systemAuthor;
    this.project = options.project;
  }

  /** The access token a bot's MedplumClient sends (its requests are then authored by the Bot). */
  accessTokenFor(bot: WithId<Bot>): string {
    let botToken = this.tokenOfBot.get(bot.id);
    if (!botToken) {
      botToken = `bot-${randomUUID()}`;
      this.tokenOfBot.set(bot.id, botToken);
      this.botTokens.set(botToken, createReference(bot));
    }
    return botToken;
  }

  /** The writer of a request, or 'unauthorized' when a token is required and missing or wrong. */
  authenticate(request: GenericRequest): Reference | 'unauthorized' {
    const authorization = request.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
    const botAuthor = bearer ? this.botTokens.get(bearer) : undefined;
    if (botAuthor) {
      return botAuthor;
    }
    const path = new URL(request.url, 'http://host.invalid').pathname;
    if (this.token && bearer !== this.token && !OPEN_PATHS.has(path)) {
      return 'unauthorized';
    }
    const claimed = request.headers[AUTHOR_HEADER];
    if (claimed && REFERENCE_PATTERN.test(claimed)) {
      return { reference: claimed };
    }
    return this.systemAuthor;
  }

  /** `POST /oauth2/token` (client credentials), so that `MedplumClient.startClientLogin` works. */
  tokenResponse(form: Record<string, string>): GenericResponse {
    if (form.grant_type !== 'client_credentials') {
      return jsonResponse(400, { error: 'unsupported_grant_type' });
    }
    return jsonResponse(200, {
      token_type: 'Bearer',
      access_token: this.token ?? 'sas-guard-open',
      expires_in: 3600,
      scope: 'openid',
      project: this.project,
      profile: this.systemAuthor,
    });
  }
}
