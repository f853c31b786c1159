/**
 * Precision, recall, F1 and mean IoU from counts, with defined values when a count is zero.
 *
 * Conventions (scikit-learn's `zero_division=1` for precision and recall): nothing predicted has precision 1 (no
 * prediction was wrong); nothing to find has recall 1 (nothing was missed). F1 = 2·matched / (truth + predicted),
 * the harmonic mean of the two, and 1 when both are empty — so a page with no fields and no predictions is
 * perfect, a page with fields and no predictions has F1 0, and a page without fields with predictions has F1 0.
 * Mean IoU averages the IoU of matched pairs only, and is null when nothing matched (there is nothing to average).
 * Aggregates (per file, per type, overall) add the counts first and then divide: micro-averaging.
 */

/** Counts at one IoU threshold. */
export interface MatchCounts {
  truth: number;
  predicted: number;
  matched: number;
  /** Sum of the IoU of matched pairs. */
  iouSum: number;
}

/** What report.json holds per IoU threshold. */
export interface DetectionMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Mean IoU of matched pairs; null when none matched. */
  meanIou: number | null;
  truth: number;
  predicted: number;
  matched: number;
}

/** Per truth field type: recall only, since predictions carry no type (see score.ts). */
export interface TypeMetrics {
  truth: number;
  matched: number;
  recall: number;
  meanIou: number | null;
}

export const zeroCounts = (): MatchCounts => ({ truth: 0, predicted: 0, matched: 0, iouSum: 0 });

export function addCounts(into: MatchCounts, more: MatchCounts): MatchCounts {
  into.truth += more.truth;
  into.predicted += more.predicted;
  into.matched += more.matched;
  into.iouSum += more.iouSum;
  return into;
}

export function metricsOf({ truth, predicted, matched, iouSum }: MatchCounts): DetectionMetrics {
  return {
    precision: predicted === 0 ? 1 : matched / predicted,
    recall: truth === 0 ? 1 : matched / truth,
    f1: truth + predicted === 0 ? 1 : (2 * matched) / (truth + predicted),
    meanIou: matched === 0 ? null : iouSum / matched,
    truth,
    predicted,
    matched,
  };
}

export function typeMetricsOf({ truth, matched, iouSum }: MatchCounts): TypeMetrics {
  return {
    truth,
    matched,
    recall: truth === 0 ? 1 : matched / truth,
    meanIou: matched === 0 ? null : iouSum / matched,
  };
}
