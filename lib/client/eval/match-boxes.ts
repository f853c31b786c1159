/**
 * One-to-one matching of predicted boxes to truth boxes on one page, by IoU.
 *
 * The matching is optimal, not greedy: among all one-to-one pairings that use only pairs with IoU ≥ the threshold,
 * it takes one with the most pairs and, among those, the largest total IoU. The model gives no confidence scores
 * to order a greedy pass by (COCO's procedure), and a greedy pass by IoU can lose a match when one box overlaps
 * two; the most pairs is what precision and recall count, and the largest total IoU makes mean IoU not depend on
 * the order of the boxes.
 *
 * It is solved as an assignment problem (Hungarian algorithm, the `munkres` package) on costs
 * `1 − IoU` for eligible pairs and `K + 1` for the rest, where K = min(#truth, #predicted): a full assignment has K
 * pairs, each ineligible pair costs more than all eligible pairs together can, so the cheapest assignment first
 * uses as few ineligible pairs as possible (the most matches), then the least Σ(1 − IoU) (the largest total IoU).
 * Ineligible pairs in the assignment are then dropped.
 */
import { munkres } from 'munkres';
import { iou, type PageBox } from './boxes';

export interface MatchedPair {
  /** Index into the truth boxes. */
  truth: number;
  /** Index into the predicted boxes. */
  predicted: number;
  iou: number;
}

export interface PageMatch {
  threshold: number;
  /** Sorted by truth index. */
  pairs: MatchedPair[];
  /** Truth boxes no prediction matched (misses), ascending. */
  missed: number[];
  /** Predicted boxes that matched no truth box (false positives), ascending. */
  extra: number[];
}

export function matchBoxes(truth: readonly PageBox[], predicted: readonly PageBox[], threshold: number): PageMatch {
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`IoU threshold must be in (0, 1], got ${threshold}`);
  const pairs: MatchedPair[] = [];
  if (truth.length > 0 && predicted.length > 0) {
    const overlaps = truth.map((t) => predicted.map((p) => iou(t, p)));
    const ineligible = Math.min(truth.length, predicted.length) + 1;
    const costs = overlaps.map((row) => row.map((value) => (value >= threshold ? 1 - value : ineligible)));
    for (const [t, p] of munkres(costs)) {
      if (overlaps[t][p] >= threshold) pairs.push({ truth: t, predicted: p, iou: overlaps[t][p] });
    }
    pairs.sort((a, b) => a.truth - b.truth);
  }
  const matchedTruth = new Set(pairs.map((pair) => pair.truth));
  const matchedPredicted = new Set(pairs.map((pair) => pair.predicted));
  return {
    threshold,
    pairs,
    missed: truth.map((_, index) => index).filter((index) => !matchedTruth.has(index)),
    extra: predicted.map((_, index) => index).filter((index) => !matchedPredicted.has(index)),
  };
}
