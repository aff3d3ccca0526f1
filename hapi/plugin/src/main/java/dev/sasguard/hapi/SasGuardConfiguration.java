package dev.sasguard.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.parser.LenientErrorHandler;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;

/** The beans behind {@link SasGuardInterceptor}, found through {@code hapi.fhir.custom-bean-packages: dev.sasguard.hapi}. */
@Configuration
public class SasGuardConfiguration {

  @Bean
  public SasGuardSettings sasGuardSettings(Environment environment) {
    return SasGuardSettings.from(environment);
  }

  @Bean
  public SasGuardInterceptor sasGuardInterceptor(
      SasGuardSettings settings, FhirContext fhir, DaoRegistry daos) {
    // A code outside its value set (the spec's participant status `refused`) must reach the rules, which name it in
    // the 422 (ST-2), instead of failing the parse of the whole body with a 400.
    fhir.setParserErrorHandler(new LenientErrorHandler(false).setErrorOnInvalidValue(false));
    BridgeClient bridge = new BridgeClient(settings.bridgeUrl(), settings.bridgeTimeout());
    return new SasGuardInterceptor(settings, new WriteJudge(bridge, fhir, daos), new ProfileValidator(fhir));
  }

  @EventListener(ContextRefreshedEvent.class)
  public void installUniqueIdentifierIndex(ContextRefreshedEvent event) {
    var context = event.getApplicationContext();
    new UniqueIdentifierIndex(context.getBean(DaoRegistry.class), context.getBean(ISearchParamRegistry.class)).install();
  }
}
