package dev.sasguard.hapi;

import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Editor isolation: an identified caller that is not a trusted author reads, searches and deletes only the
 * appointments whose owner tag (recorded at creation, as on Medplum) names it. Requests sas-guard makes itself, such as
 * the identifier-holders lookup of ID-3, are internal and see every appointment.
 */
final class OwnerScope {

  /** The owner tag system of src/rules/sas-codes.ts (OWNER_TAG_SYSTEM): the bridge writes it, HAPI filters on it. */
  static final String OWNER_TAG_SYSTEM = "https://sas-guard.dev/fhir/CodeSystem/appointment-owner";

  static final String APPOINTMENT = "Appointment";

  private final SasGuardSettings settings;

  OwnerScope(SasGuardSettings settings) {
    this.settings = settings;
  }

  /** The identity a request is narrowed to; empty when it sees everything (trusted, anonymous on an open server, internal). */
  Optional<String> restrictedTo(RequestDetails request) {
    return CallerIdentity.of(request).filter(identity -> !settings.trustedAuthors().contains(identity));
  }

  /** The `_tag` token narrowing a search or a conditional URL to the caller's appointments (SasRequestRewriter). */
  static String ownerToken(String identity) {
    return OWNER_TAG_SYSTEM + "|" + identity;
  }

  /** Read, vread, history and search results: another editor's appointment is not there (404 on a read). */
  void hideOthers(RequestDetails request, IPreResourceAccessDetails details) {
    Optional<String> identity = restrictedTo(request);
    if (identity.isEmpty()) {
      return;
    }
    for (int i = 0; i < details.size(); i++) {
      IBaseResource resource = details.getResource(i);
      if (resource != null && isAppointment(resource) && !ownedBy(resource, identity.get())) {
        details.setDontReturnResourceAtIndex(i);
      }
    }
  }

  void checkDelete(RequestDetails request, IBaseResource resource) {
    Optional<String> identity = restrictedTo(request);
    if (identity.isPresent() && isAppointment(resource) && !ownedBy(resource, identity.get())) {
      throw new ForbiddenOperationException("This appointment belongs to another client: " + identity.get() + " cannot delete it");
    }
  }

  static boolean isAppointment(IBaseResource resource) {
    return APPOINTMENT.equals(resource.fhirType());
  }

  static boolean ownedBy(IBaseResource resource, String identity) {
    for (IBaseCoding tag : resource.getMeta().getTag()) {
      if (OWNER_TAG_SYSTEM.equals(tag.getSystem()) && identity.equals(tag.getCode())) {
        return true;
      }
    }
    return false;
  }
}
