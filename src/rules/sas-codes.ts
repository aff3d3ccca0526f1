// Canonical URLs and code systems of the SAS guide that the rules read. One place, shared by rules, profiles and hosts.

/** FrAppointmentSAS, canonical URL. */
export const SAS_PROFILE_URL = 'http://sas.fr/fhir/StructureDefinition/FrAppointmentSAS';
/** FrAppointmentSAS as senders also name it (the guide's "Mise à jour" page, a spec snippet). */
export const SAS_PROFILE_URL_INTEROPSANTE = 'http://interopsante.org/fhir/StructureDefinition/FrAppointmentSAS';
/** FrAppointmentSAS under the IG publisher's canonical. */
export const SAS_PROFILE_URL_ESANTE = 'https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/FrAppointmentSAS';
/** SOS Médecins profile (the PS may not be known yet). */
export const SOS_PROFILE_URL = 'https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/sas-sos-appointment';
/** Every profile URL a SAS appointment may name in meta.profile, each with its own StructureDefinition. */
export const ALL_SAS_PROFILE_URLS: readonly string[] = [
  SAS_PROFILE_URL,
  SAS_PROFILE_URL_INTEROPSANTE,
  SAS_PROFILE_URL_ESANTE,
  SOS_PROFILE_URL,
];

/** The FR Core extension naming who booked the appointment. */
export const OPERATOR_EXTENSION_URL = 'http://interopsante.org/fhir/StructureDefinition/FrAppointmentOperator';
export const IDENTIFIER_TYPE_SYSTEM = 'http://interopsante.org/fhir/CodeSystem/fr-v2-0203';
/** National health professional identifiers (RPPS, ADELI, structure-prefixed ids). */
export const OID_IDNPS = 'urn:oid:1.2.250.1.71.4.2.1';
/** SAS technical identifiers of regulators. */
export const OID_SAS_TECHNICAL_ID = 'urn:oid:1.2.250.1.213.3.6';

export const APPOINTMENT_STATUSES = ['pending', 'booked', 'fulfilled', 'noshow', 'cancelled'] as const;
export const PARTICIPANT_STATUSES = ['accepted', 'needs-action'] as const;

/** The project's own CodeSystem naming its rules in `details.coding`. */
export const RULE_CODE_SYSTEM = 'https://sas-guard.dev/fhir/CodeSystem/sas-rule';
/** Tag recording which writer created an appointment (OW-1 judges ownership by it). */
export const OWNER_TAG_SYSTEM = 'https://sas-guard.dev/fhir/CodeSystem/appointment-owner';
