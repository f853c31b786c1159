/** What both exporters share: the PDF read back, and each page's fields placed on its geometry. */
import { refuse } from '../detector-error';
import { readImageInput } from '../image-input';
import type { DetectedPage, DocumentInput } from './detect-pdf';
import { MERGE_IOU, pageFields, type FieldBox } from './field-boxes';
import { loadPdf, type LoadedPdf, type PdfPage } from './pdf-pages';

export interface ExportOptions {
  /**
   * Boxes on a page at least this similar (intersection over union) become one field.
   * @default 0.9 (MERGE_IOU)
   */
  mergeIou?: number;
}

export interface PageFields {
  page: PdfPage;
  fields: FieldBox[];
}

/** Loads the PDF and pairs every page with its merged, ordered, named fields (pages without detections get none). */
export async function fieldsPerPage(
  pdf: DocumentInput,
  detected: readonly DetectedPage[],
  options: ExportOptions = {},
): Promise<{ bytes: Buffer; loaded: LoadedPdf; pages: PageFields[] }> {
  const { bytes, label } = await readImageInput(pdf, 'PDF');
  const loaded = await loadPdf(bytes, label);
  const threshold = options.mergeIou ?? MERGE_IOU;
  if (!(threshold > 0 && threshold <= 1)) {
    throw refuse('invalid_request', `mergeIou must be in (0, 1], got ${threshold}`);
  }
  const byPage = new Map<number, DetectedPage>();
  for (const page of detected) {
    if (!Number.isInteger(page.page) || page.page < 1 || page.page > loaded.pages.length) {
      throw refuse(
        'invalid_request',
        `${label} has ${loaded.pages.length} page(s), but a detection is for page ${page.page}: pass the pages detectPdf returned for this PDF`,
      );
    }
    if (byPage.has(page.page)) throw refuse('invalid_request', `page ${page.page} is given twice`);
    byPage.set(page.page, page);
  }
  const pages = loaded.pages.map((page) => {
    const boxes = byPage.get(page.page)?.result.bboxes.map((box) => box.bbox_normalized) ?? [];
    return { page, fields: pageFields(page.page, boxes, threshold) };
  });
  return { bytes, loaded, pages };
}
