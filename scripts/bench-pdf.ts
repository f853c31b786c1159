/**
 * `npm run bench:pdf`: what rendering a PDF page costs, per renderer and resolution, on the four real forms in
 * test/fixtures/forms (7 pages).
 *
 * - `pdfium (clawpdf)`: what form-detect uses — PDFium compiled to WebAssembly, one worker thread per document
 *   (lib/client/pdf/pdf-renderer.ts), so opening a document includes starting the worker and the engine.
 * - `pdfjs-dist + @napi-rs/canvas`: the other permissive candidate. Not a dependency of this package: install it to
 *   compare (`npm install --no-save pdfjs-dist@5.6.205 @napi-rs/canvas@0.1.100`), else it is reported as missing.
 *
 * Each renderer and long side runs in its own process, so peak RSS (the process's maximum resident set) is its own.
 * Prints the mean time to open a document, ms per page (render + PNG encoding; median and mean), peak RSS and the
 * mean PNG size.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openPdfForRendering } from '../lib/client/pdf/pdf-renderer';

const REPO = resolve(__dirname, '../..');
const FORMS = join(REPO, 'test/fixtures/forms');
const LONG_SIDES = [1024, 2048];
const RENDERERS = ['pdfium (clawpdf)', 'pdfjs-dist + @napi-rs/canvas'] as const;
type Renderer = (typeof RENDERERS)[number];

interface Figures {
  pages: number;
  openMs: number;
  medianMs: number;
  meanMs: number;
  peakRssMiB: number;
  meanPngKiB: number;
}

interface Timings {
  /** Per document: opening it (for PDFium: starting its worker and engine). */
  opens: number[];
  /** Per page: rendering and encoding the PNG. */
  pages: Array<{ ms: number; bytes: number }>;
}

const forms = () =>
  readdirSync(FORMS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => readFileSync(join(FORMS, entry.name, 'source.pdf')))
    .sort((a, b) => a.length - b.length);

async function renderWithPdfium(longSide: number): Promise<Timings> {
  const timings: Timings = { opens: [], pages: [] };
  for (const pdf of forms()) {
    let started = performance.now();
    const doc = await openPdfForRendering(pdf, 'form');
    timings.opens.push(performance.now() - started);
    for (let index = 0; index < doc.pages.length; index++) {
      started = performance.now();
      const { png } = await doc.render(index, longSide);
      timings.pages.push({ ms: performance.now() - started, bytes: png.length });
    }
    await doc.close();
  }
  return timings;
}

/** The little of pdfjs-dist's API used here (it is not a dependency, so its types are not installed). */
interface PdfjsModule {
  getDocument(options: Record<string, unknown>): {
    promise: Promise<{
      numPages: number;
      getPage(n: number): Promise<{
        getViewport(options: { scale: number }): { width: number; height: number };
        render(options: unknown): { promise: Promise<void> };
        cleanup(): void;
      }>;
      destroy(): Promise<void>;
    }>;
  };
}

async function renderWithPdfjs(longSide: number): Promise<Timings> {
  // require(): pdfjs-dist's legacy build is an ES module without top-level await, which Node ≥ 20.19 can require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pdfjs = require('pdfjs-dist/legacy/build/pdf.mjs') as PdfjsModule;
  const base = join(require.resolve('pdfjs-dist/package.json'), '..');
  const timings: Timings = { opens: [], pages: [] };
  for (const pdf of forms()) {
    let started = performance.now();
    const doc = await pdfjs.getDocument({
      data: new Uint8Array(pdf),
      cMapUrl: join(base, 'cmaps/'),
      cMapPacked: true,
      standardFontDataUrl: join(base, 'standard_fonts/'),
      isEvalSupported: false,
      verbosity: 0,
    }).promise;
    timings.opens.push(performance.now() - started);
    for (let n = 1; n <= doc.numPages; n++) {
      started = performance.now();
      const page = await doc.getPage(n);
      const unit = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: longSide / Math.max(unit.width, unit.height) });
      const factory = (doc as unknown as { canvasFactory: { create(w: number, h: number): unknown } }).canvasFactory;
      const { canvas, context } = factory.create(Math.round(viewport.width), Math.round(viewport.height)) as {
        canvas: { width: number; height: number; encode(format: 'png'): Promise<Buffer> };
        context: { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void };
      };
      context.fillStyle = '#ffffff';
      context.fillRect(0, 0, canvas.width, canvas.height);
      await page.render({ canvasContext: context, viewport, canvas } as never).promise;
      const png = await canvas.encode('png');
      timings.pages.push({ ms: performance.now() - started, bytes: png.length });
      page.cleanup();
    }
    await doc.destroy();
  }
  return timings;
}

async function child(renderer: Renderer, longSide: number): Promise<void> {
  const { opens, pages } =
    renderer === RENDERERS[0] ? await renderWithPdfium(longSide) : await renderWithPdfjs(longSide);
  const times = pages.map((page) => page.ms);
  const sorted = [...times].sort((a, b) => a - b);
  const figures: Figures = {
    pages: pages.length,
    openMs: opens.reduce((a, b) => a + b, 0) / opens.length,
    medianMs: sorted[Math.floor(sorted.length / 2)],
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    meanPngKiB: pages.reduce((sum, page) => sum + page.bytes, 0) / pages.length / 1024,
  };
  process.stdout.write(JSON.stringify(figures));
}

function installed(module: string): boolean {
  try {
    require.resolve(module);
    return true;
  } catch {
    return false;
  }
}

function main(): void {
  console.log(`Rendering the ${forms().length} forms in test/fixtures/forms (A4, Japanese text), one process each:\n`);
  console.log(
    'renderer                        long side  pages  open/doc  ms/page median  ms/page mean  peak RSS  mean PNG',
  );
  for (const renderer of RENDERERS) {
    if (renderer === RENDERERS[1] && !(installed('pdfjs-dist/package.json') && installed('@napi-rs/canvas'))) {
      console.log(
        `${renderer.padEnd(32)}not installed: npm install --no-save pdfjs-dist@5.6.205 @napi-rs/canvas@0.1.100`,
      );
      continue;
    }
    for (const longSide of LONG_SIDES) {
      const output = execFileSync(process.execPath, [__filename, '--child', renderer, String(longSide)], {
        encoding: 'utf8',
      });
      const f = JSON.parse(output) as Figures;
      console.log(
        `${renderer.padEnd(32)}${`${longSide} px`.padStart(9)}  ${String(f.pages).padStart(5)}  ` +
          `${`${f.openMs.toFixed(0)} ms`.padStart(8)}  ${f.medianMs.toFixed(0).padStart(14)}  ` +
          `${f.meanMs.toFixed(0).padStart(12)}  ${`${f.peakRssMiB.toFixed(0)} MiB`.padStart(8)}  ` +
          `${`${f.meanPngKiB.toFixed(0)} KiB`.padStart(8)}`,
      );
    }
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3] as Renderer, Number(process.argv[4])).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main();
}
