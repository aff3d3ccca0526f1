package dev.sasguard.hapi;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Serialises the writes of one appointment identifier in this server, from HAPI's conditional match to the commit:
 * of parallel conditional PUTs of a new identifier one creates and the others then find it and update; of parallel
 * POSTs one creates and the others meet ID-3. (HAPI alone creates duplicates here, hapi-fhir issue #3141.) Across
 * several HAPI nodes the unique SearchParameter installed by {@link UniqueIdentifierIndex} is the database's backstop.
 */
final class IdentifierLocks {

  private static final String KEY = IdentifierLocks.class.getName();
  private static final int STRIPES = 1024;
  private static final long WAIT_SECONDS = 30;

  private final Semaphore[] stripes = new Semaphore[STRIPES];
  private final ObjectMapper json = new ObjectMapper();

  IdentifierLocks() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Semaphore(1);
    }
  }

  /** Takes the identifier's lock for an Appointment create or conditional update; released by {@link #release}. */
  void acquire(RequestDetails request) {
    String identifier = identifierOf(request);
    if (identifier == null) {
      return;
    }
    Semaphore stripe = stripes[Math.floorMod(identifier.hashCode(), STRIPES)];
    try {
      if (!stripe.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw new BridgeUnavailableException("trop d'écritures simultanées de l'identifiant " + identifier);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BridgeUnavailableException("interrompu");
    }
    request.getUserData().put(KEY, stripe);
  }

  void release(RequestDetails request) {
    Object stripe = request.getUserData().remove(KEY);
    if (stripe instanceof Semaphore semaphore) {
      semaphore.release();
    }
  }

  private String identifierOf(RequestDetails request) {
    if (!OwnerScope.APPOINTMENT.equals(request.getResourceName())) {
      return null;
    }
    if (request.getRestOperationType() == RestOperationTypeEnum.CREATE) {
      return bodyIdentifier(request);
    }
    return SasRequestRewriter.conditionalIdentifier(request)
        .map(token -> token.indexOf('|') >= 0 ? token : "|" + token)
        .orElse(null);
  }

  /** `system|value` of the body's first identifier; null when the body is not JSON with one (HAPI will say why). */
  private String bodyIdentifier(RequestDetails request) {
    try {
      JsonNode first = json.readTree(request.loadRequestContents()).path("identifier").path(0);
      return first.path("value").isTextual() ? first.path("system").asText("") + "|" + first.path("value").asText() : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
