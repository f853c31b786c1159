/** Reads a PDF's pages — visible box, rotation, size — with pdf-lib, and says whether the bytes are a PDF at all. */
import { PDFArray, PDFDocument, PDFNumber, type PDFPage } from 'pdf-lib';
import { refuse } from '../detector-error';
import {
  MM_PER_POINT,
  displayedSizePt,
  intersectRects,
  normalizeRotation,
  rectFromCorners,
  type PageGeometry,
  type PageRotation,
  type PdfRect,
} from './page-geometry';

/** A page's displayed size (after CropBox and /Rotate) in points and millimetres. */
export interface PageSize {
  widthPt: number;
  heightPt: number;
  widthMm: number;
  heightMm: number;
}

export interface PdfPage extends PageGeometry {
  /** 1-based. */
  page: number;
  size: PageSize;
}

/** A PDF starts with `%PDF-`; readers accept it within the first 1024 bytes (ISO 32000-1 §7.5.2; implementation note). */
export function isPdf(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).toString('latin1');
  return head.includes('%PDF-');
}

export function pageSize(page: PageGeometry): PageSize {
  const { width, height } = displayedSizePt(page);
  return { widthPt: width, heightPt: height, widthMm: width * MM_PER_POINT, heightMm: height * MM_PER_POINT };
}

export interface LoadedPdf {
  document: PDFDocument;
  pages: PdfPage[];
  /** The file has an /Encrypt dictionary (even one that opens without a password). */
  encrypted: boolean;
}

/** Parses the PDF with pdf-lib; `invalid_pdf` when it cannot, or when it has no pages. */
export async function loadPdf(bytes: Uint8Array, label: string): Promise<LoadedPdf> {
  let document: PDFDocument;
  try {
    document = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
  } catch (error) {
    throw refuse('invalid_pdf', `${label} is not a readable PDF (${(error as Error).message}); send a valid PDF`);
  }
  let pages: PdfPage[];
  try {
    pages = document.getPages().map((page, index) => ({ page: index + 1, ...geometryOf(page), size: { ...ZERO } }));
  } catch (error) {
    throw refuse(
      'invalid_pdf',
      `${label}: its page tree cannot be read (${(error as Error).message}); send a valid PDF`,
    );
  }
  if (pages.length === 0) throw refuse('invalid_pdf', `${label} has no pages; send a PDF with at least one page`);
  for (const page of pages) page.size = pageSize(page);
  return { document, pages, encrypted: document.isEncrypted };
}

const ZERO: PageSize = { widthPt: 0, heightPt: 0, widthMm: 0, heightMm: 0 };

/** The visible box (CropBox ∩ MediaBox, both inheritable) and /Rotate of a page. */
export function geometryOf(page: PDFPage): { visible: PdfRect; rotation: PageRotation } {
  const media = boxOf(page.node.MediaBox(), page) ?? { x: 0, y: 0, width: 612, height: 792 };
  const crop = boxOf(page.node.CropBox(), page);
  const visible = crop ? (intersectRects(crop, media) ?? media) : media;
  const rotate = page.node.Rotate();
  return { visible, rotation: normalizeRotation(rotate instanceof PDFNumber ? rotate.asNumber() : 0) };
}

function boxOf(value: unknown, page: PDFPage): PdfRect | undefined {
  if (!(value instanceof PDFArray) || value.size() !== 4) return undefined;
  const numbers = value.asArray().map((item) => page.doc.context.lookup(item));
  if (!numbers.every((n) => n instanceof PDFNumber)) return undefined;
  const [x1, y1, x2, y2] = numbers.map((n) => (n as PDFNumber).asNumber());
  const rect = rectFromCorners(x1, y1, x2, y2);
  return rect.width > 0 && rect.height > 0 ? rect : undefined;
}
