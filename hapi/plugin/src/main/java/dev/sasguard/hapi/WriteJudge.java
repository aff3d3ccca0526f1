package dev.sasguard.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Hands an Appointment write to the bridge, which runs sas-guard's rules (src/rules, the same judgement as the
 * Medplum bot), and applies its verdict: 422 with the bridge's OperationOutcome, or the version the bridge returns
 * (its owner tag recorded) stored in place of the one sent. No rule is decided here.
 */
final class WriteJudge {

  private final BridgeClient bridge;
  private final FhirContext fhir;
  private final DaoRegistry daos;
  private final ObjectMapper json = new ObjectMapper();

  WriteJudge(BridgeClient bridge, FhirContext fhir, DaoRegistry daos) {
    this.bridge = bridge;
    this.fhir = fhir;
    this.daos = daos;
  }

  /** Judges `appointment` (replacing `previous`, null on creation) and makes it the version to store. */
  void judge(RequestDetails request, Appointment previous, Appointment appointment) {
    IParser parser = fhir.newJsonParser();
    // The resources as HAPI encodes them, spliced into the request as they are (no second JSON pass).
    StringBuilder body = new StringBuilder("{\"appointment\":").append(parser.encodeResourceToString(appointment));
    if (previous != null) {
      body.append(",\"previous\":").append(parser.encodeResourceToString(previous));
    } else {
      // Only a creation can collide with another appointment's identifier: an update keeps its own (ID-2).
      List<String> holders = identifierHolders(appointment);
      if (holders != null) {
        body.append(",\"identifierHolders\":").append(string(holders));
      }
    }
    SasRequestRewriter.conditionalIdentifier(request)
        .ifPresent(token -> body.append(",\"conditionalIdentifier\":").append(string(token)));
    CallerIdentity.of(request).ifPresent(author -> body.append(",\"author\":").append(string(author)));
    body.append('}');

    BridgeClient.Answer answer = bridge.judge(body.toString());
    if (answer.status() == 422) {
      throw new UnprocessableEntityException(fhir, parse(parser, answer.body(), OperationOutcome.class));
    }
    if (answer.status() != 200) {
      throw new BridgeUnavailableException("réponse " + answer.status() + " du bridge");
    }
    parse(parser, answer.body(), Appointment.class).copyValues(appointment);
  }

  /** Ids of every stored appointment holding the identifier, whoever owns it (not narrowed: an internal request). */
  private List<String> identifierHolders(Appointment appointment) {
    Identifier first = appointment.getIdentifierFirstRep();
    if (!first.hasSystem() || !first.hasValue()) {
      return null;
    }
    SearchParameterMap map = SearchParameterMap.newSynchronous("identifier", new TokenParam(first.getSystem(), first.getValue()));
    map.setCount(2);
    IBundleProvider found = daos.getResourceDao(Appointment.class).search(map, new SystemRequestDetails());
    return found.getAllResourceIds();
  }

  private String string(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T extends IBaseResource> T parse(IParser parser, String body, Class<T> type) {
    try {
      return parser.parseResource(type, body);
    } catch (RuntimeException e) {
      throw new BridgeUnavailableException("réponse illisible du bridge");
    }
  }
}
