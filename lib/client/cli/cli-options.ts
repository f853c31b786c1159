/** The `form-detect` command line: its options (node:util parseArgs), help text, and validation. */
import { parseArgs } from 'node:util';
import type { Cloud } from '../payload-limits';

export const HELP = `form-detect — send document images to a deployed form-field detector and get their boxes

Usage:
  form-detect --cloud aws|gcp|azure --endpoint <endpoint> --image <file or dir> [--image ...] [options]
  form-detect eval --predictions <records.jsonl> --truth <file or dir> [...]   score saved records (eval --help)

Endpoint, per cloud:
  aws    the SageMaker endpoint name        (credentials, region and AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME as the AWS SDK reads them)
  gcp    the Vertex AI dedicated endpoint's predict URL  (GOOGLE_OAUTH_ACCESS_TOKEN, else Application Default Credentials)
  azure  the Azure ML scoring URI           (--key / AZURE_ML_KEY, or an Entra ID token: --token / AZURE_ML_TOKEN)

Options:
  --cloud <aws|gcp|azure>        where the endpoint runs (required)
  --endpoint <name|url>          see above (required)
  --image <path>                 a PNG, JPEG or WebP file, or a directory of them; repeat for more (required)
  --out <file.json|file.jsonl>   write one record per image: {file, ok, ms, result | error}; default: JSON on stdout
  --overlay <dir>                write each image with its boxes drawn, as <dir>/<name>.overlay.png
  --concurrency <n>              images in flight at once (default 4)
  --region <region>              aws: the endpoint's region (default: the AWS SDK's region chain)
  --inference-component <name>   aws: the inference component to invoke (required on inference-component endpoints)
  --key <key>                    azure: endpoint key (auth mode "key"); default AZURE_ML_KEY
  --token <token>                azure: Entra ID token (auth mode "aad_token"), default AZURE_ML_TOKEN;
                                 gcp: OAuth access token, default GOOGLE_OAUTH_ACCESS_TOKEN
  --deployment <name>            azure: send to this deployment instead of the traffic split
  --max-retries <n>              retries on 429/503 with backoff honouring Retry-After (default 3)
  --timeout <seconds>            deadline per attempt at an image, retries included (default 180)
  --cold-start-timeout <seconds> how long to wait while a deployment scaled to zero warms up ("no capacity",
                                 503 model loading), printing a "warming up" line; 0 = do not wait. Default:
                                 900 with --inference-component, 600 for *.run.app (Cloud Run), 720 for
                                 *.azurecontainerapps.io (Container Apps), else 0
  -h, --help                     this text

Cold start: an on-demand endpoint (SageMaker inference component, Cloud Run, Container Apps) at zero takes minutes
to answer its first request; form-detect waits with "warming up: <reason>, waited Ns (limit Ms)…" on stderr, up to
--cold-start-timeout, then fails that image with cold_start_timeout. Keep minimum capacity ≥ 1 to never wait.

Exit status: 0 when every image succeeded, 1 when any failed (the reason is in the summary and the records),
2 on a usage error.

Examples:
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

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliOptions {
  help: boolean;
  cloud: Cloud;
  endpoint: string;
  images: string[];
  out?: { path: string; format: 'json' | 'jsonl' };
  overlayDir?: string;
  concurrency: number;
  region?: string;
  inferenceComponent?: string;
  key?: string;
  token?: string;
  deployment?: string;
  maxRetries?: number;
  timeoutSeconds?: number;
  coldStartTimeoutSeconds?: number;
}

const OPTIONS = {
  cloud: { type: 'string' },
  endpoint: { type: 'string' },
  image: { type: 'string', multiple: true },
  out: { type: 'string' },
  overlay: { type: 'string' },
  concurrency: { type: 'string' },
  region: { type: 'string' },
  'inference-component': { type: 'string' },
  key: { type: 'string' },
  token: { type: 'string' },
  deployment: { type: 'string' },
  'max-retries': { type: 'string' },
  timeout: { type: 'string' },
  'cold-start-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses and checks the arguments; every problem is named in one UsageError. */
export function parseCliOptions(argv: string[], env: NodeJS.ProcessEnv): CliOptions | { help: true } {
  let values: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: false }>
  >['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true };

  const problems: string[] = [];
  const cloud = values.cloud;
  if (cloud !== 'aws' && cloud !== 'gcp' && cloud !== 'azure') {
    problems.push(
      cloud === undefined
        ? '--cloud is required (aws, gcp or azure)'
        : `--cloud must be aws, gcp or azure, got "${cloud}"`,
    );
  }
  if (!values.endpoint)
    problems.push('--endpoint is required (SageMaker endpoint name, Vertex predict URL or Azure scoring URI)');
  const images = values.image ?? [];
  if (images.length === 0) problems.push('--image is required: a PNG/JPEG/WebP file or a directory of them');

  const positiveInteger = (flag: string, text: string | undefined, min: number): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) < min) {
      problems.push(`--${flag} must be an integer ≥ ${min}, got "${text}"`);
      return undefined;
    }
    return Number(text);
  };
  const concurrency = positiveInteger('concurrency', values.concurrency, 1) ?? 4;
  const maxRetries = positiveInteger('max-retries', values['max-retries'], 0);
  let timeoutSeconds: number | undefined;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
      problems.push(`--timeout must be a number of seconds > 0, got "${values.timeout}"`);
    }
  }
  let coldStartTimeoutSeconds: number | undefined;
  const coldStart = values['cold-start-timeout'];
  if (coldStart !== undefined) {
    coldStartTimeoutSeconds = Number(coldStart);
    if (coldStart.trim() === '' || !Number.isFinite(coldStartTimeoutSeconds) || coldStartTimeoutSeconds < 0) {
      problems.push(`--cold-start-timeout must be a number of seconds ≥ 0 (0 = do not wait), got "${coldStart}"`);
    }
  }

  let out: CliOptions['out'];
  if (values.out !== undefined) {
    const format = values.out.endsWith('.jsonl') ? 'jsonl' : values.out.endsWith('.json') ? 'json' : undefined;
    if (!format) problems.push(`--out must name a .json or .jsonl file, got "${values.out}"`);
    else out = { path: values.out, format };
  }

  const key = values.key ?? env.AZURE_ML_KEY;
  const token = values.token ?? (cloud === 'azure' ? env.AZURE_ML_TOKEN : undefined);
  if (cloud === 'azure' && !key && !token) {
    problems.push(
      'azure needs credentials: --key (or AZURE_ML_KEY) for auth mode "key", --token (or AZURE_ML_TOKEN) for "aad_token"',
    );
  }
  if (cloud === 'azure' && values.key && values.token) problems.push('give --key or --token, not both');
  if (cloud !== 'aws' && values['inference-component'])
    problems.push('--inference-component applies to --cloud aws only');
  if (cloud !== 'aws' && values.region)
    problems.push('--region applies to --cloud aws only (the URL names the region elsewhere)');
  if (cloud !== 'azure' && values.deployment) problems.push('--deployment applies to --cloud azure only');
  if (cloud !== 'azure' && values.key) problems.push('--key applies to --cloud azure only');

  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return {
    help: false,
    cloud: cloud as Cloud,
    endpoint: values.endpoint as string,
    images,
    out,
    overlayDir: values.overlay,
    concurrency,
    region: values.region,
    inferenceComponent: values['inference-component'],
    key: cloud === 'azure' && !values.token ? key : undefined,
    token,
    deployment: values.deployment,
    maxRetries,
    timeoutSeconds,
    coldStartTimeoutSeconds,
  };
}
