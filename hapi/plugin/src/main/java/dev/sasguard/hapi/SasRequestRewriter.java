package dev.sasguard.hapi;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The SAS request shape on HAPI (sas-rules.md H2): the spec's literal {@code ?Identifier=} is the search parameter
 * {@code identifier}; and the searches of an editor, the search a conditional update or delete makes included, are
 * narrowed to its own appointments (so a bare {@code ?Identifier=<value>} can never reach another editor's). The
 * narrowing is written into the request itself, so that HAPI's cache of search results never serves one caller's
 * results to another.
 */
final class SasRequestRewriter {

  private final OwnerScope scope;

  SasRequestRewriter(OwnerScope scope) {
    this.scope = scope;
  }

  /** Search result parameters: they shape an answer and select nothing (as src/http/sas-layer.ts lists them). */
  private static final Set<String> RESULT_PARAMETERS =
      Set.of(
          "_count", "_offset", "_sort", "_elements", "_summary", "_total", "_include", "_revinclude", "_contained",
          "_containedType", "_fields", "_cursor", "_pretty", "_format");

  void rewrite(RequestDetails request) {
    // H2: with no effective criteria HAPI matches every resource of the type (DELETE Appointment?_count=1 deletes the
    // only one there is); refused for every type, before the owner narrowing would make it look selective.
    if (isConditional(request)
        && request.getParameters().entrySet().stream()
            .noneMatch(p -> !RESULT_PARAMETERS.contains(p.getKey()) && Arrays.stream(p.getValue()).anyMatch(v -> !v.isBlank()))) {
      throw new InvalidRequestException("A conditional update or delete needs search criteria, e.g. ?identifier=system|value");
    }
    if (!OwnerScope.APPOINTMENT.equals(request.getResourceName())) {
      return;
    }
    Optional<String> owner = scope.restrictedTo(request);
    Map<String, String[]> parameters = new LinkedHashMap<>();
    request.getParameters().forEach((name, values) -> parameters.merge(renamed(name), values, SasRequestRewriter::concat));
    if (request.getRestOperationType() == RestOperationTypeEnum.SEARCH_TYPE) {
      owner.ifPresent(identity -> parameters.merge("_tag", new String[] {OwnerScope.ownerToken(identity)}, SasRequestRewriter::concat));
    }
    request.setParameters(parameters);

    if (isConditional(request)) {
      String url = request.getCompleteUrl();
      List<String> query = new ArrayList<>();
      for (String pair : url.substring(url.indexOf('?') + 1).split("&")) {
        if (!pair.isEmpty()) {
          int eq = pair.indexOf('=');
          query.add(eq < 0 ? renamed(pair) : renamed(pair.substring(0, eq)) + pair.substring(eq));
        }
      }
      owner.ifPresent(identity -> query.add("_tag=" + URLEncoder.encode(OwnerScope.ownerToken(identity), StandardCharsets.UTF_8)));
      request.setFixedConditionalUrl(OwnerScope.APPOINTMENT + "?" + String.join("&", query));
    }
  }

  /** A conditional update or delete: PUT/DELETE on the type with search criteria in the URL. */
  static boolean isConditional(RequestDetails request) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    boolean typeLevel = request.getId() == null || !request.getId().hasIdPart();
    return (operation == RestOperationTypeEnum.UPDATE || operation == RestOperationTypeEnum.DELETE)
        && typeLevel
        && request.getCompleteUrl() != null
        && request.getCompleteUrl().indexOf('?') >= 0;
  }

  /** The identifier criterion of a conditional update, as written (`system|value` or a bare value), if exactly one. */
  static Optional<String> conditionalIdentifier(RequestDetails request) {
    if (!isConditional(request)) {
      return Optional.empty();
    }
    String[] values = request.getParameters().get("identifier");
    return values != null && values.length == 1 && !values[0].isEmpty() ? Optional.of(values[0]) : Optional.empty();
  }

  private static String renamed(String name) {
    return name.equals("Identifier") || name.startsWith("Identifier:") ? "identifier" + name.substring(10) : name;
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = new String[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
