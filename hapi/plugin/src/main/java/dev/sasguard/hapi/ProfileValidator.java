package dev.sasguard.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r5.utils.validation.constants.BestPracticeWarningLevel;

/**
 * FrAppointmentSAS in HAPI's validation: the project's generated StructureDefinitions (every URL senders use, and SOS)
 * and value sets, read from this jar, in a validation chain of their own with HAPI's base R4 definitions and its
 * in-memory terminology (offline, no database lookup on the write path; an order of magnitude faster than the
 * server's JPA-backed chain). A violation is a 400 with the
 * validator's OperationOutcome (HAPI's RepositoryValidatingInterceptor would answer 412). As on Medplum, codes of code
 * systems the server does not hold (fr-v2-0203) are not the profile's business: the rules check them (OP-1, PS-1).
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

  private final FhirValidator validator;

  ProfileValidator(FhirContext fhir) {
    PrePopulatedValidationSupport profiles = new PrePopulatedValidationSupport(fhir);
    for (String file : PROFILE_FILES) {
      profiles.addResource(read(fhir, file));
    }
    UnknownCodeSystemWarningValidationSupport unknownCodeSystems = new UnknownCodeSystemWarningValidationSupport(fhir);
    unknownCodeSystems.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);
    FhirInstanceValidator instanceValidator =
        new FhirInstanceValidator(
            new ValidationSupportChain(
                profiles,
                fhir.getValidationSupport(),
                new InMemoryTerminologyServerValidationSupport(fhir),
                new CommonCodeSystemsTerminologyService(fhir),
                unknownCodeSystems));
    instanceValidator.setBestPracticeWarningLevel(BestPracticeWarningLevel.Ignore);
    instanceValidator.setNoExtensibleWarnings(true);
    this.validator = fhir.newValidator().registerValidatorModule(instanceValidator);
  }

  void validate(IBaseResource resource) {
    ValidationResult result = validator.validateWithResult(resource);
    OperationOutcome outcome = new OperationOutcome();
    for (SingleValidationMessage message : result.getMessages()) {
      if (message.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal()) {
        outcome.addIssue()
            .setSeverity(OperationOutcome.IssueSeverity.fromCode(message.getSeverity().getCode()))
            .setCode(OperationOutcome.IssueType.PROCESSING)
            .setDiagnostics(message.getMessage())
            .addExpression(message.getLocationString());
      }
    }
    boolean failed = result.getMessages().stream().anyMatch(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal());
    if (failed) {
      throw new InvalidRequestException("The appointment does not conform to its profile", outcome);
    }
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
