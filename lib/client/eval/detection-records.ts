/**
 * Reads saved detection records — what `form-detect --out` writes, as a JSON array or JSONL — into predictions.
 *
 * Record shapes read:
 * - `{file, ok: true, ms, result}`: one image (page 1);
 * - `{file, page, ok, result | error}`: one page of a multi-page input;
 * - `{file, ok, pages: [{page?, ok?, result | error}]}`: every page of a multi-page input in one record (a page without
 *   `page` is numbered by its position, from 1);
 * - `{file, ok: false, error}`: the whole file failed.
 * The last successful record of a page wins (a resumed batch may hold a failure and then a success for it).
 * `file` is resolved against `baseDir`: form-detect records the paths it was given, relative to where it ran.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { detectionResultProblem } from '../detection-result';
import type { DetectionResult } from '../../../inference-container/src/contract';
import { fromNormalized } from './boxes';
import type { PredictedDocument, PredictedPage } from './score';

export interface RecordReadOptions {
  /**
   * Directory the records' relative `file` paths are resolved against.
   * @default the current working directory
   */
  baseDir?: string;
  /** Names the records in error messages. @default 'the records' */
  what?: string;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function errorText(error: unknown): string {
  if (isObject(error)) {
    const code = typeof error.code === 'string' ? error.code : 'error';
    return typeof error.message === 'string' ? `${code}: ${error.message}` : code;
  }
  return 'unknown error';
}

/** Splits JSON (an array of records, or one record) or JSONL into records with where each came from. */
function splitRecords(text: string, what: string): Array<{ where: string; value: unknown }> {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new Error(`${what}: not valid JSON (${(error as Error).message}); expected form-detect --out records`, {
        cause: error,
      });
    }
    return (parsed as unknown[]).map((value, index) => ({ where: `${what} [${index}]`, value }));
  }
  const records: Array<{ where: string; value: unknown }> = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      records.push({ where: `${what} line ${index + 1}`, value: JSON.parse(line) });
    } catch (error) {
      problems.push(`${what} line ${index + 1}: not JSON (${(error as Error).message})`);
    }
  });
  if (problems.length > 0) throw new Error(summarize(problems));
  return records;
}

function summarize(problems: string[]): string {
  const shown = problems.slice(0, 20);
  const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : '';
  return `detection records cannot be read:\n  ${shown.join('\n  ')}${more}\nExpected the records form-detect --out writes: {"file", "ok", "result" | "error"} per line (JSONL) or in a JSON array.`;
}

export function parseDetectionRecords(text: string, options: RecordReadOptions = {}): PredictedDocument[] {
  const what = options.what ?? 'the records';
  const baseDir = options.baseDir ?? process.cwd();
  const documents = new Map<string, { pages: Map<number, PredictedPage>; failures: PredictedDocument['failures'] }>();
  const problems: string[] = [];

  const documentFor = (file: string) => {
    const path = resolve(baseDir, file);
    let doc = documents.get(path);
    if (!doc) documents.set(path, (doc = { pages: new Map(), failures: [] }));
    return doc;
  };
  const takePage = (where: string, file: string, page: number, entry: Json) => {
    const doc = documentFor(file);
    if (entry.ok === false || (entry.result === undefined && entry.error !== undefined)) {
      doc.failures.push({ page, reason: errorText(entry.error) });
      return;
    }
    const problem = detectionResultProblem(entry.result);
    if (problem) {
      problems.push(`${where} (${file}, page ${page}): result is not a DetectionResult (${problem})`);
      return;
    }
    const result = entry.result as DetectionResult;
    doc.pages.set(page, {
      page,
      boxes: result.bboxes.map((box) => fromNormalized(box.bbox_normalized)),
      ...(result.model ? { model: result.model } : {}),
    });
  };

  for (const { where, value } of splitRecords(text, what)) {
    if (!isObject(value) || typeof value.file !== 'string' || value.file === '') {
      problems.push(`${where}: not a record with a "file" string`);
      continue;
    }
    const file = value.file;
    const page = value.page;
    if (page !== undefined && !(Number.isInteger(page) && (page as number) >= 1)) {
      problems.push(`${where} (${file}): "page" must be a whole number from 1, got ${JSON.stringify(page)}`);
      continue;
    }
    if (Array.isArray(value.pages)) {
      value.pages.forEach((entry, index) => {
        if (!isObject(entry)) {
          problems.push(`${where} (${file}): pages[${index}] is not an object`);
          return;
        }
        const number = entry.page ?? index + 1;
        if (!(Number.isInteger(number) && (number as number) >= 1)) {
          problems.push(`${where} (${file}): pages[${index}].page must be a whole number from 1`);
          return;
        }
        takePage(`${where} pages[${index}]`, file, number as number, entry);
      });
      if (value.ok === false && value.pages.length === 0)
        documentFor(file).failures.push({ reason: errorText(value.error) });
      continue;
    }
    if (value.ok === false && page === undefined) {
      documentFor(file).failures.push({ reason: errorText(value.error) });
      continue;
    }
    takePage(where, file, (page as number | undefined) ?? 1, value);
  }
  if (problems.length > 0) throw new Error(summarize(problems));

  return [...documents].map(([file, doc]) => ({
    file,
    pages: [...doc.pages.values()].sort((a, b) => a.page - b.page),
    // A failure is moot once the same page (or, for a whole-file failure, any page) succeeded later.
    failures: doc.failures.filter((f) => (f.page === undefined ? doc.pages.size === 0 : !doc.pages.has(f.page))),
  }));
}

/** Reads a records file (.json or .jsonl). */
export async function readDetectionRecords(
  path: string,
  options: RecordReadOptions = {},
): Promise<PredictedDocument[]> {
  return parseDetectionRecords(await readFile(path, 'utf8'), { what: path, ...options });
}
