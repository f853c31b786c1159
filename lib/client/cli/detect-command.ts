/**
 * The detect command: every input (PDF or image) sent to the endpoint through the batch runner, written as records
 * (json / jsonl) or as one pdfme template / fillable PDF per input, with optional overlays and a summary table.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { drawOverlay } from '../overlay';
import { detectDocument } from '../pdf/detect-pdf';
import { toFillablePdf } from '../pdf/fillable-pdf';
import { toPdfmeTemplate } from '../pdf/pdfme-template';
import { SIGNAL_EXIT, type BatchSink } from './batch-runner';
import { HELP, UsageError, parseCliOptions, type CliOptions } from './cli-options';
import { EXIT, type CliIo } from './cli-io';
import { collectInputs } from './collect-inputs';
import { detectedRecord, type DetectionRecord } from './detection-record';
import { runEndpointBatch } from './endpoint-batch';
import { uniqueStems } from './input-names';
import { JsonArraySink, JsonlSink, OutputFilesSink, writeFileAtomic } from './record-sinks';

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

  const overlayNames = uniqueStems(files);
  if (options.overlayDir) await mkdir(options.overlayDir, { recursive: true });
  const outcome = await runEndpointBatch({
    io,
    endpoint: options,
    inputs: files,
    sink: sinkFor(options, io, outputs),
    command: 'form-detect',
    work:
      ({ client, limiter }) =>
      async (file, signal) => {
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
        if (options.format !== 'pdfme' && options.format !== 'fillable-pdf') {
          return detectedRecord(file, ms(), doc, overlays);
        }
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
      },
  });
  if (!outcome) return EXIT.usage;
  if (outcome.interrupted) return SIGNAL_EXIT[outcome.interrupted];
  return outcome.records.some((record) => !record.ok) ? EXIT.failures : EXIT.ok;
}

const isPdfPath = (file: string) => extname(file).toLowerCase() === '.pdf';

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
