package dev.sasguard.hapi;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import java.util.Optional;

/**
 * Who is calling: the identity configured for the request's bearer token ({@code Authorization: Bearer <token>}),
 * kept in the request for the other parts of sas-guard. With no clients configured every caller is anonymous.
 */
final class CallerIdentity {

  private static final String KEY = CallerIdentity.class.getName();
  private static final String BEARER = "bearer ";

  private final SasGuardSettings settings;

  CallerIdentity(SasGuardSettings settings) {
    this.settings = settings;
  }

  /** Resolves and records the caller; a missing or unknown token is a 401 (the CapabilityStatement stays open). */
  void resolve(RequestDetails request) {
    if (!settings.identifiesWriters() || "metadata".equals(request.getOperation())) {
      return;
    }
    String header = request.getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new AuthenticationException("Authorization: Bearer <token> is required");
    }
    String identity = settings.identitiesByTokenSha256().get(SasGuardSettings.sha256Hex(header.substring(BEARER.length()).trim()));
    if (identity == null) {
      throw new AuthenticationException("The bearer token is not known to this server");
    }
    request.getUserData().put(KEY, identity);
  }

  /** The caller's identity, e.g. ClientApplication/editor-a; empty for an anonymous caller or an internal request. */
  static Optional<String> of(RequestDetails request) {
    return request == null ? Optional.empty() : Optional.ofNullable((String) request.getUserData().get(KEY));
  }
}
