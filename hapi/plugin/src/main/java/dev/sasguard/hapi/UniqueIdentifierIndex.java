package dev.sasguard.hapi;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.SearchParameter;

/**
 * HAPI's unique combo SearchParameter on Appointment.identifier: the database refuses a second appointment with an
 * identifier already held, whichever HAPI node writes it (409). Its component is sas-guard's own token parameter, not
 * the standard {@code identifier}: HAPI answers a search matching a unique combo from the combo index alone, which
 * would make a bare {@code ?identifier=<value>} (no system) find nothing. Installed (idempotently) at start.
 */
final class UniqueIdentifierIndex {

  static final String TOKEN_ID = "sas-guard-appointment-identifier";
  static final String UNIQUE_ID = "sas-guard-appointment-identifier-unique";
  private static final String BASE = "https://sas-guard.dev/fhir/SearchParameter/";

  private final DaoRegistry daos;
  private final ISearchParamRegistry registry;

  UniqueIdentifierIndex(DaoRegistry daos, ISearchParamRegistry registry) {
    this.daos = daos;
    this.registry = registry;
  }

  void install() {
    SearchParameter token = parameter(TOKEN_ID, "sas-guard-identifier", "Appointment.identifier (sas-guard's unique index)");
    token.setType(Enumerations.SearchParamType.TOKEN).setExpression("Appointment.identifier");

    SearchParameter unique = parameter(UNIQUE_ID, "sas-guard-identifier-unique", "One appointment per identifier (sas-guard, rule ID-3)");
    unique.addExtension("http://hapifhir.io/fhir/StructureDefinition/sp-unique", new BooleanType(true));
    unique.setType(Enumerations.SearchParamType.COMPOSITE).setExpression("Appointment");
    unique.addComponent().setDefinition(BASE + TOKEN_ID).setExpression("Appointment");

    IFhirResourceDao<SearchParameter> dao = daos.getResourceDao(SearchParameter.class);
    dao.update(token, new SystemRequestDetails());
    registry.forceRefresh();
    dao.update(unique, new SystemRequestDetails());
    registry.forceRefresh();
  }

  private static SearchParameter parameter(String id, String code, String description) {
    SearchParameter parameter = new SearchParameter();
    parameter.setId(id);
    parameter.setUrl(BASE + id);
    parameter.setName(id);
    parameter.setStatus(Enumerations.PublicationStatus.ACTIVE);
    parameter.setDescription(description);
    parameter.setCode(code);
    parameter.addBase("Appointment");
    return parameter;
  }
}
