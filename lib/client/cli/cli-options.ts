/** `form-detect` (the detect command): its options (node:util parseArgs), help text, and validation. */
import { parseArgs } from 'node:util';
import {
  ENDPOINT_OPTIONS,
  UsageError,
  endpointHelp,
  readEndpointOptions,
  type EndpointOptions,
} from './endpoint-options';

export { UsageError };

export const HELP = `form-detect — send PDF forms and document images to a deployed form-field detector and get their fields

Usage:
  form-detect --cloud aws|gcp|azure --endpoint <endpoint> --image <file or dir> [--image ...] [options]
  form-detect eval --truth <file or dir> --cloud aws|gcp|azure --endpoint <endpoint> [...]
                                 measure the deployment against ground truth (form-detect eval --help)

Inputs and outputs:
  --image <path>                 a PDF, PNG, JPEG or WebP file, or a directory of them; repeat for more (required).
                                 Every page of a PDF is rendered in-process and sent.
  --input <path>                 the same as --image
  --format <json|jsonl|pdfme|fillable-pdf>
                                 json / jsonl: one record per input, {file, ok, ms, result | pages | error}
                                   (pages: [{page, size {widthMm, heightMm, widthPt, heightPt}, rotation, result}]
                                   for a PDF); default: from --out's extension, else json
                                 pdfme: a pdfme template per input (basePdf = the PDF; an image becomes the page)
                                 fillable-pdf: the PDF with an AcroForm text field at each detected box
  --out <path>                   json/jsonl: the file (default: JSON on stdout); jsonl is written line by line as
                                 inputs finish. pdfme/fillable-pdf: with one input file the output file (pdfme
                                 default: stdout); with several inputs (or a directory) a directory receiving
                                 <name>.template.json / <name>.fillable.pdf per input
  --overlay <dir>                write each image (each PDF page) with its boxes drawn, as <dir>/<name>.overlay.png
                                 (<name>-p<N>.overlay.png for PDF pages)
  -h, --help                     this text

${endpointHelp('--out')}
Exit status: 0 when every input succeeded, 1 when any failed (the reason is in the summary and the records),
2 on a usage error, 130 / 143 when stopped by SIGINT / SIGTERM.

Examples:
  # A pdfme user: a PDF form in, a pdfme template out (open it in pdfme's Designer)
  form-detect --cloud aws --endpoint form-detector --image form.pdf --format pdfme --out form.template.json

  # A folder of forms → one fillable PDF each; Ctrl-C, then --resume to finish
  form-detect --cloud aws --endpoint form-detector --image ./forms --format fillable-pdf --out ./fillable
  form-detect --cloud aws --endpoint form-detector --image ./forms --format fillable-pdf --out ./fillable --resume

  # AWS SageMaker (a classic endpoint, then one built on inference components)
  form-detect --cloud aws --region us-east-1 --endpoint form-detector --image scan.png
  form-detect --cloud aws --endpoint form-detector --inference-component form-detector-ic --image ./scans --out boxes.jsonl

  # AWS, on-demand (scale to zero): wait up to 20 minutes for the inference component to wake up
  form-detect --cloud aws --endpoint form-detector --inference-component form-detector-ic --cold-start-timeout 1200 --image scan.png

  # GCP Vertex AI (dedicated endpoint)
  GOOGLE_OAUTH_ACCESS_TOKEN=$(gcloud auth print-access-token) form-detect --cloud gcp \\
    --endpoint https://1234.us-central1-567890.prediction.vertexai.goog/v1/projects/my-project/locations/us-central1/endpoints/1234:predict \\
    --image page-1.png --image page-2.jpg --overlay ./overlays

  # Azure ML managed online endpoint (key auth, then Entra ID)
  AZURE_ML_KEY=... form-detect --cloud azure --endpoint https://form-detector.westeurope.inference.ml.azure.com/score --image ./scans --concurrency 2
  form-detect --cloud azure --endpoint https://form-detector.westeurope.inference.ml.azure.com/score \\
    --token "$(az account get-access-token --resource https://ml.azure.com --query accessToken -o tsv)" --image scan.webp
`;

export type OutputFormat = 'json' | 'jsonl' | 'pdfme' | 'fillable-pdf';

export interface CliOptions extends EndpointOptions {
  help: false;
  /** --image and --input, in the order given. */
  images: string[];
  format: OutputFormat;
  out?: string;
  overlayDir?: string;
}

const OPTIONS = {
  ...ENDPOINT_OPTIONS,
  image: { type: 'string', multiple: true },
  input: { type: 'string', multiple: true },
  format: { type: 'string' },
  out: { type: 'string' },
  overlay: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FORMATS: readonly OutputFormat[] = ['json', 'jsonl', 'pdfme', 'fillable-pdf'];

/** Parses and checks the arguments; every problem is named in one UsageError. */
export function parseCliOptions(argv: string[], env: NodeJS.ProcessEnv): CliOptions | { help: true } {
  const config = { args: argv, options: OPTIONS, allowPositionals: false, strict: true, tokens: true } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, tokens } = parsed;
  if (values.help) return { help: true };

  const problems: string[] = [];
  const endpoint = readEndpointOptions(values, env, problems);
  const images = tokens
    .filter((token) => token.kind === 'option' && (token.name === 'image' || token.name === 'input'))
    .map((token) => (token as { value?: string }).value ?? '');
  if (images.length === 0) problems.push('--image is required: a PDF, PNG, JPEG or WebP file, or a directory of them');

  let format = values.format as OutputFormat | undefined;
  if (format !== undefined && !FORMATS.includes(format)) {
    problems.push(`--format must be json, jsonl, pdfme or fillable-pdf, got "${values.format}"`);
    format = undefined;
  }
  const out = values.out;
  if (format === undefined && values.format === undefined) {
    if (out === undefined || out.endsWith('.json')) format = 'json';
    else if (out.endsWith('.jsonl')) format = 'jsonl';
    else problems.push(`--out must name a .json or .jsonl file (or pass --format pdfme or fillable-pdf), got "${out}"`);
  }
  if (format === 'jsonl' && out === undefined) problems.push('--format jsonl needs --out <file.jsonl>');
  if (format === 'fillable-pdf' && out === undefined) {
    problems.push('--format fillable-pdf needs --out: a .pdf file for one input, a directory for several');
  }
  if (endpoint.resume && out === undefined) {
    problems.push('--resume needs --out: it reads what an earlier run wrote there');
  }

  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return { help: false, ...endpoint, images, format: format ?? 'json', out, overlayDir: values.overlay };
}
