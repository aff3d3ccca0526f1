// sas-check's reusable part: inputs → items, the Checker (the server's verdict, offline), and the reports.
export { Checker } from './checker.ts';
export type { CheckResult, CheckStatus, CheckerOptions } from './checker.ts';
export { expandPaths, itemsOfText, readFileItems } from './inputs.ts';
export type { InputItem, ReadError } from './inputs.ts';
export { StructuralValidator } from './validate.ts';
export { formatResult, formatSummary, summarize } from './report.ts';
export type { Summary } from './report.ts';
