/**
 * Detection on a PDF: every page rendered (PDFium, in a worker) at `renderLongSide` pixels on its long side, sent as a
 * PNG, and answered per page with the page's size — so boxes in 0–1000 of the page become millimetres and points.
 * An image input is one page: see `detectDocument`.
 */
import type { DetectorClient } from '../detector-client';
import { refuse } from '../detector-error';
import { readImageInput } from '../image-input';
import { createLimiter } from '../limiter';
import type { DetectedPage, DetectPdfOptions, DocumentInput } from './detected-page';
import { imageToPdf } from './image-page';
import { isPdf, loadPdf, pageSize, type PageSize } from './pdf-pages';
import { DEFAULT_RENDER_LONG_SIDE, RENDER_LONG_SIDE_RANGE, openPdfForRendering } from './pdf-renderer';

export type { DetectedPage, DetectPdfOptions, DocumentInput } from './detected-page';

export const DETECT_PDF_DEFAULTS = { renderLongSide: DEFAULT_RENDER_LONG_SIDE, concurrency: 4 } as const;

/**
 * Renders and sends every page of a PDF; pages come back in page order. Fails with `invalid_pdf` (corrupt,
 * truncated, no pages, not a PDF) or `encrypted_pdf` (password-protected) before anything is sent, and with the
 * first page's failure otherwise (pages not yet sent are then not sent).
 */
export async function detectPdfWith(
  client: DetectorClient,
  input: DocumentInput,
  options: DetectPdfOptions = {},
): Promise<DetectedPage[]> {
  const { bytes, label } = await readImageInput(input, 'PDF');
  if (!isPdf(bytes)) {
    throw refuse('invalid_pdf', `${label} is not a PDF (no %PDF- header); send a PDF, or an image to detect()`);
  }
  return detectPdfBytes(client, bytes, label, options);
}

export async function detectPdfBytes(
  client: DetectorClient,
  bytes: Uint8Array,
  label: string,
  options: DetectPdfOptions = {},
): Promise<DetectedPage[]> {
  const longSide = options.renderLongSide ?? DETECT_PDF_DEFAULTS.renderLongSide;
  if (!Number.isInteger(longSide) || longSide < RENDER_LONG_SIDE_RANGE.min || longSide > RENDER_LONG_SIDE_RANGE.max) {
    throw refuse(
      'invalid_request',
      `renderLongSide must be an integer from ${RENDER_LONG_SIDE_RANGE.min} to ${RENDER_LONG_SIDE_RANGE.max}, got ${longSide}`,
    );
  }
  const limiter = options.limiter ?? createLimiter(options.concurrency ?? DETECT_PDF_DEFAULTS.concurrency);
  // PDFium first: it tells a password from a corrupt file. pdf-lib then gives the boxes in user space.
  const rendering = await openPdfForRendering(bytes, label);
  try {
    const { pages } = await loadPdf(bytes, label);
    checkAgreement(label, rendering.pages, pages.map(pageSize));
    const failed = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
    const detectPage = async (index: number): Promise<DetectedPage> => {
      signal.throwIfAborted();
      const image = await rendering.render(index, longSide);
      signal.throwIfAborted();
      const result = await client.detect(image.png, { signal, adapter: options.adapter });
      const page: DetectedPage = { page: index + 1, size: pages[index].size, rotation: pages[index].rotation, result };
      await options.onPage?.(page, image.png);
      return page;
    };
    const tasks = pages.map((_, index) =>
      limiter(() => detectPage(index)).catch((error: unknown) => {
        failed.abort(error);
        throw error;
      }),
    );
    const settled = await Promise.allSettled(tasks);
    const rejected = settled.find((outcome) => outcome.status === 'rejected');
    if (rejected) throw firstCause(rejected.reason, failed.signal, options.signal);
    return settled.map((outcome) => (outcome as PromiseFulfilledResult<DetectedPage>).value);
  } finally {
    await rendering.close();
  }
}

/** The failure that stopped the pages, rather than the aborts it caused in the others. */
function firstCause(reason: unknown, failed: AbortSignal, caller: AbortSignal | undefined): unknown {
  if (caller?.aborted) return caller.reason;
  return failed.aborted ? failed.reason : reason;
}

/**
 * PDFium (which renders) and pdf-lib (which places fields) must see the same pages, or boxes would land in the wrong
 * place; a file they read differently fails rather than giving a template that is off.
 */
function checkAgreement(label: string, rendered: ReadonlyArray<{ width: number; height: number }>, parsed: PageSize[]) {
  if (rendered.length !== parsed.length) {
    throw refuse(
      'invalid_pdf',
      `${label}: the renderer finds ${rendered.length} page(s) and the parser ${parsed.length}; the file is damaged — repair it (e.g. qpdf in.pdf out.pdf) and send it again`,
    );
  }
  rendered.forEach((page, index) => {
    const { widthPt, heightPt } = parsed[index];
    if (Math.abs(page.width - widthPt) > 0.5 || Math.abs(page.height - heightPt) > 0.5) {
      throw refuse(
        'invalid_pdf',
        `${label}: page ${index + 1} is ${page.width.toFixed(1)}×${page.height.toFixed(1)} pt to the renderer and ` +
          `${widthPt.toFixed(1)}×${heightPt.toFixed(1)} pt to the parser; repair the file (e.g. qpdf in.pdf out.pdf) and send it again`,
      );
    }
  });
}

/** What `detectDocument` returns: the PDF the pages belong to (the source, or the image on a page) and its pages. */
export interface DetectedDocument {
  kind: 'pdf' | 'image';
  /** The PDF to build a template or fillable PDF on: the input PDF itself, or the image as a one-page PDF. */
  pdf: Uint8Array;
  pages: DetectedPage[];
}

/**
 * A PDF or an image: a PDF goes through `detectPdfWith`; an image is sent as it is and becomes one page, its PDF the
 * image on a page (see image-page.ts).
 */
export async function detectDocument(
  client: DetectorClient,
  input: DocumentInput,
  options: DetectPdfOptions = {},
): Promise<DetectedDocument> {
  const { bytes, label } = await readImageInput(input, 'document');
  if (isPdf(bytes)) {
    return { kind: 'pdf', pdf: bytes, pages: await detectPdfBytes(client, bytes, label, options) };
  }
  if (typeof input === 'string' && input.toLowerCase().endsWith('.pdf')) {
    throw refuse('invalid_pdf', `${label} is not a PDF (no %PDF- header); send a valid PDF`);
  }
  const limiter = options.limiter ?? ((task) => task());
  const result = await limiter(() => client.detect(typeof input === 'string' ? input : bytes, options));
  const pdf = await imageToPdf(bytes);
  const { pages } = await loadPdf(pdf, label);
  const page: DetectedPage = { page: 1, size: pages[0].size, rotation: 0, result };
  await options.onPage?.(page, bytes);
  return { kind: 'image', pdf, pages: [page] };
}
