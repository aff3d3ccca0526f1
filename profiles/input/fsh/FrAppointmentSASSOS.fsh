// SOS Médecins: as FrAppointmentSAS, but the PS may not be known yet (participant.type ADM, status needs-action),
// so participant.actor is not constrained.
Profile: FrAppointmentSASSOS
Parent: Appointment
Id: sas-sos-appointment
Title: "FrAppointmentSASSOS"
Description: "A SAS appointment for the SOS Médecins use case: as FrAppointmentSAS without constraints on participant.actor."
* ^url = "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/sas-sos-appointment"
* insert SasAppointmentCommon
