/**
 * Detections → a pdfme template: `basePdf` the PDF as a data URI, `schemas` one array per page, one text field per
 * detected box in millimetres from the visible page's top-left (pdfme packages/common/src/schema.ts: Template,
 * Schema). Each field carries the properties pdfme's text plugin gives a field made in the Designer (its
 * `propPanel.defaultSchema`, pdfme packages/schemas/src/text/propPanel.ts at 6.1.11), with these changes: `content`
 * empty, `verticalAlignment: 'middle'` (form fields are filled on the line's centre), and `fontSize` from the box
 * height (`fontSizeFor`) so the text fits the box it was detected in.
 */
import type { DetectedPage, DocumentInput } from './detect-pdf';
import { fieldsPerPage, type ExportOptions } from './exported-pages';
import { normalizedToMm, MM_PER_POINT } from './page-geometry';

/**
 * A pdfme text field (`@pdfme/schemas` TextSchema). A type alias, not an interface, so it is assignable to pdfme's
 * `Template` (whose zod-made types carry an index signature).
 */
export type PdfmeTextField = {
  name: string;
  type: 'text';
  content: string;
  position: { x: number; y: number };
  width: number;
  height: number;
  rotate: number;
  opacity: number;
  readOnly: boolean;
  alignment: 'left' | 'center' | 'right' | 'justify';
  verticalAlignment: 'top' | 'middle' | 'bottom';
  fontSize: number;
  lineHeight: number;
  characterSpacing: number;
  fontColor: string;
  backgroundColor: string;
  borderColor: string;
  borderWidth: { top: number; right: number; bottom: number; left: number };
  padding: { top: number; right: number; bottom: number; left: number };
  textFormat: 'plain';
  overflow: 'visible';
  fontVariantFallback: 'synthetic';
  strikethrough: boolean;
  underline: boolean;
};

/** A pdfme template (`@pdfme/common` Template) whose base is a PDF given as a data URI. */
export type PdfmeTemplate = {
  basePdf: string;
  schemas: PdfmeTextField[][];
};

/** pdfme's text default (DEFAULT_FONT_SIZE, packages/schemas/src/text/constants.ts) is the largest size used. */
export const FONT_SIZE_RANGE = { min: 6, max: 13 } as const;

/** 70 % of the box height in points, whole, within FONT_SIZE_RANGE: a 6 mm box gets 11 pt, a 4 mm box 7 pt. */
export function fontSizeFor(heightMm: number): number {
  const size = Math.floor((heightMm / MM_PER_POINT) * 0.7);
  return Math.min(FONT_SIZE_RANGE.max, Math.max(FONT_SIZE_RANGE.min, size));
}

/** Millimetres to two decimals, as pdfme's Designer shows and saves them. */
const mm = (value: number) => Math.round(value * 100) / 100;

export function textField(name: string, box: { x: number; y: number; width: number; height: number }): PdfmeTextField {
  const zero = { top: 0, right: 0, bottom: 0, left: 0 };
  return {
    name,
    type: 'text',
    content: '',
    position: { x: mm(box.x), y: mm(box.y) },
    width: mm(box.width),
    height: mm(box.height),
    rotate: 0,
    opacity: 1,
    readOnly: false,
    alignment: 'left',
    verticalAlignment: 'middle',
    fontSize: fontSizeFor(box.height),
    lineHeight: 1,
    characterSpacing: 0,
    fontColor: '#000000',
    backgroundColor: '',
    borderColor: '#000000',
    borderWidth: { ...zero },
    padding: { ...zero },
    textFormat: 'plain',
    overflow: 'visible',
    fontVariantFallback: 'synthetic',
    strikethrough: false,
    underline: false,
  };
}

/**
 * Builds the template for a PDF from `detectPdf`'s pages (for an image input, from `detectDocument`'s `pdf` and
 * `pages`). Boxes are merged and named as field-boxes.ts describes; every page of the PDF gets a schema array, empty
 * when nothing was detected on it.
 */
export async function toPdfmeTemplate(
  pdf: DocumentInput,
  pages: readonly DetectedPage[],
  options: ExportOptions = {},
): Promise<PdfmeTemplate> {
  const { bytes, pages: placed } = await fieldsPerPage(pdf, pages, options);
  return {
    basePdf: `data:application/pdf;base64,${bytes.toString('base64')}`,
    schemas: placed.map(({ page, fields }) =>
      fields.map(({ name, box }) => textField(name, normalizedToMm(box, page))),
    ),
  };
}
