package dev.sasguard.hapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The kept validators (InstanceValidatorPool) judge as HAPI's own FhirInstanceValidator, given the same definitions:
 * the same errors, in the same order, for valid and invalid appointments, one write at a time and eight at once. It
 * needs no server, but runs with the JUnit suite `npm test` runs (test/hapi/cases/junit.ts), not in every
 * `mvn package` of the build, which it would slow by about 15 s.
 */
@EnabledIfSystemProperty(named = "sas.fhirBase", matches = ".+")
class ProfileValidatorTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final String SOS = "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/sas-sos-appointment";

  private final ProfileValidator kept = new ProfileValidator(FHIR);
  private final FhirValidator hapi = hapiValidator();

  private static FhirValidator hapiValidator() {
    FhirInstanceValidator module = new FhirInstanceValidator(ProfileValidator.definitions(FHIR));
    module.setBestPracticeWarningLevel(org.hl7.fhir.r5.utils.validation.constants.BestPracticeWarningLevel.Ignore);
    module.setNoExtensibleWarnings(true);
    return FHIR.newValidator().registerValidatorModule(module);
  }

  /** examples/ of the project and variants that break the profile in the ways senders do. */
  private static Map<String, String> appointments() throws IOException {
    String booked = Files.readString(Path.of("../../examples/booked.json"));
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("booked", booked);
    cases.put("cancelled", Files.readString(Path.of("../../examples/cancelled.json")));
    cases.put("without status", variant(booked, a -> a.setStatus(null)));
    cases.put("status outside the SAS value set", variant(booked, a -> a.setStatus(Appointment.AppointmentStatus.WAITLIST)));
    cases.put("unknown profile", variant(booked, a -> a.setMeta(new Meta().addProfile("http://example.org/unknown"))));
    cases.put("no profile", variant(booked, a -> a.setMeta(null)));
    cases.put("SOS profile", variant(booked, a -> a.getMeta().getProfile().get(0).setValue(SOS)));
    cases.put("no participant", variant(booked, a -> a.getParticipant().clear()));
    cases.put("no identifier", variant(booked, a -> a.getIdentifier().clear()));
    cases.put("operator extension emptied", variant(booked, a -> a.getExtension().forEach(ProfileValidatorTest::empty)));
    cases.put("no extension", variant(booked, a -> a.getExtension().clear()));
    return cases;
  }

  private static String variant(String json, Consumer<Appointment> change) {
    Appointment appointment = (Appointment) FHIR.newJsonParser().parseResource(json);
    change.accept(appointment);
    return FHIR.newJsonParser().encodeResourceToString(appointment);
  }

  private static void empty(Extension extension) {
    extension.getExtension().clear();
    extension.setValue((Type) null);
  }

  private List<String> keptErrors(String json) {
    try {
      kept.validate((Appointment) FHIR.newJsonParser().parseResource(json));
      return List.of();
    } catch (InvalidRequestException e) {
      return ((org.hl7.fhir.r4.model.OperationOutcome) e.getOperationOutcome())
          .getIssue().stream().map(issue -> issue.getDiagnostics() + " @ " + issue.getExpression()).toList();
    }
  }

  private List<String> hapiErrors(String json) {
    return hapi.validateWithResult(FHIR.newJsonParser().parseResource(json)).getMessages().stream()
        .filter(message -> message.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
        .map(message -> message.getMessage() + " @ " + (message.getLocationString() == null ? "[]" : "[" + message.getLocationString() + "]"))
        .toList();
  }

  /** profiles/generated is copied into the jar whole; a definition missing from PROFILE_FILES would go unchecked. */
  @Test
  void loadsEveryGeneratedDefinition() throws IOException {
    try (var files = Files.list(Path.of("../../profiles/generated"))) {
      List<String> generated =
          files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".json")).sorted().toList();
      assertEquals(generated, ProfileValidator.PROFILE_FILES.stream().sorted().toList());
    }
  }

  @Test
  void judgesAsHapisValidator() throws IOException {
    int refused = 0;
    for (Map.Entry<String, String> entry : appointments().entrySet()) {
      List<String> expected = hapiErrors(entry.getValue());
      assertEquals(expected, keptErrors(entry.getValue()), entry.getKey());
      assertEquals(expected, keptErrors(entry.getValue()), entry.getKey() + ", validated again");
      refused += expected.isEmpty() ? 0 : 1;
    }
    assertTrue(refused >= 6, "the variants break the profile: " + refused);
  }

  @Test
  void judgesAsHapisValidatorFromEightThreads() throws Exception {
    Map<String, String> cases = appointments();
    Map<String, List<String>> expected = new LinkedHashMap<>();
    cases.forEach((name, json) -> expected.put(name, hapiErrors(json)));
    List<String> names = new ArrayList<>(cases.keySet());
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<List<String>>> wrong = new ArrayList<>();
      for (int thread = 0; thread < 8; thread++) {
        int first = thread;
        wrong.add(
            threads.submit(
                () -> {
                  List<String> mismatches = new ArrayList<>();
                  for (int i = 0; i < 60; i++) {
                    String name = names.get((first + i) % names.size());
                    if (!expected.get(name).equals(keptErrors(cases.get(name)))) {
                      mismatches.add(name);
                    }
                  }
                  return mismatches;
                }));
      }
      for (Future<List<String>> mismatches : wrong) {
        assertEquals(List.of(), mismatches.get());
      }
    } finally {
      threads.shutdown();
    }
  }
}
