package dev.sasguard.hapiserver;

import ca.uhn.fhir.context.ConfigurationException;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;

/**
 * The FHIR REST endpoint. Custom beans and interceptors are taken from the configuration exactly as
 * hapi-fhir-jpaserver-starter takes them: the packages of {@code hapi.fhir.custom-bean-packages} are scanned, and each
 * class of {@code hapi.fhir.custom-interceptor-classes} is registered, as the application's bean of that class when
 * there is one, otherwise as a new instance made with its public no-argument constructor.
 */
@Configuration
@EnableConfigurationProperties(ServerProperties.class)
@ComponentScan(basePackages = "${hapi.fhir.custom-bean-packages:}")
public class FhirEndpointConfig {

  @Bean
  public RestfulServer restfulServer(
      IFhirSystemDao<?, ?> systemDao,
      ResourceProviderFactory resourceProviders,
      IJpaSystemProvider systemProvider,
      JpaStorageSettings storageSettings,
      ISearchParamRegistry searchParamRegistry,
      IValidationSupport validationSupport,
      DatabaseBackedPagingProvider pagingProvider,
      ServerProperties properties,
      ApplicationContext context) {
    RestfulServer server = new RestfulServer(systemDao.getContext());
    server.registerProviders(resourceProviders.createProviders());
    server.registerProvider(systemProvider);
    server.setServerConformanceProvider(
        new JpaCapabilityStatementProvider(
            server, systemDao, storageSettings, searchParamRegistry, validationSupport));
    server.setPagingProvider(pagingProvider);
    server.setDefaultResponseEncoding(EncodingEnum.JSON);
    server.setServerAddressStrategy(new IncomingRequestAddressStrategy());
    for (String className : properties.customInterceptorClasses()) {
      server.registerInterceptor(customInterceptor(className.trim(), context));
    }
    return server;
  }

  private static Object customInterceptor(String className, ApplicationContext context) {
    Class<?> type;
    try {
      type = Class.forName(className);
    } catch (ClassNotFoundException e) {
      throw new ConfigurationException("Interceptor class was not found on classpath: " + className, e);
    }
    try {
      return context.getBean(type);
    } catch (NoSuchBeanDefinitionException notABean) {
      try {
        return type.getConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        throw new ConfigurationException(
            "Unable to instantiate interceptor class " + className + ": " + cause.getMessage(), cause);
      }
    }
  }
}
