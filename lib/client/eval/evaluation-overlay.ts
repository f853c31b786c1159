/**
 * Draws one page's scoring on its image: true positives (matched predictions), false positives (unmatched
 * predictions) and misses (unmatched truth) in three colours, as a PNG the size of the image (EXIF-rotated, like
 * overlay.ts, whose drawOutlines draws them). Boxes are page fractions, so any rendering of the page works.
 */
import { drawOutlines, type OutlinedBox } from '../overlay';
import type { PageBox } from './boxes';
import type { PageScore } from './score';

export interface EvaluationOverlayOptions {
  /**
   * Which threshold's matching to draw (one of the scored thresholds).
   * @default 0.5 when scored, else the first
   */
  threshold?: number;
  /** @default '#1a9641' (green) */
  truePositiveColor?: string;
  /** @default '#d7191c' (red) */
  falsePositiveColor?: string;
  /** @default '#2c7bb6' (blue) */
  missColor?: string;
  /** Outline width in pixels. @default about 0.25 % of the shorter side, at least 2 */
  strokeWidth?: number;
}

/** Colour-blind-safe defaults (ColorBrewer RdYlBu / RdYlGn ends). */
export const EVALUATION_OVERLAY_COLORS = {
  truePositive: '#1a9641',
  falsePositive: '#d7191c',
  miss: '#2c7bb6',
} as const;

export async function drawEvaluationOverlay(
  image: Uint8Array,
  score: Pick<PageScore, 'truth' | 'predicted' | 'matches'>,
  options: EvaluationOverlayOptions = {},
): Promise<Buffer> {
  const match =
    (options.threshold === undefined
      ? (score.matches.find((m) => m.threshold === 0.5) ?? score.matches[0])
      : score.matches.find((m) => m.threshold === options.threshold)) ?? undefined;
  if (!match) throw new Error(`no matching at IoU ${options.threshold} in this page's score`);
  const colors = {
    truePositive: options.truePositiveColor ?? EVALUATION_OVERLAY_COLORS.truePositive,
    falsePositive: options.falsePositiveColor ?? EVALUATION_OVERLAY_COLORS.falsePositive,
    miss: options.missColor ?? EVALUATION_OVERLAY_COLORS.miss,
  };
  const matched = match.pairs.map((p) => p.predicted);
  return drawOutlines(
    image,
    ({ width, height }) => {
      const pixels = ([x1, y1, x2, y2]: PageBox): OutlinedBox['box'] => {
        const left = Math.round(x1 * width);
        const top = Math.round(y1 * height);
        return [left, top, Math.max(left, Math.round(x2 * width)), Math.max(top, Math.round(y2 * height))];
      };
      return [
        // Misses dashed and first, so a miss under a false positive stays visible.
        ...match.missed.map((i) => ({ box: pixels(score.truth[i].box), color: colors.miss, dashed: true })),
        ...match.extra.map((i) => ({ box: pixels(score.predicted[i]), color: colors.falsePositive })),
        ...matched.map((i) => ({ box: pixels(score.predicted[i]), color: colors.truePositive })),
      ];
    },
    options,
  );
}
