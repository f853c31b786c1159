/**
 * The detect command: every input (PDF or image) sent to the endpoint through the batch runner, written as records
 * (json / jsonl) or as one pdfme template / fillable PDF per input, with optional overlays and a summary table.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { DetectionResult } from '../../../inference-container/src/contract';
import type { DetectorClient } from '../detector-client';
import { DetectorError } from '../detector-error';
import { createLimiter } from '../limiter';
import { drawOverlay } from '../overlay';
import { detectDocument, type DetectedPage } from '../pdf/detect-pdf';
import { toFillablePdf } from '../pdf/fillable-pdf';
import { toPdfmeTemplate } from '../pdf/pdfme-template';
import { SIGNAL_EXIT, runBatch, type BatchSink, type SignalSource } from './batch-runner';
import { HELP, UsageError, parseCliOptions, type CliOptions } from './cli-options';
import { collectInputs } from './collect-inputs';
import { clientFor } from './endpoint-options';
import { createProgress, type TextSink } from './progress';
import { JsonArraySink, JsonlSink, OutputFilesSink, writeFileAtomic } from './record-sinks';
import { formatSummaryTable } from './summary-table';
import { WarmingUpReporter } from './warming-up';

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  /** Where SIGINT / SIGTERM come from (`process` in the CLI); without it a batch always runs to the end. */
  signals?: SignalSource;
}

export type ErrorDetail = { code: string; message: string; status?: number };

/** One record per input: an image's result, a PDF's pages, a written template / fillable PDF, or the failure. */
export type DetectionRecord =
  | { file: string; ok: true; ms: number; result: DetectionResult; overlay?: string }
  | { file: string; ok: true; ms: number; pages: DetectedPage[]; overlays?: string[] }
  | { file: string; ok: true; ms: number; output: string; pageCount: number; fields: number }
  | { file: string; ok: false; ms: number; error: ErrorDetail };

export const EXIT = { ok: 0, failures: 1, usage: 2 } as const;

export async function runDetect(argv: string[], io: CliIo): Promise<number> {
  let options: CliOptions;
  let files: string[];
  let outputs: Map<string, string> | undefined;
  try {
    const parsed = parseCliOptions(argv, io.env);
    if (parsed.help) {
      io.stdout.write(HELP);
      return EXIT.ok;
    }
    options = parsed;
    const collected = await collectInputs(options.images);
    if (collected.problems.length > 0) throw new UsageError(collected.problems.join('\n'));
    files = collected.files;
    outputs = outputPaths(options, files, collected.fromDirectory);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`form-detect: ${error.message}\nRun form-detect --help for usage and examples.\n`);
    return EXIT.usage;
  }

  const progress = createProgress(io.stderr);
  const showProgress = files.length > 1;
  const warmingUp = new WarmingUpReporter(
    io.stderr,
    undefined,
    showProgress && progress.drawsStatus ? (text) => progress.status(text) : undefined,
  );
  let client: DetectorClient;
  try {
    client = clientFor(options, io.env, warmingUp);
  } catch (error) {
    io.stderr.write(`form-detect: ${(error as Error).message}\n`);
    return EXIT.usage;
  }

  const limiter = createLimiter(options.concurrency);
  const overlayNames = uniqueStems(files);
  if (options.overlayDir) await mkdir(options.overlayDir, { recursive: true });
  const sink = sinkFor(options, io, outputs);

  const work = async (file: string, signal: AbortSignal): Promise<DetectionRecord> => {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    const overlays: string[] = [];
    const doc = await detectDocument(client, file, {
      signal,
      limiter,
      onPage: options.overlayDir
        ? async (page, image) => {
            const name = overlayNames.get(file)!;
            const path = join(options.overlayDir!, `${name}${isPdfPath(file) ? `-p${page.page}` : ''}.overlay.png`);
            await writeFile(path, await drawOverlay(image, page.result));
            overlays[page.page - 1] = path;
          }
        : undefined,
    });
    warmingUp.done(true);
    if (options.format === 'pdfme' || options.format === 'fillable-pdf') {
      const output = outputs?.get(file);
      const fields = doc.pages.reduce((sum, page) => sum + page.result.count, 0);
      if (options.format === 'pdfme') {
        const text = `${JSON.stringify(await toPdfmeTemplate(doc.pdf, doc.pages), null, 2)}\n`;
        if (output) await writeFileAtomic(output, text);
        else io.stdout.write(text);
      } else {
        await writeFileAtomic(output!, await toFillablePdf(doc.pdf, doc.pages));
      }
      return { file, ok: true, ms: ms(), output: output ?? '-', pageCount: doc.pages.length, fields };
    }
    if (doc.kind === 'image') {
      return {
        file,
        ok: true,
        ms: ms(),
        result: doc.pages[0].result,
        ...(overlays[0] ? { overlay: overlays[0] } : {}),
      };
    }
    return { file, ok: true, ms: ms(), pages: doc.pages, ...(overlays.length ? { overlays } : {}) };
  };

  let outcome;
  try {
    outcome = await runBatch<DetectionRecord>({
      inputs: files,
      concurrency: options.concurrency,
      work,
      failed: (file, error, ms) => {
        warmingUp.done(false);
        return { file, ok: false, ms, error: errorDetail(error) };
      },
      sink,
      resume: options.resume,
      progress: showProgress ? progress : undefined,
      describe: (record) =>
        record.ok ? `${boxesOf(record)} boxes, ${record.ms} ms` : `${record.error.code}: ${record.error.message}`,
      signals: io.signals,
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`form-detect: ${error.message}\n`);
    return EXIT.usage;
  } finally {
    warmingUp.done(false);
    await client.close();
  }

  const { records, skipped, unfinished, interrupted } = outcome;
  io.stderr.write(
    formatSummaryTable(
      records.map((record) => ({
        file: record.file,
        boxes: record.ok ? boxesOf(record) : undefined,
        ms: record.ms,
        status: record.ok
          ? 'output' in record && record.output !== '-'
            ? `ok → ${record.output}`
            : 'ok'
          : `failed: ${record.error.code}: ${record.error.message}`,
      })),
    ),
  );
  if (skipped.length > 0) io.stderr.write(`${skipped.length} input(s) skipped: done by an earlier run (--resume).\n`);
  const failed = records.filter((record) => !record.ok).length;
  if (failed > 0) io.stderr.write(`${failed} of ${records.length} input(s) failed.\n`);
  if (interrupted) {
    io.stderr.write(
      `Stopped by ${interrupted}: ${records.length} input(s) done in this run, ${unfinished.length} not done. ` +
        'Run the same command with --resume to finish.\n',
    );
    return SIGNAL_EXIT[interrupted];
  }
  return failed > 0 ? EXIT.failures : EXIT.ok;
}

const isPdfPath = (file: string) => extname(file).toLowerCase() === '.pdf';

function boxesOf(record: Extract<DetectionRecord, { ok: true }>): number {
  if ('result' in record) return record.result.count;
  if ('pages' in record) return record.pages.reduce((sum, page) => sum + page.result.count, 0);
  return record.fields;
}

function errorDetail(error: unknown): ErrorDetail {
  if (error instanceof DetectorError) {
    return { code: error.code, message: error.message, ...(error.status ? { status: error.status } : {}) };
  }
  return { code: (error as NodeJS.ErrnoException).code ?? 'error', message: (error as Error).message };
}

/** `<stem>`, made unique (`<stem>-2`) when two inputs share one. */
function uniqueStems(files: string[]): Map<string, string> {
  const seen = new Map<string, number>();
  return new Map(
    files.map((file) => {
      const stem = basename(file, extname(file));
      const count = (seen.get(stem) ?? 0) + 1;
      seen.set(stem, count);
      return [file, count === 1 ? stem : `${stem}-${count}`];
    }),
  );
}

/**
 * Where each input's template / fillable PDF goes. --out is a directory when there are several inputs, an input was
 * a directory, or --out is an existing directory or ends with "/"; otherwise it is the one output file.
 */
function outputPaths(options: CliOptions, files: string[], fromDirectory: boolean): Map<string, string> | undefined {
  if (options.format !== 'pdfme' && options.format !== 'fillable-pdf') return undefined;
  const out = options.out;
  if (out === undefined) {
    if (files.length > 1 || fromDirectory) {
      throw new UsageError(`--format ${options.format} with several inputs needs --out <directory>`);
    }
    return new Map();
  }
  const isDirectory =
    files.length > 1 || fromDirectory || out.endsWith('/') || (existsSync(out) && statSync(out).isDirectory());
  if (!isDirectory) return new Map([[files[0], out]]);
  const suffix = options.format === 'pdfme' ? '.template.json' : '.fillable.pdf';
  const stems = uniqueStems(files);
  return new Map(files.map((file) => [file, join(out, `${stems.get(file)}${suffix}`)]));
}

function sinkFor(options: CliOptions, io: CliIo, outputs: Map<string, string> | undefined): BatchSink<DetectionRecord> {
  if (outputs) return new OutputFilesSink<DetectionRecord>(outputs);
  if (options.format === 'jsonl') return new JsonlSink<DetectionRecord>(options.out!);
  return new JsonArraySink<DetectionRecord>(options.out ? { path: options.out } : { stdout: io.stdout });
}
