// sas-check's reusable part: inputs → items, the Checker (the server's verdict, offline), and the reports.
export { Checker } from './checker.ts';
export type { CheckResult, CheckStatus, CheckerOptions } from './checker.ts';
export { checkBatch } from './batch.ts';
export type { BatchOptions } from './batch.ts';
export { VERSION_SCOPES } from './versions.ts';
export type { VersionScope } from './versions.ts';
export { expandPaths, itemsOfText, itemsOfTexts, readInputTexts } from './inputs.ts';
export type { InputItem, InputText, ReadError } from './inputs.ts';
export { StructuralValidator } from './validate.ts';
export { formatResult, formatSummary, summarize } from './report.ts';
export type { Summary } from './report.ts';
