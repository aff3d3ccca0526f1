package dev.sasguard.hapiserver;

import ca.uhn.fhir.rest.server.RestfulServer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * A HAPI FHIR JPA server (R4, H2) serving {@code /fhir/R4}. It knows nothing of sas-guard: the plugin comes in through
 * {@code hapi.fhir.custom-bean-packages} and {@code hapi.fhir.custom-interceptor-classes}, as on jpaserver-starter.
 */
@SpringBootApplication(
    exclude = {
      HibernateJpaAutoConfiguration.class,
      FlywayAutoConfiguration.class,
      ElasticsearchRestClientAutoConfiguration.class
    })
@Import({JpaServerConfig.class, FhirEndpointConfig.class})
public class SasHapiServer {

  public static void main(String[] args) {
    SpringApplication.run(SasHapiServer.class, args);
  }

  @Bean
  public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer restfulServer, ServerProperties properties) {
    ServletRegistrationBean<RestfulServer> registration =
        new ServletRegistrationBean<>(restfulServer, properties.fhirPath() + "/*");
    registration.setLoadOnStartup(1);
    return registration;
  }
}
