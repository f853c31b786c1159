/**
 * The visible size of each page of a PDF, in millimetres: the CropBox (MediaBox when there is none) clipped to the
 * MediaBox, turned by /Rotate — what a viewer shows and what a renderer draws, so that page fractions of a
 * template field and of a box the model drew on the rendered page refer to the same rectangle.
 *
 * ISO 32000-1 §14.11.2: the crop box defaults to the media box and, where it extends beyond it, is reduced to their
 * intersection; §7.7.3.3 (Table 30): /Rotate is a multiple of 90, the clockwise turn of the page when shown, and is
 * inheritable (pdf-lib resolves inherited MediaBox, CropBox and Rotate). 1 pt = 1/72 in = 25.4/72 mm.
 *
 * Kept in this one function so that it can give way to the PDF geometry of the PDF input module.
 */
import { PDFDocument } from 'pdf-lib';

export const MM_PER_POINT = 25.4 / 72;

export interface PageSizeMm {
  width: number;
  height: number;
}

export async function pdfPageSizesMm(pdf: Uint8Array): Promise<PageSizeMm[]> {
  const document = await PDFDocument.load(pdf, { updateMetadata: false });
  return document.getPages().map((page) => {
    const box = (rect: { x: number; y: number; width: number; height: number }) => ({
      left: Math.min(rect.x, rect.x + rect.width),
      bottom: Math.min(rect.y, rect.y + rect.height),
      right: Math.max(rect.x, rect.x + rect.width),
      top: Math.max(rect.y, rect.y + rect.height),
    });
    const media = box(page.getMediaBox());
    const crop = box(page.getCropBox());
    const width = Math.max(0, Math.min(crop.right, media.right) - Math.max(crop.left, media.left));
    const height = Math.max(0, Math.min(crop.top, media.top) - Math.max(crop.bottom, media.bottom));
    const quarterTurns = Math.round((((page.getRotation().angle % 360) + 360) % 360) / 90) % 4;
    const [w, h] = quarterTurns % 2 === 1 ? [height, width] : [width, height];
    return { width: w * MM_PER_POINT, height: h * MM_PER_POINT };
  });
}
