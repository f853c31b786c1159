/**
 * One record per input, as `form-detect` writes it (JSON, JSONL) and `form-detect eval` keeps it: an image's result,
 * a PDF's pages, a written template / fillable PDF, or the failure. eval/detection-records.ts reads them back.
 */
import type { DetectionResult } from '../../../inference-container/src/contract';
import { DetectorError } from '../detector-error';
import type { DetectedDocument, DetectedPage } from '../pdf/detect-pdf';
import type { SummaryRow } from './summary-table';

export type ErrorDetail = { code: string; message: string; status?: number };

export type DetectionRecord =
  | { file: string; ok: true; ms: number; result: DetectionResult; overlay?: string }
  | { file: string; ok: true; ms: number; pages: DetectedPage[]; overlays?: string[] }
  | { file: string; ok: true; ms: number; output: string; pageCount: number; fields: number }
  | { file: string; ok: false; ms: number; error: ErrorDetail };

/** The record of a detected document: an image's one result, or a PDF's pages; with the overlays drawn for it. */
export function detectedRecord(
  file: string,
  ms: number,
  doc: Pick<DetectedDocument, 'kind' | 'pages'>,
  overlays: string[] = [],
): DetectionRecord {
  if (doc.kind === 'image') {
    return { file, ok: true, ms, result: doc.pages[0].result, ...(overlays[0] ? { overlay: overlays[0] } : {}) };
  }
  return { file, ok: true, ms, pages: doc.pages, ...(overlays.length ? { overlays } : {}) };
}

export function failedRecord(file: string, error: unknown, ms: number): DetectionRecord {
  return { file, ok: false, ms, error: errorDetail(error) };
}

export function errorDetail(error: unknown): ErrorDetail {
  if (error instanceof DetectorError) {
    return { code: error.code, message: error.message, ...(error.status ? { status: error.status } : {}) };
  }
  return { code: (error as NodeJS.ErrnoException).code ?? 'error', message: (error as Error).message };
}

export function boxesOf(record: Extract<DetectionRecord, { ok: true }>): number {
  if ('result' in record) return record.result.count;
  if ('pages' in record) return record.pages.reduce((sum, page) => sum + page.result.count, 0);
  return record.fields;
}

/** The progress line of a finished input. */
export function describeRecord(record: DetectionRecord): string {
  return record.ok ? `${boxesOf(record)} boxes, ${record.ms} ms` : `${record.error.code}: ${record.error.message}`;
}

/** A row of the summary table printed after a batch. */
export function summaryRow(record: DetectionRecord): SummaryRow {
  return {
    file: record.file,
    boxes: record.ok ? boxesOf(record) : undefined,
    ms: record.ms,
    status: record.ok
      ? 'output' in record && record.output !== '-'
        ? `ok → ${record.output}`
        : 'ok'
      : `failed: ${record.error.code}: ${record.error.message}`,
  };
}
