package dev.sasguard.hapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The SAS scenario through HAPI's own generic client, against the server `npm test` starts (test/hapi/hapi.test.ts
 * passes its base and the editors' tokens as system properties).
 */
@EnabledIfSystemProperty(named = "sas.fhirBase", matches = ".+")
class GenericClientScenarioTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final String SYSTEM = "urn:oid:1.1.111.1.11.1.1.1";
  private static final String FR_V2_0203 = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203";
  private static final String IDNPS = "urn:oid:1.2.250.1.71.4.2.1";
  private static final String RULES = "https://sas-guard.dev/fhir/CodeSystem/sas-rule";

  private static IGenericClient client(String tokenProperty) {
    IGenericClient client = FHIR.newRestfulGenericClient(System.getProperty("sas.fhirBase"));
    client.registerInterceptor(new BearerTokenAuthInterceptor(System.getProperty(tokenProperty)));
    return client;
  }

  private static Identifier idnps(String value) {
    return new Identifier()
        .setType(new CodeableConcept(new Coding(FR_V2_0203, "IDNPS", null)))
        .setSystem(IDNPS)
        .setValue(value);
  }

  private static Appointment booked(String value) {
    Appointment appointment = new Appointment();
    appointment.getMeta().addProfile("http://sas.fr/fhir/StructureDefinition/FrAppointmentSAS");
    appointment.addExtension(
        "http://interopsante.org/fhir/StructureDefinition/FrAppointmentOperator",
        new Reference().setIdentifier(idnps("3456780581/11242343")));
    appointment.addIdentifier().setSystem(SYSTEM).setValue(value);
    appointment.setStatus(Appointment.AppointmentStatus.BOOKED);
    appointment.setStartElement(new InstantType("2022-09-04T14:00:00+01:00"));
    appointment.setEndElement(new InstantType("2022-09-04T14:15:00+01:00"));
    appointment.setCreatedElement(new DateTimeType("2022-09-04T10:00:00+01:00"));
    appointment.addParticipant()
        .setActor(new Reference().setIdentifier(idnps("810000000009")))
        .setStatus(Appointment.ParticipationStatus.ACCEPTED);
    return appointment;
  }

  private static String conditionalUrl(String value) {
    return "Appointment?identifier=" + SYSTEM + "|" + value;
  }

  @Test
  void conditionalUpdateCreatesThenUpdatesWithLocationAndOwner() {
    IGenericClient editorA = client("sas.tokenA");
    String value = UUID.randomUUID().toString();
    MethodOutcome created = editorA.update().resource(booked(value)).conditionalByUrl(conditionalUrl(value)).execute();
    assertTrue(created.getCreated());
    String id = created.getId().getIdPart();
    assertEquals(List.of(System.getProperty("sas.fhirBase") + "/Appointment/" + id), created.getResponseHeaders().get("location"));
    Appointment stored = editorA.read().resource(Appointment.class).withId(id).execute();
    assertEquals("ClientApplication/editor-a", stored.getMeta().getTag(OwnerScope.OWNER_TAG_SYSTEM, "ClientApplication/editor-a").getCode());

    Appointment cancelled = booked(value).setStatus(Appointment.AppointmentStatus.CANCELLED);
    MethodOutcome updated = editorA.update().resource(cancelled).conditionalByUrl(conditionalUrl(value)).execute();
    assertFalse(Boolean.TRUE.equals(updated.getCreated()));
    assertEquals(id, updated.getId().getIdPart());
    assertEquals("2", editorA.read().resource(Appointment.class).withId(id).execute().getMeta().getVersionId());
  }

  @Test
  void aBrokenRuleIs422WithTheRuleNamedInFrench() {
    IGenericClient editorA = client("sas.tokenA");
    String value = UUID.randomUUID().toString();
    Appointment backwards = booked(value);
    backwards.setEndElement(new InstantType("2022-09-04T13:00:00+01:00"));
    UnprocessableEntityException rejected =
        assertThrows(UnprocessableEntityException.class, () -> editorA.create().resource(backwards).execute());
    OperationOutcome outcome = (OperationOutcome) rejected.getOperationOutcome();
    OperationOutcome.OperationOutcomeIssueComponent tm1 =
        outcome.getIssue().stream()
            .filter(issue -> issue.getDetails().hasCoding(RULES, "TM-1"))
            .findFirst()
            .orElseThrow();
    assertEquals("La fin du RDV (2022-09-04T13:00:00+01:00) précède son début (2022-09-04T14:00:00+01:00).", tm1.getDetails().getText());
  }

  @Test
  void aProfileViolationIs400() {
    Appointment withoutStart = booked(UUID.randomUUID().toString());
    withoutStart.setStartElement(null);
    withoutStart.setEndElement(null);
    assertThrows(InvalidRequestException.class, () -> client("sas.tokenA").create().resource(withoutStart).execute());
  }

  @Test
  void anotherEditorFindsNothing() {
    String value = UUID.randomUUID().toString();
    client("sas.tokenA").create().resource(booked(value)).execute();
    Bundle seenByB =
        client("sas.tokenB").search().forResource(Appointment.class)
            .where(Appointment.IDENTIFIER.exactly().code(value)).returnBundle(Bundle.class).execute();
    assertEquals(0, seenByB.getEntry().size());
    Bundle seenByA =
        client("sas.tokenA").search().forResource(Appointment.class)
            .where(Appointment.IDENTIFIER.exactly().code(value)).returnBundle(Bundle.class).execute();
    assertEquals(1, seenByA.getEntry().size());
  }
}
