/** `form-detect eval`: its options (node:util parseArgs), help text, and validation. */
import { parseArgs } from 'node:util';
import {
  ENDPOINT_OPTIONS,
  UsageError,
  endpointHelp,
  readEndpointOptions,
  type EndpointOptions,
} from './endpoint-options';

export const EVAL_HELP = `form-detect eval — measure a deployment against ground truth: detect every input, match, score

Usage:
  form-detect eval --truth <file or dir> --cloud aws|gcp|azure --endpoint <endpoint> [options]
      runs detection on every input the truth describes, then scores it
  form-detect eval --truth <file or dir> --predictions <records.jsonl> [options]
      scores records form-detect wrote earlier, offline (no endpoint is called)

Truth:
  --truth <file or dir>       a pdfme template.json (its form: the basePdf data URI, or a source.pdf beside it), a JSONL
                              file of boxes ({"file", "page"?, "boxes": [{"bbox": [x1, y1, x2, y2] in 0–1000, "type"?}]}
                              per line; "file" an image or PDF relative to the JSONL), or a directory holding any number
                              of template.json, truth.jsonl and *.truth.jsonl. The inputs sent are the forms and
                              files the truth names; PDF pages are rendered in-process, as form-detect does.

Running detection (with --cloud and --endpoint):
  --records <file.jsonl>      where the detection records go, one line per input as it finishes, so --resume can
                              skip what is done (default: beside --out, <report>.records.jsonl; without --out,
                              form-detect-eval.records.jsonl in the current directory)
  --compare-base              send every input twice to the same deployment — with its adapter ("adapter": true) and
                              as the base model ("adapter": false) — and report both and the difference (adapter −
                              base); the base model's records go to <records>.base.jsonl, resumed the same way

Scoring saved records (offline):
  --predictions <file>        records written by form-detect --out (.jsonl or .json); relative "file" paths are read
                              from the current directory
  --base-predictions <file>   records of the same inputs asked for the base model (SDK option adapter: false): the
                              summary then shows both models and the difference

Output:
  --out <report.json>         write the report: {overall: {iou30, iou50, iou70: {precision, recall, f1, meanIou,
                              truth, predicted, matched}}, types, files, unscored}; with a base model
                              {adapter, base, comparison}. The Markdown summary goes to stdout either way.
  --overlay <dir>             draw each scored page's matching at IoU 0.5: true positives green, false positives
                              red, misses blue (dashed), as <dir>/<name>.eval.png (<name>-p<N>.eval.png per PDF page,
                              rendered as detection renders it); the base model's in <dir>/base/
  -h, --help                  this text

${endpointHelp('--records')}
Reading the report: predictions are matched to truth one to one per page, optimally (the most pairs with IoU ≥ the
threshold, then the largest total IoU). Precision = matched / predicted, recall = matched / truth, F1 their harmonic
mean, mean IoU over matched pairs; counts are added over every scored page (micro-average) before dividing, per file
and overall; per truth field type (text, checkbox, circleMark, …) recall only, as predictions carry no type. IoU 0.5
is the headline; 0.3 forgives loose boxes, 0.7 asks for tight ones. Truth pages without a successful detection are
listed as not scored — never counted as empty.

Exit status: 0 when every truth page was scored, 1 when some were not (a failed input, a missing record), 2 on a
usage or truth error, 130 / 143 when stopped by SIGINT / SIGTERM (no report then: run again with --resume).

Examples:
  # How good is this deployment on the forms I have templates for?
  form-detect eval --truth ./forms --cloud aws --endpoint form-detector --out report.json --overlay ./eval

  # What does the adapter add, on the same deployment? (Ctrl-C, then the same command with --resume)
  form-detect eval --truth ./forms --cloud aws --endpoint form-detector --compare-base --out ab.json

  # Score records saved earlier
  form-detect eval --truth ./scans/truth.jsonl --predictions tuned.jsonl --base-predictions base.jsonl
`;

const OPTIONS = {
  ...ENDPOINT_OPTIONS,
  truth: { type: 'string' },
  records: { type: 'string' },
  'compare-base': { type: 'boolean' },
  predictions: { type: 'string' },
  'base-predictions': { type: 'string' },
  out: { type: 'string' },
  overlay: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Where the records go without --records: beside the report, else in the current directory. */
export const DEFAULT_RECORDS = 'form-detect-eval.records.jsonl';

interface EvalCommon {
  help: false;
  truth: string;
  out?: string;
  overlayDir?: string;
}

/** Scoring saved records. */
export interface OfflineEvalOptions extends EvalCommon {
  mode: 'offline';
  predictions: string;
  basePredictions?: string;
}

/** Running detection on the truth's inputs, then scoring it. */
export interface EndpointEvalOptions extends EvalCommon {
  mode: 'endpoint';
  endpoint: EndpointOptions;
  records: string;
  /** With --compare-base: the base model's records. */
  baseRecords?: string;
}

export type EvalOptions = OfflineEvalOptions | EndpointEvalOptions;

/** Parses and checks the arguments; every problem is named in one UsageError. */
export function parseEvalOptions(argv: string[], env: NodeJS.ProcessEnv): EvalOptions | { help: true } {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true };

  const problems: string[] = [];
  if (!values.truth) {
    problems.push('--truth is required: a pdfme template.json, a JSONL file of boxes, or a directory of them');
  }
  if (values.out !== undefined && !values.out.endsWith('.json')) {
    problems.push(`--out must name a .json file (the report), got "${values.out}"`);
  }
  const common = { help: false as const, truth: values.truth ?? '', out: values.out, overlayDir: values.overlay };
  const endpointFlags = Object.keys(ENDPOINT_OPTIONS).filter((name) => name in values);

  if (values.predictions !== undefined) {
    if (endpointFlags.length > 0) {
      problems.push(
        `--predictions scores saved records offline; ${endpointFlags.map((f) => `--${f}`).join(', ')} ` +
          'belong to running detection: give one or the other',
      );
    }
    if (values.records !== undefined) problems.push('--records applies when eval runs detection (--cloud, --endpoint)');
    if (values['compare-base']) {
      problems.push('--compare-base runs detection twice; offline, give the base model records as --base-predictions');
    }
    if (problems.length > 0) throw new UsageError(problems.join('\n'));
    return { ...common, mode: 'offline', predictions: values.predictions, basePredictions: values['base-predictions'] };
  }

  if (endpointFlags.length === 0) {
    problems.push(
      'give --cloud and --endpoint to run detection against a deployment and score it, or --predictions <records> ' +
        'to score records saved earlier',
    );
    throw new UsageError(problems.join('\n'));
  }
  const endpoint = readEndpointOptions(values, env, problems);
  if (values['base-predictions'] !== undefined) {
    problems.push(
      '--base-predictions goes with --predictions; when eval runs detection, --compare-base asks the base model',
    );
  }
  if (values.records !== undefined && !values.records.endsWith('.jsonl')) {
    problems.push(`--records must name a .jsonl file (records are appended as inputs finish), got "${values.records}"`);
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const records = values.records ?? (values.out ? values.out.replace(/\.json$/, '.records.jsonl') : DEFAULT_RECORDS);
  return {
    ...common,
    mode: 'endpoint',
    endpoint,
    records,
    ...(values['compare-base'] ? { baseRecords: records.replace(/\.jsonl$/, '.base.jsonl') } : {}),
  };
}
