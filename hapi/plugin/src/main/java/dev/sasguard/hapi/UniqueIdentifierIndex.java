package dev.sasguard.hapi;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.SearchParameter;

/**
 * HAPI's unique combo SearchParameter on Appointment.identifier: the database refuses a second appointment with an
 * identifier already held, whichever HAPI node writes it (409). Installed (idempotently) when the server starts.
 */
final class UniqueIdentifierIndex {

  static final String ID = "sas-guard-appointment-identifier-unique";

  private final DaoRegistry daos;
  private final ISearchParamRegistry registry;

  UniqueIdentifierIndex(DaoRegistry daos, ISearchParamRegistry registry) {
    this.daos = daos;
    this.registry = registry;
  }

  void install() {
    SearchParameter parameter = new SearchParameter();
    parameter.setId(ID);
    parameter.addExtension("http://hapifhir.io/fhir/StructureDefinition/sp-unique", new BooleanType(true));
    parameter.setUrl("https://sas-guard.dev/fhir/SearchParameter/" + ID);
    parameter.setName(ID);
    parameter.setStatus(Enumerations.PublicationStatus.ACTIVE);
    parameter.setDescription("One appointment per identifier (sas-guard, rule ID-3)");
    parameter.setCode("sas-guard-identifier-unique");
    parameter.addBase("Appointment");
    parameter.setType(Enumerations.SearchParamType.COMPOSITE);
    parameter.setExpression("Appointment");
    parameter.addComponent().setDefinition("http://hl7.org/fhir/SearchParameter/Appointment-identifier").setExpression("Appointment");
    daos.getResourceDao(SearchParameter.class).update(parameter, new SystemRequestDetails());
    registry.forceRefresh();
  }
}
