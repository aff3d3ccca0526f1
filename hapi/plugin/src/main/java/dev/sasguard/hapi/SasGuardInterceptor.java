package dev.sasguard.hapi;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletResponse;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;

/**
 * sas-guard on HAPI FHIR: the one class to list in {@code hapi.fhir.custom-interceptor-classes} (with
 * {@code dev.sasguard.hapi} in {@code hapi.fhir.custom-bean-packages}, which makes it a bean with its collaborators).
 * Each hook hands over to one part: who calls, the SAS request shape, the identifier lock, editor isolation, the
 * bridge's judgement, the profile, Location.
 */
@Interceptor
public class SasGuardInterceptor {

  private final CallerIdentity identity;
  private final SasRequestRewriter rewriter;
  private final IdentifierLocks locks;
  private final OwnerScope scope;
  private final WriteJudge judge;
  private final ProfileValidator profiles;

  /** What jpaserver-starter calls when the class is not a bean: say what is missing instead of running half-wired. */
  public SasGuardInterceptor() {
    throw new IllegalStateException(
        "sas-guard: add dev.sasguard.hapi to hapi.fhir.custom-bean-packages (see docs/hapi.md)");
  }

  SasGuardInterceptor(SasGuardSettings settings, WriteJudge judge, ProfileValidator profiles) {
    this.identity = new CallerIdentity(settings);
    this.scope = new OwnerScope(settings);
    this.rewriter = new SasRequestRewriter(scope);
    this.locks = new IdentifierLocks();
    this.judge = judge;
    this.profiles = profiles;
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public void incomingRequest(RequestDetails request) {
    identity.resolve(request);
    rewriter.rewrite(request);
    locks.acquire(request);
  }

  @Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
  public void processingCompleted(RequestDetails request) {
    locks.release(request);
  }

  @Hook(Pointcut.STORAGE_PREACCESS_RESOURCES)
  public void preaccess(RequestDetails request, IPreResourceAccessDetails details) {
    scope.hideOthers(request, details);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(RequestDetails request, IBaseResource resource) {
    if (resource instanceof Appointment appointment && request instanceof ServletRequestDetails) {
      judge.judge(request, null, appointment);
      profiles.validate(appointment);
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(RequestDetails request, IBaseResource previous, IBaseResource resource) {
    if (resource instanceof Appointment appointment && request instanceof ServletRequestDetails) {
      judge.judge(request, (Appointment) previous, appointment);
      profiles.validate(appointment);
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
  public void deleted(RequestDetails request, IBaseResource resource) {
    scope.checkDelete(request, resource);
  }

  /** H1: `Location: [base]/Appointment/<id>` on the 201 and on the 200 of an Appointment write. */
  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public void outgoingResponse(RequestDetails request, IBaseResource resource, HttpServletResponse response) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    if ((operation == RestOperationTypeEnum.CREATE || operation == RestOperationTypeEnum.UPDATE)
        && resource instanceof Appointment appointment
        && appointment.getIdElement().hasIdPart()) {
      response.setHeader("Location", request.getFhirServerBase() + "/Appointment/" + appointment.getIdElement().getIdPart());
    }
  }
}
