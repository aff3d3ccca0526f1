package dev.sasguard.hapi;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import org.hl7.fhir.r4.model.OperationOutcome;

/** 503: the bridge did not judge the write (down, slow, or answering nonsense), so nothing is stored. */
final class BridgeUnavailableException extends BaseServerResponseException {

  BridgeUnavailableException(String reason) {
    super(503, message(reason), outcome(message(reason)));
  }

  private static String message(String reason) {
    return "sas-guard n'a pas pu juger l'écriture (" + reason + ") ; elle est refusée plutôt que non contrôlée. Réessayez.";
  }

  private static OperationOutcome outcome(String text) {
    OperationOutcome outcome = new OperationOutcome();
    outcome.addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.TRANSIENT)
        .getDetails()
        .setText(text);
    return outcome;
  }
}
