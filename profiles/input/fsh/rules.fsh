// The SAS constraints on the operator, applied to the profiles' appointmentOperator slice (a conformant validator
// reads them from the slice's snapshot children).
RuleSet: OperatorIdentifierRules
* value[x] 1..1
* value[x] only Reference
* valueReference 1..1
* valueReference.identifier 1..1
* valueReference.identifier.type 1..1
* valueReference.identifier.type.coding 1..1
* valueReference.identifier.type.coding.system 1..1
* valueReference.identifier.type.coding.system = $fr-v2-0203 (exactly)
* valueReference.identifier.type.coding.code 1..1
* valueReference.identifier.type.coding from SasOperatorIdentifierType (required)
* valueReference.identifier.system 1..1
* valueReference.identifier.value 1..1

// Medplum's validator checks a slice's cardinality and its discriminator (the url) but not the constraints on the
// slice's children, so the profiles also carry these invariants on Appointment.extension, evaluated on each extension
// and reported at Appointment.extension[n].
Invariant: sas-op-1
Description: "The FrAppointmentOperator extension has a valueReference (and no other value type)."
Severity: #error
Expression: "url != 'http://interopsante.org/fhir/StructureDefinition/FrAppointmentOperator' or (value.ofType(Reference).exists() and value.count() = 1)"

Invariant: sas-op-2
Description: "The FrAppointmentOperator valueReference.identifier has a system and a value."
Severity: #error
Expression: "url != 'http://interopsante.org/fhir/StructureDefinition/FrAppointmentOperator' or (value.ofType(Reference).identifier.system.exists() and value.ofType(Reference).identifier.value.exists())"

Invariant: sas-op-3
Description: "The FrAppointmentOperator valueReference.identifier.type has exactly one coding, from http://interopsante.org/fhir/CodeSystem/fr-v2-0203, with a code."
Severity: #error
Expression: "url != 'http://interopsante.org/fhir/StructureDefinition/FrAppointmentOperator' or (value.ofType(Reference).identifier.type.coding.count() = 1 and value.ofType(Reference).identifier.type.coding.all(system = 'http://interopsante.org/fhir/CodeSystem/fr-v2-0203' and code.exists()))"

// What FrAppointmentSAS and the SOS Médecins profile share: everything except the constraints on participant.actor.
RuleSet: SasAppointmentCommon
* ^status = #active
* ^experimental = false
* identifier 1..1
* identifier.system 1..1
* identifier.value 1..1
* status from SasAppointmentStatus (required)
* start 1..1
* end 1..1
* created MS
* participant.status from SasParticipantStatus (required)
* extension 1..1
* extension obeys sas-op-1 and sas-op-2 and sas-op-3
* extension contains FrAppointmentOperator named appointmentOperator 1..1
* extension[appointmentOperator] insert OperatorIdentifierRules
