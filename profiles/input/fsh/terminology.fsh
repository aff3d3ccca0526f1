// Value sets narrowing the R4 codes to what SAS uses. Medplum does not enforce required bindings by default:
// the business rules check these codes; the bindings document them and serve validators that do enforce them.

ValueSet: SasAppointmentStatus
Id: sas-appointment-status
Title: "SAS appointment status"
Description: "Appointment.status values a SAS appointment may carry."
* ^status = #active
* ^experimental = false
* $appointmentstatus#pending "Pending"
* $appointmentstatus#booked "Booked"
* $appointmentstatus#fulfilled "Fulfilled"
* $appointmentstatus#noshow "No Show"
* $appointmentstatus#cancelled "Cancelled"

ValueSet: SasParticipantStatus
Id: sas-participant-status
Title: "SAS participant status"
Description: "Appointment.participant.status values a SAS appointment may carry (FrAppointmentSAS up to 1.2.0 fixed accepted; the 2026 build and SOS Médecins also allow needs-action)."
* ^status = #active
* ^experimental = false
* $participationstatus#accepted "Accepted"
* $participationstatus#needs-action "Needs Action"

ValueSet: SasOperatorIdentifierType
Id: sas-operator-identifier-type
Title: "SAS operator identifier type"
Description: "Identifier types of the person who took the appointment (FrAppointmentOperator): a health professional national identifier (IDNPS) or an internal identifier (INTRN)."
* ^status = #active
* ^experimental = false
* $fr-v2-0203#IDNPS "Identifiant National de Professionnel de Santé"
* $fr-v2-0203#INTRN "Identifiant interne"
