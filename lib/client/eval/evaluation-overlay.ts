/**
 * Draws one page's scoring on its image: true positives (matched predictions), false positives (unmatched
 * predictions) and misses (unmatched truth) in three colours, as a PNG the size of the image (EXIF-rotated, like
 * overlay.ts). Boxes are page fractions, so any rendering of the page works.
 */
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
  const { default: sharp } = await import('sharp');
  const { width, height } = (await sharp(image, { limitInputPixels: false }).metadata()).autoOrient;
  const stroke = options.strokeWidth ?? Math.max(2, Math.round(Math.min(width, height) / 400));
  const rect = ([x1, y1, x2, y2]: PageBox, color: string, dashed = false) => {
    const left = Math.round(x1 * width);
    const top = Math.round(y1 * height);
    const w = Math.max(0, Math.round(x2 * width) - left);
    const h = Math.max(0, Math.round(y2 * height) - top);
    const dash = dashed ? ` stroke-dasharray="${stroke * 3},${stroke * 2}"` : '';
    return `<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="${escapeXml(color)}" stroke-width="${stroke}"${dash}/>`;
  };
  const matched = new Set(match.pairs.map((p) => p.predicted));
  const rects = [
    // Misses dashed, so a miss under a false positive stays visible.
    ...match.missed.map((i) => rect(score.truth[i].box, options.missColor ?? EVALUATION_OVERLAY_COLORS.miss, true)),
    ...match.extra.map((i) =>
      rect(score.predicted[i], options.falsePositiveColor ?? EVALUATION_OVERLAY_COLORS.falsePositive),
    ),
    ...[...matched].map((i) =>
      rect(score.predicted[i], options.truePositiveColor ?? EVALUATION_OVERLAY_COLORS.truePositive),
    ),
  ].join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" shape-rendering="crispEdges">${rects}</svg>`;
  return sharp(image, { limitInputPixels: false })
    .autoOrient()
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
