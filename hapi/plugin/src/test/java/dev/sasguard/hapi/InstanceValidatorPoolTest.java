package dev.sasguard.hapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.context.FhirContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.r4.model.Appointment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A burst of writes does not leave a validator (about 5.7 MB each) per request thread behind: no more are kept than
 * the machine has cores. Runs with the JUnit suite `npm test` runs, as ProfileValidatorTest.
 */
@EnabledIfSystemProperty(named = "sas.fhirBase", matches = ".+")
class InstanceValidatorPoolTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();

  @Test
  void keepsNoMoreValidatorsThanCoresAfterABurst() throws Exception {
    InstanceValidatorPool pool = new InstanceValidatorPool(FHIR, ProfileValidator.definitions(FHIR));
    String booked = Files.readString(Path.of("../../examples/booked.json"));
    int cap = Math.max(2, Runtime.getRuntime().availableProcessors());
    int writers = cap + 3;
    CyclicBarrier together = new CyclicBarrier(writers);
    ExecutorService threads = Executors.newFixedThreadPool(writers);
    try {
      List<Future<Integer>> errors = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        errors.add(
            threads.submit(
                () -> {
                  Appointment appointment = (Appointment) FHIR.newJsonParser().parseResource(booked);
                  together.await();
                  return pool.errors(appointment).size();
                }));
      }
      for (Future<Integer> count : errors) {
        assertEquals(0, count.get());
      }
    } finally {
      threads.shutdown();
    }
    assertTrue(pool.kept() >= 1 && pool.kept() <= cap, pool.kept() + " kept, at most " + cap);
  }
}
