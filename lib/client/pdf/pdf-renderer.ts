/**
 * Renders PDF pages to PNG in-process with PDFium compiled to WebAssembly (`clawpdf`, MIT; PDFium is BSD-3-Clause
 * with Apache-2.0 parts) — the engine `@pdfme/converter` 6 renders with in Node (pdfme packages/converter/src/
 * index.node.ts), so the page the model sees is the page pdfme's Designer shows: the CropBox (∩ MediaBox), turned
 * by /Rotate. No native addon, no system binary, nothing downloaded at install time.
 *
 * Why PDFium rather than pdfjs-dist + @napi-rs/canvas: on the four forms in test/fixtures/forms it rendered a page
 * 2–4× faster with a lower peak RSS (`npm run bench:pdf`; figures in lib/client/README.md), and it needs no
 * platform-specific native package.
 *
 * Each open document gets its own worker thread: clawpdf is an ES module published for `import` only, a page's
 * render blocks for tens of milliseconds (which would stall progress bars and signal handling), documents open at
 * once render on separate cores, and a PDF that hangs or crashes the engine costs its own worker — terminated after
 * `RENDER_TIMEOUT_MS` — not the process or another file. Closing the document ends the worker and frees PDFium's
 * memory. Workers are unref'd: an open document never keeps a program alive by itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { imageSize } from 'image-size';
import { DetectorError, refuse } from '../detector-error';

/** Long side of a rendered page, in pixels: twice the model's 1024-px input (the container's MAX_IMAGE_SIDE). */
export const DEFAULT_RENDER_LONG_SIDE = 2048;
/** Smallest and largest long side a caller may ask for. */
export const RENDER_LONG_SIDE_RANGE = { min: 256, max: 8192 } as const;
/** One call into PDFium (opening the file, rendering a page); past it the worker is terminated and the file fails. */
export const RENDER_TIMEOUT_MS = 60_000;

export interface RenderedPage {
  png: Buffer;
  /** Pixels of the PNG. */
  width: number;
  height: number;
}

/** A PDF open in the renderer: its pages' displayed sizes (points, after CropBox and /Rotate) as PDFium sees them. */
export interface RendererDocument {
  readonly pages: ReadonlyArray<{ width: number; height: number }>;
  /** Renders page `index` (0-based) with its long side `longSide` pixels. */
  render(index: number, longSide?: number): Promise<RenderedPage>;
  close(): Promise<void>;
}

interface WorkerError {
  name?: string;
  code?: string;
  message: string;
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WorkerError };

// Plain JavaScript: it runs in a worker thread, outside any transpiler, and imports clawpdf by URL.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let doc;
// PDFium's WebAssembly comes compiled from the main thread, shared by every worker: no compile per document, and
// code V8 has optimised stays optimised for the next document.
const instantiateWasm = (imports, receive) => {
  WebAssembly.instantiate(workerData.wasmModule, imports).then((instance) => receive(instance, workerData.wasmModule));
  return {};
};
const engine = import(workerData.clawpdfUrl).then((m) => m.createEngine({ instantiateWasm }));
engine.catch(() => {});
parentPort.on('message', async ({ id, op, args }) => {
  try {
    const pdfium = await engine;
    if (op === 'open') {
      doc = await pdfium.open(new Uint8Array(args.bytes));
      const pages = [];
      for (let n = 1; n <= doc.pageCount; n++) {
        const page = doc.page(n);
        pages.push({ width: page.width, height: page.height });
      }
      parentPort.postMessage({ id, ok: true, result: { pages } });
    } else if (op === 'render') {
      const png = await doc.page(args.page + 1).png(args.size);
      parentPort.postMessage({ id, ok: true, result: png }, [png.buffer]);
    }
  } catch (error) {
    parentPort.postMessage({
      id,
      ok: false,
      error: { name: error && error.name, code: error && error.code, message: String((error && error.message) || error) },
    });
  }
});
`;

/** Where clawpdf is installed, found the way Node looks a package up from here (its exports allow only `import`). */
function clawpdfDirectory(): string {
  for (const dir of require.resolve.paths('clawpdf') ?? []) {
    if (existsSync(join(dir, 'clawpdf', 'package.json'))) return join(dir, 'clawpdf');
  }
  throw new DetectorError('invalid_request', 'the PDF renderer (the clawpdf package) is not installed', {
    source: 'client',
    retryable: false,
  });
}

// The lib setting has no DOM, which is where TypeScript keeps WebAssembly's types; Node has it as a global.
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<object> };

interface Engine {
  clawpdfUrl: string;
  /** A WebAssembly.Module: cloneable to worker threads, which share its compiled code. */
  wasmModule: object;
}

let engine: Promise<Engine> | undefined;

/** clawpdf's entry as a file URL and PDFium's WebAssembly compiled once per process. */
function loadEngine(): Promise<Engine> {
  engine ??= (async () => {
    const dir = clawpdfDirectory();
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: { '.': { import: string } } };
    const wasmModule = await WebAssembly.compile(readFileSync(join(dir, 'dist/vendor/pdfium.esm.wasm')));
    return { clawpdfUrl: pathToFileURL(join(dir, pkg.exports['.'].import)).href, wasmModule };
  })();
  engine.catch(() => (engine = undefined));
  return engine;
}

/**
 * Opens a PDF for rendering. Fails with `encrypted_pdf` when it needs a password, `invalid_pdf` when PDFium cannot
 * read it or it has no pages. `label` names the file in messages. Close the document when done.
 */
export async function openPdfForRendering(bytes: Uint8Array, label: string): Promise<RendererDocument> {
  const worker = new RenderWorker(label, await loadEngine());
  try {
    const copy = new Uint8Array(bytes); // transferred to the worker, so never the caller's buffer
    const { pages } = (await worker.call('open', { bytes: copy.buffer }, [copy.buffer])) as {
      pages: Array<{ width: number; height: number }>;
    };
    if (pages.length === 0) throw refuse('invalid_pdf', `${label} has no pages; send a PDF with at least one page`);
    return {
      pages,
      render: async (index, longSide = DEFAULT_RENDER_LONG_SIDE) => {
        const { width, height } = pages[index];
        const size = width >= height ? { width: longSide } : { height: longSide };
        const png = Buffer.from((await worker.call('render', { page: index, size })) as Uint8Array);
        const info = imageSize(png);
        return { png, width: info.width, height: info.height };
      },
      close: () => worker.stop(),
    };
  } catch (error) {
    await worker.stop();
    throw error;
  }
}

/** One worker thread holding one PDFium engine and one document. */
class RenderWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private stopped = false;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: unknown) => void; timer: NodeJS.Timeout }
  >();

  constructor(
    private readonly label: string,
    engine: Engine,
  ) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: engine });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) =>
      this.failAll({ message: `the PDF renderer stopped (exit code ${code})` } satisfies WorkerError),
    );
  }

  call(op: string, args: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.stopped) return Promise.reject(refuse('invalid_pdf', `${this.label}: the document is closed`));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          refuse(
            'invalid_pdf',
            `${this.label}: PDFium did not finish within ${RENDER_TIMEOUT_MS / 1000}s; the PDF may be broken`,
          ),
        );
        void this.stop();
      }, RENDER_TIMEOUT_MS);
      timer.unref();
      this.pending.set(id, { resolve, reject: (error) => reject(toDetectorError(error, this.label)), timer });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.worker.terminate();
  }

  private settle(reply: Reply): void {
    const entry = this.pending.get(reply.id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(reply.id);
    if (reply.ok) entry.resolve(reply.result);
    else entry.reject(reply.error);
  }

  private failAll(error: unknown): void {
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      this.pending.delete(id);
      entry.reject(error);
    }
  }
}

/** Turns what the worker reported into a DetectorError that names the file and what to send instead. */
function toDetectorError(error: unknown, label: string): DetectorError {
  if (error instanceof DetectorError) return error;
  const { code, message } = (error ?? {}) as WorkerError;
  switch (code) {
    case 'password':
      return refuse(
        'encrypted_pdf',
        `${label} is password-protected; send it decrypted (e.g. qpdf --password=<password> --decrypt in.pdf out.pdf)`,
      );
    case 'security':
      return refuse(
        'encrypted_pdf',
        `${label} uses an encryption PDFium does not support; send it decrypted (e.g. qpdf --decrypt in.pdf out.pdf)`,
      );
    case 'format':
      return refuse(
        'invalid_pdf',
        `${label} is not a readable PDF (corrupt or truncated: ${message}); send a valid PDF`,
      );
    default:
      return refuse('invalid_pdf', `${label}: the PDF could not be rendered (${message ?? String(error)})`);
  }
}
