// FrAppointmentSAS, built on base R4 Appointment with what FR Core adds that SAS relies on (the operator extension).
// The build also ships it under http://interopsante.org/fhir/... and https://interop.esante.gouv.fr/ig/fhir/sas/...,
// the URLs senders put in meta.profile.
Profile: FrAppointmentSAS
Parent: Appointment
Id: FrAppointmentSAS
Title: "FrAppointmentSAS"
Description: "A SAS appointment (PS individual and CPTS use cases): identified, dated, booked by a known operator, with the health professional identified by RPPS/ADELI (IDNPS)."
* insert SasAppointmentCommon
* participant.actor.identifier 1..1
* participant.actor.identifier.type 1..1
* participant.actor.identifier.type.coding 1..1
* participant.actor.identifier.type = $fr-v2-0203#IDNPS
* participant.actor.identifier.system 1..1
* participant.actor.identifier.system = "urn:oid:1.2.250.1.71.4.2.1" (exactly)
* participant.actor.identifier.value 1..1
