/** Draws a result's boxes onto the image it describes, as a PNG the same size as the image (EXIF-rotated). */
import type { DetectionResult } from '../../inference-container/src/contract';

export interface OverlayOptions {
  /** Box outline colour (any SVG colour). @default '#ff0000' */
  color?: string;
  /** Outline width in pixels. @default about 0.25 % of the shorter side, at least 2 */
  strokeWidth?: number;
}

export const OVERLAY_DEFAULTS = { color: '#ff0000' } as const;

export async function drawOverlay(
  image: Uint8Array,
  result: Pick<DetectionResult, 'bboxes'>,
  options: OverlayOptions = {},
): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  // bbox_pixel is in the displayed frame, so draw on the EXIF-rotated image.
  const { width, height } = (await sharp(image, { limitInputPixels: false }).metadata()).autoOrient;
  const color = options.color ?? OVERLAY_DEFAULTS.color;
  const stroke = options.strokeWidth ?? Math.max(2, Math.round(Math.min(width, height) / 400));
  const rects = result.bboxes
    .map(({ bbox_pixel: [x1, y1, x2, y2] }) => {
      const w = Math.max(0, x2 - x1);
      const h = Math.max(0, y2 - y1);
      return `<rect x="${x1}" y="${y1}" width="${w}" height="${h}" fill="none" stroke="${escapeXml(color)}" stroke-width="${stroke}"/>`;
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
