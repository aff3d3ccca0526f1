Alias: $fr-v2-0203 = http://interopsante.org/fhir/CodeSystem/fr-v2-0203
Alias: $appointmentstatus = http://hl7.org/fhir/appointmentstatus
Alias: $participationstatus = http://hl7.org/fhir/participationstatus
Alias: $oid-idnps = urn:oid:1.2.250.1.71.4.2.1
