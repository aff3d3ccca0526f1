// Names in Medplum: its pre-commit bot mechanism (the embedded host honours them, deploy sets them) and sas-guard's bot.
export const PRE_COMMIT_BOT_EXTENSION_URL = 'https://medplum.com/fhir/StructureDefinition/pre-commit-bot';
/** The Project setting that, with the server flag of the same name, turns pre-commit bots on. */
export const PRE_COMMIT_SETTING = 'preCommitSubscriptionsEnabled';
/** sas-guard's bot, by name, in the Medplum project and in medplum.config.json. */
export const BOT_NAME = 'sas-appointment-guard';
