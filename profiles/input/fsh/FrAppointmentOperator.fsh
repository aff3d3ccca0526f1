// The FR Core extension naming who booked the appointment (the regulator or the PS). As in FR Core, it only says the
// value is a Reference: the SAS profiles constrain its identifier in their appointmentOperator slice. (Constraining it
// here too would leave the slice's children out of the profiles' differentials, so out of their generated snapshots,
// and Medplum matches the slice on the snapshot's `extension:appointmentOperator.url`.)
Extension: FrAppointmentOperator
Id: FrAppointmentOperator
Title: "FR appointment operator"
Description: "The operator who took the appointment, identified by a typed identifier (IDNPS or INTRN)."
* ^url = "http://interopsante.org/fhir/StructureDefinition/FrAppointmentOperator"
* ^status = #active
* ^experimental = false
* ^context[0].type = #element
* ^context[0].expression = "Appointment"
* value[x] 1..1
* value[x] only Reference
