/**
 * Detections → the source PDF with an AcroForm text field at each detected box (pdf-lib). A widget's /Rect is in the
 * page's user space — points from the coordinate origin, y up, before /Rotate — so each box goes through
 * `normalizedToUserSpace`, which honours the CropBox offset and rotation. On a rotated page the widget is turned with
 * it (/MK /R = the page's /Rotate, ISO 32000-1 §12.5.6.19) so typed text reads upright. Fields are named as in the
 * pdfme template (`p1_field_001`, …); a name the PDF already uses gets a `_2`, `_3`, … suffix. Widgets are transparent
 * and borderless, so the printed form shows through.
 */
import { degrees, type PDFForm } from 'pdf-lib';
import { refuse } from '../detector-error';
import type { DetectedPage, DocumentInput } from './detect-pdf';
import { fieldsPerPage, type ExportOptions } from './exported-pages';
import { normalizedToUserSpace, type PageRotation, type PdfRect } from './page-geometry';

/** pdf-lib's addToPage anchors a rotated widget at a corner and swaps its sides; this gives it `rect` exactly. */
export function widgetPlacement(rect: PdfRect, rotation: PageRotation): PdfRect {
  const { x, y, width, height } = rect;
  switch (rotation) {
    case 0:
      return { x, y, width, height };
    case 90:
      return { x: x + width, y, width: height, height: width };
    case 180:
      return { x: x + width, y: y + height, width, height };
    case 270:
      return { x, y: y + height, width: height, height: width };
  }
}

export async function toFillablePdf(
  pdf: DocumentInput,
  pages: readonly DetectedPage[],
  options: ExportOptions = {},
): Promise<Uint8Array> {
  const { loaded, pages: placed } = await fieldsPerPage(pdf, pages, options);
  if (loaded.encrypted) {
    throw refuse(
      'encrypted_pdf',
      'the PDF is encrypted: form fields cannot be added to it without breaking it; decrypt it first ' +
        '(e.g. qpdf --decrypt in.pdf out.pdf) — a pdfme template (--format pdfme) works without that',
    );
  }
  const form = loaded.document.getForm();
  const pdfPages = loaded.document.getPages();
  for (const { page, fields } of placed) {
    for (const { name, box } of fields) {
      const rect = normalizedToUserSpace(box, page);
      const field = form.createTextField(freeName(form, name));
      field.addToPage(pdfPages[page.page - 1], {
        ...widgetPlacement(rect, page.rotation),
        rotate: degrees(page.rotation),
        // Transparent, borderless: the form's own lines and boxes stay visible under the field.
        backgroundColor: undefined,
        borderColor: undefined,
        borderWidth: 0,
      });
    }
  }
  return loaded.document.save();
}

function freeName(form: PDFForm, name: string): string {
  let candidate = name;
  for (let n = 2; form.getFieldMaybe(candidate); n++) candidate = `${name}_${n}`;
  return candidate;
}
