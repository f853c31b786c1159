/**
 * Scoring detections against ground truth: boxes in page fractions, optimal one-to-one matching by IoU, precision,
 * recall, F1 and mean IoU per page, file, field type and overall, truth from pdfme templates or JSONL boxes,
 * predictions from saved detection records, report.json, a Markdown summary, the adapter-versus-base comparison,
 * and overlays. Pure functions apart from the file readers; no endpoint is called here.
 */
export * from './boxes';
export * from './detection-records';
export * from './evaluation-overlay';
export * from './match-boxes';
export * from './metrics';
export * from './pdf-page-sizes';
export * from './report-markdown';
export * from './score';
export * from './truth';
