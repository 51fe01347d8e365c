/** The audit report (see README.md): `computeReport` (model), `printReportHtml` (one self-contained file), `reportSummaryLines` (terminal). */
export * from './model.js';
export * from './html.js';
export * from './summary.js';
