package dev.sasguard.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.utilities.validation.ValidationMessage;

/**
 * FrAppointmentSAS in HAPI's validation: the project's generated StructureDefinitions (every URL senders use, and SOS)
 * and value sets, read from this jar, in a validation chain of their own with HAPI's base R4 definitions and its
 * in-memory terminology (offline, no database lookup on the write path; an order of magnitude faster than the
 * server's JPA-backed chain), judged by HAPI's instance validator (InstanceValidatorPool). A violation is a 400 with
 * the validator's OperationOutcome (HAPI's RepositoryValidatingInterceptor would answer 412). As on Medplum, codes of
 * code systems the server does not hold (fr-v2-0203) are not the profile's business: the rules check them (OP-1, PS-1).
 */
final class ProfileValidator {

  /** profiles/generated, copied into the jar by the build. */
  static final List<String> PROFILE_FILES =
      List.of(
          "StructureDefinition-FrAppointmentOperator.json",
          "StructureDefinition-FrAppointmentSAS.json",
          "StructureDefinition-FrAppointmentSAS-interopsante.json",
          "StructureDefinition-FrAppointmentSAS-esante.json",
          "StructureDefinition-sas-sos-appointment.json",
          "ValueSet-sas-appointment-status.json",
          "ValueSet-sas-operator-identifier-type.json",
          "ValueSet-sas-participant-status.json");

  private final InstanceValidatorPool validators;

  ProfileValidator(FhirContext fhir) {
    this.validators = new InstanceValidatorPool(fhir, definitions(fhir));
  }

  void validate(Appointment appointment) {
    OperationOutcome outcome = new OperationOutcome();
    for (ValidationMessage error : validators.errors(appointment)) {
      OperationOutcome.OperationOutcomeIssueComponent issue =
          outcome.addIssue()
              .setSeverity(
                  error.getLevel() == ValidationMessage.IssueSeverity.FATAL
                      ? OperationOutcome.IssueSeverity.FATAL
                      : OperationOutcome.IssueSeverity.ERROR)
              .setCode(OperationOutcome.IssueType.PROCESSING)
              .setDiagnostics(error.getMessage());
      if (error.getLocation() != null) {
        issue.addExpression(error.getLocation());
      }
    }
    if (outcome.hasIssue()) {
      throw new InvalidRequestException("The appointment does not conform to its profile", outcome);
    }
  }

  /** The profiles, HAPI's base R4 definitions and in-memory terminology; unknown code systems only warn. */
  static IValidationSupport definitions(FhirContext fhir) {
    PrePopulatedValidationSupport profiles = new PrePopulatedValidationSupport(fhir);
    for (String file : PROFILE_FILES) {
      profiles.addResource(read(fhir, file));
    }
    UnknownCodeSystemWarningValidationSupport unknownCodeSystems = new UnknownCodeSystemWarningValidationSupport(fhir);
    unknownCodeSystems.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);
    return new ValidationSupportChain(
        profiles,
        fhir.getValidationSupport(),
        new InMemoryTerminologyServerValidationSupport(fhir),
        new CommonCodeSystemsTerminologyService(fhir),
        unknownCodeSystems);
  }

  private static IBaseResource read(FhirContext fhir, String file) {
    try (InputStream in = ProfileValidator.class.getResourceAsStream("/sas-guard/profiles/" + file)) {
      if (in == null) {
        throw new IllegalStateException("sas-guard: " + file + " is missing from the jar");
      }
      return fhir.newJsonParser().parseResource(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("sas-guard: cannot read " + file, e);
    }
  }
}
