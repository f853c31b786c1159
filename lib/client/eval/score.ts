/**
 * Scores predicted boxes against truth: per page, one-to-one matching at each IoU threshold (match-boxes.ts), then
 * counts added up per file, per truth field type and overall (micro-averaged over every scored page of every
 * file: counts first, then ratios; metrics.ts has the conventions for empty pages).
 *
 * Per field type: predictions carry no type, so a false positive belongs to no type and per-type precision is not
 * defined. Each type reports its truth count, how many of those boxes were matched, recall, and the mean IoU of its
 * matched pairs; precision and F1 exist overall and per file only.
 *
 * Which pages are scored: the truth's. A page the truth lists is scored against the predictions for the same page
 * of the same file; a page the predictions hold and the truth does not list is not scored (the truth says nothing
 * about it). A truth page without predictions — its file never detected, or its detection failed — is not scored
 * either, and is listed under `unscored` with the reason, never counted as a page with nothing predicted.
 */
import { basename, resolve } from 'node:path';
import type { PageBox } from './boxes';
import { matchBoxes, type PageMatch } from './match-boxes';
import {
  addCounts,
  metricsOf,
  typeMetricsOf,
  zeroCounts,
  type DetectionMetrics,
  type MatchCounts,
  type TypeMetrics,
} from './metrics';

/** The IoU thresholds reported by default: report keys iou30, iou50, iou70. */
export const DEFAULT_IOU_THRESHOLDS = [0.3, 0.5, 0.7] as const;

/** `iou50` for 0.5: the key of a threshold in report.json. */
export const thresholdKey = (threshold: number) => `iou${Math.round(threshold * 100)}`;

export interface TruthBox {
  box: PageBox;
  /** The field's type, e.g. pdfme's `text`, `checkbox`, `circleMark`; `field` when the truth names none. */
  type: string;
  /** The field's name, when the truth has one (pdfme). */
  name?: string;
}

export interface TruthPage {
  /** 1-based. */
  page: number;
  boxes: TruthBox[];
  /** The visible page in millimetres, when the truth comes from a PDF. */
  sizeMm?: { width: number; height: number };
}

/** The truth for one input file (an image, or every page of a PDF). */
export interface TruthDocument {
  /** The input the predictions are for, as an absolute path. */
  file: string;
  /** Where this truth was read from (a template.json or a JSONL file). */
  source: string;
  pages: TruthPage[];
}

export interface PredictedPage {
  /** 1-based. */
  page: number;
  boxes: PageBox[];
  /** The model that answered (DetectionResult.model), when known. */
  model?: string;
}

/** The predictions for one input file, as read from detect records. */
export interface PredictedDocument {
  /** As an absolute path. */
  file: string;
  pages: PredictedPage[];
  /** Pages (or the whole file, page undefined) whose detection failed, with the reason. */
  failures: Array<{ page?: number; reason: string }>;
}

export interface PageScore {
  file: string;
  page: number;
  truth: TruthBox[];
  predicted: PageBox[];
  model?: string;
  /** One match per threshold, in the order of the thresholds. */
  matches: PageMatch[];
}

export type LevelMetrics = Record<string, DetectionMetrics>;
export type LevelTypeMetrics = Record<string, TypeMetrics>;

export interface PageReport {
  page: number;
  model?: string;
  overall: LevelMetrics;
}

export interface FileReport {
  file: string;
  /** Where its truth came from. */
  truth: string;
  /** Distinct models that answered for this file. */
  models: string[];
  overall: LevelMetrics;
  types: Record<string, LevelTypeMetrics>;
  pages: PageReport[];
}

export interface Unscored {
  file: string;
  page?: number;
  reason: string;
}

/** report.json. */
export interface EvalReport {
  thresholds: number[];
  /** How boxes were matched and averaged, in words. */
  method: string;
  /** Distinct models that answered, over every scored page. */
  models: string[];
  /** Micro-averaged over every scored page of every file: `overall.iou50.precision` etc. */
  overall: LevelMetrics;
  /** Per truth field type (recall only). */
  types: Record<string, LevelTypeMetrics>;
  files: FileReport[];
  /** Truth pages that could not be scored, and prediction files without truth. */
  unscored: Unscored[];
}

export interface ScoreOptions {
  /**
   * IoU thresholds, each in (0, 1].
   * @default DEFAULT_IOU_THRESHOLDS (0.3, 0.5, 0.7)
   */
  thresholds?: readonly number[];
}

export const SCORING_METHOD =
  'one-to-one optimal matching per page (most pairs with IoU >= threshold, then largest total IoU); ' +
  'counts micro-averaged over every scored page; precision 1 with no predictions, recall 1 with no truth, ' +
  'F1 = 2·matched/(truth + predicted) (1 when both are 0), mean IoU over matched pairs (null with none); ' +
  'per-type figures are recall only (predictions have no type)';

/** Matches one page at every threshold. */
export function scorePage(
  file: string,
  truth: TruthPage,
  predicted: PredictedPage,
  thresholds: readonly number[] = DEFAULT_IOU_THRESHOLDS,
): PageScore {
  const truthBoxes = truth.boxes.map((b) => b.box);
  return {
    file,
    page: truth.page,
    truth: truth.boxes,
    predicted: predicted.boxes,
    ...(predicted.model ? { model: predicted.model } : {}),
    matches: thresholds.map((threshold) => matchBoxes(truthBoxes, predicted.boxes, threshold)),
  };
}

const countsOf = (score: PageScore, level: number): MatchCounts => {
  const match = score.matches[level];
  return {
    truth: score.truth.length,
    predicted: score.predicted.length,
    matched: match.pairs.length,
    iouSum: match.pairs.reduce((sum, pair) => sum + pair.iou, 0),
  };
};

/** Per-level totals of a set of page scores. */
function levelTotals(scores: PageScore[], thresholds: readonly number[]): MatchCounts[] {
  return thresholds.map((_, level) => scores.reduce((sum, s) => addCounts(sum, countsOf(s, level)), zeroCounts()));
}

function typeTotals(scores: PageScore[], thresholds: readonly number[]): Map<string, MatchCounts[]> {
  const byType = new Map<string, MatchCounts[]>();
  for (const score of scores) {
    score.truth.forEach(({ type }, index) => {
      let counts = byType.get(type);
      if (!counts) byType.set(type, (counts = thresholds.map(() => zeroCounts())));
      thresholds.forEach((_, level) => {
        counts[level].truth += 1;
        const pair = score.matches[level].pairs.find((p) => p.truth === index);
        if (pair) {
          counts[level].matched += 1;
          counts[level].iouSum += pair.iou;
        }
      });
    });
  }
  return byType;
}

const levels = <T>(thresholds: readonly number[], values: T[]): Record<string, T> =>
  Object.fromEntries(thresholds.map((threshold, level) => [thresholdKey(threshold), values[level]]));

const typeReport = (scores: PageScore[], thresholds: readonly number[]) =>
  Object.fromEntries(
    [...typeTotals(scores, thresholds)]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, counts]) => [type, levels(thresholds, counts.map(typeMetricsOf))]),
  );

const modelsOf = (scores: PageScore[]) =>
  [...new Set(scores.map((s) => s.model).filter((m): m is string => m !== undefined))].sort();

/** Builds report.json from page scores (grouped by file in the order given). */
export function buildReport(
  scores: PageScore[],
  truthSources: Map<string, string>,
  unscored: Unscored[] = [],
  thresholds: readonly number[] = DEFAULT_IOU_THRESHOLDS,
): EvalReport {
  const byFile = new Map<string, PageScore[]>();
  for (const score of scores) byFile.set(score.file, [...(byFile.get(score.file) ?? []), score]);
  const files: FileReport[] = [...byFile].map(([file, pages]) => ({
    file,
    truth: truthSources.get(file) ?? '',
    models: modelsOf(pages),
    overall: levels(thresholds, levelTotals(pages, thresholds).map(metricsOf)),
    types: typeReport(pages, thresholds),
    pages: pages.map((page) => ({
      page: page.page,
      ...(page.model ? { model: page.model } : {}),
      overall: levels(thresholds, levelTotals([page], thresholds).map(metricsOf)),
    })),
  }));
  return {
    thresholds: [...thresholds],
    method: SCORING_METHOD,
    models: modelsOf(scores),
    overall: levels(thresholds, levelTotals(scores, thresholds).map(metricsOf)),
    types: typeReport(scores, thresholds),
    files,
    unscored,
  };
}

function checkThresholds(thresholds: readonly number[]): void {
  const bad = thresholds.filter((t) => !(typeof t === 'number' && t > 0 && t <= 1));
  if (thresholds.length === 0 || bad.length > 0) {
    throw new RangeError(
      `IoU thresholds must be numbers in (0, 1], e.g. [0.3, 0.5, 0.7]; got [${thresholds.join(', ')}]`,
    );
  }
  const keys = thresholds.map(thresholdKey);
  if (new Set(keys).size !== keys.length) {
    throw new RangeError(`IoU thresholds must differ in their first two decimals (report keys ${keys.join(', ')})`);
  }
}

/**
 * Pairs each truth document with the predictions for the same file: the same absolute path, else the same file name
 * when exactly one truth document and one prediction document have it (predictions recorded on another machine or
 * from another working directory).
 */
export function pairDocuments(
  truth: TruthDocument[],
  predictions: PredictedDocument[],
): { pairs: Array<[TruthDocument, PredictedDocument | undefined]>; orphans: PredictedDocument[] } {
  const byPath = new Map(predictions.map((p) => [resolve(p.file), p]));
  const countNames = (files: string[]) =>
    files.reduce((m, f) => m.set(basename(f), (m.get(basename(f)) ?? 0) + 1), new Map<string, number>());
  const truthNames = countNames(truth.map((t) => t.file));
  const predictionNames = countNames(predictions.map((p) => p.file));
  const used = new Set<PredictedDocument>();
  const pairs = truth.map((doc): [TruthDocument, PredictedDocument | undefined] => {
    let found = byPath.get(resolve(doc.file));
    const name = basename(doc.file);
    if (!found && truthNames.get(name) === 1 && predictionNames.get(name) === 1) {
      found = predictions.find((p) => basename(p.file) === name);
    }
    if (found && used.has(found)) found = undefined;
    if (found) used.add(found);
    return [doc, found];
  });
  return { pairs, orphans: predictions.filter((p) => !used.has(p)) };
}

/** Scores every truth document against its predictions; the report and the page scores (for overlays). */
export function evaluate(
  truth: TruthDocument[],
  predictions: PredictedDocument[],
  options: ScoreOptions = {},
): { report: EvalReport; pages: PageScore[] } {
  const thresholds = options.thresholds ?? DEFAULT_IOU_THRESHOLDS;
  checkThresholds(thresholds);
  const { pairs, orphans } = pairDocuments(truth, predictions);
  const pages: PageScore[] = [];
  const unscored: Unscored[] = [];
  for (const [doc, predicted] of pairs) {
    if (!predicted) {
      unscored.push({ file: doc.file, reason: 'no detection record for this file' });
      continue;
    }
    const wholeFileFailure = predicted.failures.find((f) => f.page === undefined);
    for (const page of doc.pages) {
      const found = predicted.pages.find((p) => p.page === page.page);
      if (found) {
        pages.push(scorePage(doc.file, page, found, thresholds));
        continue;
      }
      const failure = predicted.failures.find((f) => f.page === page.page) ?? wholeFileFailure;
      unscored.push({
        file: doc.file,
        page: page.page,
        reason: failure ? `detection failed: ${failure.reason}` : 'no prediction for this page',
      });
    }
  }
  for (const orphan of orphans) {
    unscored.push({ file: orphan.file, reason: 'no truth for this file: not scored' });
  }
  const sources = new Map(truth.map((doc) => [doc.file, doc.source]));
  return { report: buildReport(pages, sources, unscored, thresholds), pages };
}
