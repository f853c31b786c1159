/**
 * `form-detect eval`: scores saved detection records against ground truth, offline (no endpoint is called).
 * Prints the Markdown summary on stdout, writes report.json with --out and three-colour overlays with --overlay.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  compareReports,
  drawEvaluationOverlay,
  evaluate,
  formatComparisonMarkdown,
  formatReportMarkdown,
  loadTruth,
  readDetectionRecords,
  TruthError,
  EVALUATION_OVERLAY_COLORS,
  type PageScore,
} from '../eval';
import type { CliIo } from './detect-command';

export const EVAL_HELP = `form-detect eval — score detections against ground truth

Usage:
  form-detect eval --predictions <records.jsonl|.json> --truth <file or dir> [options]

Options:
  --predictions <file>        detection records written by form-detect --out ({file, ok, result | error} per image,
                              or per page with "page"); relative "file" paths are read from the current directory
  --base-predictions <file>   records of the same inputs asked for the base model (SDK option adapter: false): the
                              summary then shows both models and the difference (adapter − base)
  --truth <file or dir>       a pdfme template.json (its basePdf, or a source.pdf beside it), a JSONL file of boxes
                              ({"file", "page"?, "boxes": [{"bbox": [x1, y1, x2, y2] in 0–1000, "type"?}]} per line),
                              or a directory holding any number of template.json, truth.jsonl and *.truth.jsonl
  --out <report.json>         write the report: {overall: {iou30, iou50, iou70: {precision, recall, f1, meanIou,
                              truth, predicted, matched}}, types, files, unscored}
  --overlay <dir>             draw each scored image's matching at IoU 0.5: true positives green, false positives red,
                              misses blue (dashed), as <dir>/<name>.eval.png (image inputs)
  -h, --help                  this text

Matching is one-to-one and optimal per page; figures are micro-averaged over every scored page. Truth pages without a
successful detection record are listed as not scored, and make the exit status 1.

Exit status: 0 when every truth page was scored, 1 when some were not, 2 on a usage or input error.
`;

const OPTIONS = {
  predictions: { type: 'string' },
  'base-predictions': { type: 'string' },
  truth: { type: 'string' },
  out: { type: 'string' },
  overlay: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

export async function runEvalCli(argv: string[], io: CliIo): Promise<number> {
  const usage = (message: string) => {
    io.stderr.write(`form-detect eval: ${message}\nRun form-detect eval --help for usage.\n`);
    return 2;
  };
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    io.stdout.write(EVAL_HELP);
    return 0;
  }
  const problems = [
    values.predictions ? undefined : '--predictions is required: the records form-detect --out wrote',
    values.truth ? undefined : '--truth is required: a pdfme template.json, a JSONL file of boxes, or a directory',
    values.out && !values.out.endsWith('.json') ? `--out must name a .json file, got "${values.out}"` : undefined,
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) return usage(problems.join('\n'));

  let truth;
  let predictions;
  let basePredictions;
  try {
    truth = await loadTruth(values.truth as string);
    predictions = await readDetectionRecords(values.predictions as string);
    basePredictions = values['base-predictions'] ? await readDetectionRecords(values['base-predictions']) : undefined;
  } catch (error) {
    const message = error instanceof TruthError || error instanceof Error ? error.message : String(error);
    io.stderr.write(`form-detect eval: ${message}\n`);
    return 2;
  }

  const scored = evaluate(truth, predictions);
  io.stdout.write(formatReportMarkdown(scored.report, basePredictions ? 'Adapter' : 'Detection scores'));
  let output: object = scored.report;
  let unscored = scored.report.unscored.length;
  if (basePredictions) {
    const base = evaluate(truth, basePredictions);
    const comparison = compareReports(scored.report, base.report);
    io.stdout.write(`\n${formatReportMarkdown(base.report, 'Base model')}\n${formatComparisonMarkdown(comparison)}`);
    output = { adapter: scored.report, base: base.report, comparison };
    unscored += base.report.unscored.length;
  }
  if (values.out) await writeFile(values.out, `${JSON.stringify(output, null, 2)}\n`);
  if (values.overlay) await writeOverlays(values.overlay, scored.pages, io);
  return unscored > 0 ? 1 : 0;
}

/** One PNG per scored image page; PDF pages are skipped (drawing them needs the page rendered). */
async function writeOverlays(dir: string, pages: PageScore[], io: CliIo): Promise<void> {
  await mkdir(dir, { recursive: true });
  const used = new Map<string, number>();
  let skipped = 0;
  for (const page of pages) {
    if (!IMAGE_EXTENSIONS.has(extname(page.file).toLowerCase())) {
      skipped += 1;
      continue;
    }
    const stem = basename(page.file, extname(page.file));
    const count = (used.get(stem) ?? 0) + 1;
    used.set(stem, count);
    const name = `${count === 1 ? stem : `${stem}-${count}`}.eval.png`;
    await writeFile(join(dir, name), await drawEvaluationOverlay(await readFile(page.file), page));
  }
  io.stderr.write(
    `Overlays in ${dir}: true positives ${EVALUATION_OVERLAY_COLORS.truePositive}, false positives ${EVALUATION_OVERLAY_COLORS.falsePositive}, misses ${EVALUATION_OVERLAY_COLORS.miss} (dashed).\n`,
  );
  if (skipped > 0) io.stderr.write(`${skipped} PDF page(s) have no overlay: overlays are drawn on image inputs.\n`);
}
