/**
 * `form-detect eval`: what a deployment is worth, measured against ground truth. With an endpoint, every input the
 * truth describes is detected through the same batch as `form-detect` (endpoint options, retries, progress, records
 * streamed to --records as inputs finish, --resume, SIGINT / SIGTERM) — twice with --compare-base, with the adapter
 * and as the base model, each run into its own records — and the records are then scored. With --predictions, saved
 * records are scored offline. Either way: the Markdown summary on stdout, report.json with --out, overlays with
 * --overlay.
 */
import { join } from 'node:path';
import {
  compareReports,
  evaluate,
  formatComparisonMarkdown,
  formatReportMarkdown,
  loadTruth,
  readDetectionRecords,
  type PredictedDocument,
  type TruthDocument,
} from '../eval';
import type { DetectOptions, DetectorClient } from '../detector-client';
import { refuse } from '../detector-error';
import type { Limiter } from '../limiter';
import { detectDocument, detectPdfBytes, type DetectedDocument } from '../pdf/detect-pdf';
import { SIGNAL_EXIT } from './batch-runner';
import { EXIT, type CliIo } from './cli-io';
import { detectedRecord, type DetectionRecord } from './detection-record';
import { runEndpointBatch } from './endpoint-batch';
import { UsageError } from './endpoint-options';
import { EVAL_HELP, parseEvalOptions, type EndpointEvalOptions, type EvalOptions } from './eval-options';
import { writeEvaluationOverlays } from './eval-overlays';
import { JsonlSink, writeFileAtomic } from './record-sinks';

/** A truth document and, for a pdfme template, the form it describes (null: a blank basePdf and no source.pdf). */
type TruthInput = TruthDocument & { pdf?: Uint8Array | null };

export async function runEval(argv: string[], io: CliIo): Promise<number> {
  let options: EvalOptions;
  try {
    const parsed = parseEvalOptions(argv, io.env);
    if (parsed.help) {
      io.stdout.write(EVAL_HELP);
      return EXIT.ok;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`form-detect eval: ${error.message}\nRun form-detect eval --help for usage.\n`);
    return EXIT.usage;
  }

  let truth: TruthInput[];
  let predictions: PredictedDocument[];
  let basePredictions: PredictedDocument[] | undefined;
  try {
    truth = await loadTruth(options.truth);
    if (options.mode === 'offline') {
      predictions = await readDetectionRecords(options.predictions);
      if (options.basePredictions) basePredictions = await readDetectionRecords(options.basePredictions);
    } else {
      const detected = await detectTruthInputs(options, truth, io);
      if (typeof detected === 'number') return detected;
      ({ predictions, basePredictions } = detected);
    }
  } catch (error) {
    io.stderr.write(`form-detect eval: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  return writeScores(options, truth, predictions, basePredictions, io);
}

/**
 * Detects every input of the truth into the records (and, with --compare-base, the base model's records), then reads
 * back this truth's predictions from them. A number is the exit status when the runs did not all finish.
 */
async function detectTruthInputs(
  options: EndpointEvalOptions,
  truth: TruthInput[],
  io: CliIo,
): Promise<number | { predictions: PredictedDocument[]; basePredictions?: PredictedDocument[] }> {
  const documents = new Map<string, TruthInput>();
  for (const doc of truth) if (!documents.has(doc.file)) documents.set(doc.file, doc);
  const inputs = [...documents.keys()];
  const runs: Array<{ label: string; records: string; adapter?: boolean }> = options.baseRecords
    ? [
        // With a base run to compare, insist on the adapter: a deployment that serves none refuses, rather than
        // comparing the base model with itself.
        { label: 'Adapter ("adapter": true)', records: options.records, adapter: true },
        { label: 'Base model ("adapter": false)', records: options.baseRecords, adapter: false },
      ]
    : [{ label: 'Detection', records: options.records }];
  for (const run of runs) {
    io.stderr.write(`${run.label}: ${inputs.length} input(s) from the truth; records in ${run.records}\n`);
    const outcome = await runEndpointBatch({
      io,
      endpoint: options.endpoint,
      inputs,
      sink: new JsonlSink<DetectionRecord>(run.records),
      command: 'form-detect eval',
      title: runs.length > 1 ? `${run.label}:` : undefined,
      work:
        ({ client, limiter }) =>
        (file, signal) =>
          detectTruthInput(client, documents.get(file)!, { signal, limiter, adapter: run.adapter }),
    });
    if (!outcome) return EXIT.usage;
    if (outcome.interrupted) {
      io.stderr.write('No report: the truth is not all detected yet.\n');
      return SIGNAL_EXIT[outcome.interrupted];
    }
  }
  // The records may hold other inputs too (a file kept across runs with --resume): score this truth's alone.
  const ofThisTruth = async (records: string) =>
    (await readDetectionRecords(records)).filter((doc) => documents.has(doc.file));
  return {
    predictions: await ofThisTruth(options.records),
    ...(options.baseRecords ? { basePredictions: await ofThisTruth(options.baseRecords) } : {}),
  };
}

/** One input of the truth: a pdfme template's form (its PDF bytes), or the image or PDF a JSONL line names. */
async function detectTruthInput(
  client: DetectorClient,
  doc: TruthInput,
  options: DetectOptions & { limiter: Limiter },
): Promise<DetectionRecord> {
  const started = performance.now();
  let detected: Pick<DetectedDocument, 'kind' | 'pages'>;
  if (doc.pdf) {
    detected = { kind: 'pdf', pages: await detectPdfBytes(client, doc.pdf, doc.file, options) };
  } else if (doc.pdf === null) {
    throw refuse(
      'invalid_request',
      `${doc.source}: its basePdf is a blank page and no source.pdf is beside it, so there is no form to send; ` +
        'put the form as source.pdf beside the template, or set basePdf to the PDF as a data URI',
    );
  } else {
    detected = await detectDocument(client, doc.file, options);
  }
  return detectedRecord(doc.file, Math.round(performance.now() - started), detected);
}

/** Scores, prints the Markdown, writes report.json and overlays; the exit status says whether all truth was scored. */
async function writeScores(
  options: EvalOptions,
  truth: TruthInput[],
  predictions: PredictedDocument[],
  basePredictions: PredictedDocument[] | undefined,
  io: CliIo,
): Promise<number> {
  const scored = evaluate(truth, predictions);
  io.stdout.write(formatReportMarkdown(scored.report, basePredictions ? 'Adapter' : 'Detection scores'));
  let output: object = scored.report;
  let unscored = scored.report.unscored.length;
  const base = basePredictions ? evaluate(truth, basePredictions) : undefined;
  if (base) {
    const comparison = compareReports(scored.report, base.report);
    io.stdout.write(`\n${formatReportMarkdown(base.report, 'Base model')}\n${formatComparisonMarkdown(comparison)}`);
    output = { adapter: scored.report, base: base.report, comparison };
    unscored += base.report.unscored.length;
    const models = scored.report.models.join(', ');
    if (models !== '' && models === base.report.models.join(', ')) {
      io.stderr.write(
        `Warning: both runs were answered by ${models}: the adapter was not applied, so the difference says ` +
          'nothing about it. Check the deployment serves its adapter (/health/ready: adapter_status).\n',
      );
    }
  }
  if (options.out) await writeFileAtomic(options.out, `${JSON.stringify(output, null, 2)}\n`);
  if (options.overlayDir) {
    const pdfs = new Map(truth.flatMap((doc) => (doc.pdf ? [[doc.file, doc.pdf] as const] : [])));
    await writeEvaluationOverlays(options.overlayDir, scored.pages, pdfs, io.stderr);
    if (base) await writeEvaluationOverlays(join(options.overlayDir, 'base'), base.pages, pdfs, io.stderr);
  }
  return unscored > 0 ? EXIT.failures : EXIT.ok;
}
