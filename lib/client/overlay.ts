/**
 * Draws boxes onto the image they describe, as a PNG the same size as the image (EXIF-rotated): a result's boxes in
 * one colour (`drawOverlay`), or any outlined boxes (`drawOutlines`, which the evaluation overlay uses too).
 */
import type { DetectionResult } from '../../inference-container/src/contract';

export interface OverlayOptions {
  /** Box outline colour (any SVG colour). @default '#ff0000' */
  color?: string;
  /** Outline width in pixels. @default about 0.25 % of the shorter side, at least 2 */
  strokeWidth?: number;
}

export const OVERLAY_DEFAULTS = { color: '#ff0000' } as const;

/** A box to outline: [x1, y1, x2, y2] in pixels of the displayed (EXIF-rotated) image. */
export interface OutlinedBox {
  box: readonly [number, number, number, number];
  /** Any SVG colour. */
  color: string;
  /** A dashed outline, e.g. so a box under another stays visible. @default false */
  dashed?: boolean;
}

export async function drawOverlay(
  image: Uint8Array,
  result: Pick<DetectionResult, 'bboxes'>,
  options: OverlayOptions = {},
): Promise<Buffer> {
  const color = options.color ?? OVERLAY_DEFAULTS.color;
  // bbox_pixel is in the displayed frame, so it is drawn as it is.
  return drawOutlines(image, () => result.bboxes.map(({ bbox_pixel }) => ({ box: bbox_pixel, color })), options);
}

/**
 * Outlines boxes on the image; `boxesFor` gets the displayed image's size (boxes given as page fractions scale by
 * it), and outlines are drawn in its order, later ones on top.
 */
export async function drawOutlines(
  image: Uint8Array,
  boxesFor: (size: { width: number; height: number }) => OutlinedBox[],
  options: Pick<OverlayOptions, 'strokeWidth'> = {},
): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const { width, height } = (await sharp(image, { limitInputPixels: false }).metadata()).autoOrient;
  const stroke = options.strokeWidth ?? Math.max(2, Math.round(Math.min(width, height) / 400));
  const rects = boxesFor({ width, height })
    .map(({ box: [x1, y1, x2, y2], color, dashed }) => {
      const dash = dashed ? ` stroke-dasharray="${stroke * 3},${stroke * 2}"` : '';
      return `<rect x="${x1}" y="${y1}" width="${Math.max(0, x2 - x1)}" height="${Math.max(0, y2 - y1)}" fill="none" stroke="${escapeXml(color)}" stroke-width="${stroke}"${dash}/>`;
    })
    .join('');
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
