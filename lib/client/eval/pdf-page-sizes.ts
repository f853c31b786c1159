/**
 * The visible size of each page of a PDF, in millimetres — the CropBox clipped to the MediaBox, turned by /Rotate —
 * so that page fractions of a template field and of a box the model drew on the rendered page refer to the same
 * rectangle. The geometry is the PDF input module's (pdf/pdf-pages.ts), the one detection renders by.
 */
import { loadPdf } from '../pdf/pdf-pages';

export interface PageSizeMm {
  width: number;
  height: number;
}

export async function pdfPageSizesMm(pdf: Uint8Array, label = 'the PDF'): Promise<PageSizeMm[]> {
  const { pages } = await loadPdf(pdf, label);
  return pages.map(({ size }) => ({ width: size.widthMm, height: size.heightMm }));
}
