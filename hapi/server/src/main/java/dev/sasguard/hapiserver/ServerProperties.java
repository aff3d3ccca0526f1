package dev.sasguard.hapiserver;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The jpaserver-starter settings this server honours, under the same names ({@code hapi.fhir.*}), plus where the FHIR
 * servlet is mounted.
 */
@ConfigurationProperties(prefix = "hapi.fhir")
public record ServerProperties(
    List<String> customInterceptorClasses, List<String> customBeanPackages, String fhirPath) {

  public ServerProperties {
    customInterceptorClasses = customInterceptorClasses == null ? List.of() : List.copyOf(customInterceptorClasses);
    customBeanPackages = customBeanPackages == null ? List.of() : List.copyOf(customBeanPackages);
    fhirPath = fhirPath == null || fhirPath.isBlank() ? "/fhir/R4" : fhirPath.replaceAll("/+$", "");
  }
}
