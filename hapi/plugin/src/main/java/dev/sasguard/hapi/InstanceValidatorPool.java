package dev.sasguard.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import org.hl7.fhir.common.hapi.validation.validator.FhirDefaultPolicyAdvisor;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.common.hapi.validation.validator.WorkerContextValidationSupportAdapter;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r5.elementmodel.Manager.FhirFormat;
import org.hl7.fhir.r5.model.StructureDefinition;
import org.hl7.fhir.r5.utils.validation.ValidatorSession;
import org.hl7.fhir.r5.utils.validation.constants.BestPracticeWarningLevel;
import org.hl7.fhir.r5.utils.validation.constants.IdStatus;
import org.hl7.fhir.r5.utils.xver.XVerExtensionManagerOld;
import org.hl7.fhir.utilities.validation.ValidationMessage;
import org.hl7.fhir.validation.ValidatorSettings;
import org.hl7.fhir.validation.instance.InstanceValidator;

/**
 * The instance validator HAPI's {@code FhirInstanceValidator} runs, with its settings (best-practice and extensible
 * warnings off), kept from one write to the next: HAPI builds a new one for every resource, and building one (it
 * reloads the OID table from a CSV) costs more than validating an appointment (measured on examples/booked.json: 14 to
 * 20 ms a validation through HAPI's wrapper, 2 to 4 ms with a kept validator). A validator serves one validation at a
 * time and resets its state at the start of each, so idle ones wait here for the next write. Each holds about 5.7 MB
 * (its OID table), so no more are kept than the machine has cores: a burst of writes beyond that builds validators
 * as HAPI does and lets them go. ProfileValidatorTest checks that it judges as HAPI's FhirInstanceValidator does.
 */
final class InstanceValidatorPool {

  /** The validator only warns of a profile it cannot find; HAPI, asked for errors on unknown profiles, makes it one. */
  private static final Set<String> UNKNOWN_PROFILE =
      Set.of("Validation_VAL_Profile_Unknown", "VALIDATION_VAL_PROFILE_UNKNOWN_NOT_POLICY");

  private final FhirContext fhir;
  private final WorkerContextValidationSupportAdapter definitions;
  private final Queue<InstanceValidator> idle =
      new ArrayBlockingQueue<>(Math.max(2, Runtime.getRuntime().availableProcessors()));

  InstanceValidatorPool(FhirContext fhir, IValidationSupport definitions) {
    this.fhir = fhir;
    this.definitions = WorkerContextValidationSupportAdapter.newVersionSpecificWorkerContextWrapper(definitions);
  }

  /** The errors HAPI's validator finds in the appointment, against the base definition and its meta.profile. */
  List<ValidationMessage> errors(Appointment appointment) {
    List<ValidationMessage> unknownProfiles = new ArrayList<>();
    List<StructureDefinition> declared = declaredProfiles(appointment, unknownProfiles);
    byte[] json = fhir.newJsonParser().encodeResourceToString(appointment).getBytes(StandardCharsets.UTF_8);
    InstanceValidator validator = idle.poll();
    if (validator == null) {
      validator = newInstanceValidator();
    }
    List<ValidationMessage> messages = new ArrayList<>();
    try {
      validator.validate(null, messages, new ByteArrayInputStream(json), FhirFormat.JSON, declared);
    } finally {
      idle.offer(validator); // refused when enough are kept: this one is left to the garbage collector
    }
    messages.addAll(unknownProfiles);
    return messages.stream()
        .filter(message -> message.getLevel().isError() || UNKNOWN_PROFILE.contains(message.getMessageId()))
        .toList();
  }

  /** How many idle validators are kept now. */
  int kept() {
    return idle.size();
  }

  /** The meta.profile definitions, resolved as HAPI resolves them: an unknown one is an error of its own. */
  private List<StructureDefinition> declaredProfiles(Appointment appointment, List<ValidationMessage> unknown) {
    List<StructureDefinition> declared = new ArrayList<>();
    for (CanonicalType profile : appointment.getMeta().getProfile()) {
      StructureDefinition definition = definitions.fetchResource(StructureDefinition.class, profile.getValue());
      if (definition != null) {
        declared.add(definition);
      } else {
        unknown.add(
            new ValidationMessage()
                .setLevel(ValidationMessage.IssueSeverity.ERROR)
                .setMessageId("Validation_VAL_Profile_Unknown")
                .setMessage("Invalid profile. Failed to retrieve profile with url=" + profile.getValue()));
      }
    }
    return declared;
  }

  private InstanceValidator newInstanceValidator() {
    try {
      InstanceValidator validator =
          new InstanceValidator(
              definitions,
              new FhirInstanceValidator.NullEvaluationContext(),
              new XVerExtensionManagerOld(definitions),
              new ValidatorSession(),
              new ValidatorSettings());
      validator.setBestPracticeWarningLevel(BestPracticeWarningLevel.Ignore);
      validator.setNoExtensibleWarnings(true);
      validator.setAnyExtensionsAllowed(true);
      validator.setResourceIdRule(IdStatus.OPTIONAL);
      validator.setErrorForUnknownProfiles(true);
      validator.setUnknownCodeSystemsCauseErrors(true);
      validator.setAllowXsiLocation(true);
      validator.setPolicyAdvisor(new FhirDefaultPolicyAdvisor());
      return validator;
    } catch (Exception e) {
      throw new IllegalStateException("sas-guard: cannot build the profile validator", e);
    }
  }
}
