/**
 * The options every `form-detect` command that calls an endpoint shares — which endpoint, how to authenticate, retries
 * and timeouts, concurrency and resume — their help text, their checks, and the client they make. A command spreads
 * ENDPOINT_OPTIONS into its own parseArgs options and calls readEndpointOptions on the parsed values.
 */
import { createDetectorClient } from '../create-detector-client';
import type { DetectorClient, DetectorClientOptions } from '../detector-client';
import type { Cloud } from '../payload-limits';
import type { WarmingUpReporter } from './warming-up';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const ENDPOINT_OPTIONS = {
  cloud: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'inference-component': { type: 'string' },
  key: { type: 'string' },
  token: { type: 'string' },
  deployment: { type: 'string' },
  'max-retries': { type: 'string' },
  timeout: { type: 'string' },
  'cold-start-timeout': { type: 'string' },
  concurrency: { type: 'string' },
  resume: { type: 'boolean' },
} as const;

/** The endpoint options' help; `recordsFlag` names the option whose records --resume reads (`--out`, `--records`). */
export const endpointHelp = (recordsFlag: string) => `Endpoint, per cloud:
  aws    the SageMaker endpoint name        (credentials, region and AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME as the AWS SDK reads them)
  gcp    the Vertex AI dedicated endpoint's predict URL  (GOOGLE_OAUTH_ACCESS_TOKEN, else Application Default Credentials)
  azure  the Azure ML scoring URI           (--key / AZURE_ML_KEY, or an Entra ID token: --token / AZURE_ML_TOKEN)

Endpoint options:
  --cloud <aws|gcp|azure>        where the endpoint runs (required)
  --endpoint <name|url>          see above (required)
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
  --concurrency <n>              requests in flight at once (default 4); a PDF's pages share them
  --resume                       skip the inputs ${recordsFlag} already holds as done (nothing is sent for them) and
                                 do the rest; failed inputs are tried again

Batches: records are written as each input finishes. Ctrl-C (SIGINT) or SIGTERM stops sending new inputs, lets the
ones in flight finish (up to 30 s; a second Ctrl-C aborts them), writes what finished, prints the summary and exits
130 (SIGINT) or 143 (SIGTERM); run the same command with --resume to finish.

Cold start: an on-demand endpoint (SageMaker inference component, Cloud Run, Container Apps) at zero takes minutes
to answer its first request; form-detect waits with "warming up: <reason>, waited Ns (limit Ms)…" on stderr, up to
--cold-start-timeout, then fails that input with cold_start_timeout. Keep minimum capacity ≥ 1 to never wait.
`;

export interface EndpointOptions {
  cloud: Cloud;
  endpoint: string;
  region?: string;
  inferenceComponent?: string;
  key?: string;
  token?: string;
  deployment?: string;
  maxRetries?: number;
  timeoutSeconds?: number;
  coldStartTimeoutSeconds?: number;
  concurrency: number;
  resume: boolean;
}

type EndpointValues = Partial<Record<keyof typeof ENDPOINT_OPTIONS, string | boolean>>;

/** Checks the endpoint options, adding every problem to `problems`. */
export function readEndpointOptions(
  values: EndpointValues,
  env: NodeJS.ProcessEnv,
  problems: string[],
): EndpointOptions {
  const text = (name: keyof typeof ENDPOINT_OPTIONS) => values[name] as string | undefined;
  const cloud = text('cloud');
  if (cloud !== 'aws' && cloud !== 'gcp' && cloud !== 'azure') {
    problems.push(
      cloud === undefined
        ? '--cloud is required (aws, gcp or azure)'
        : `--cloud must be aws, gcp or azure, got "${cloud}"`,
    );
  }
  if (!text('endpoint')) {
    problems.push('--endpoint is required (SageMaker endpoint name, Vertex predict URL or Azure scoring URI)');
  }
  const positiveInteger = (flag: string, value: string | undefined, min: number): number | undefined => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min) {
      problems.push(`--${flag} must be an integer ≥ ${min}, got "${value}"`);
      return undefined;
    }
    return Number(value);
  };
  const concurrency = positiveInteger('concurrency', text('concurrency'), 1) ?? 4;
  const maxRetries = positiveInteger('max-retries', text('max-retries'), 0);
  let timeoutSeconds: number | undefined;
  const timeout = text('timeout');
  if (timeout !== undefined) {
    timeoutSeconds = Number(timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
      problems.push(`--timeout must be a number of seconds > 0, got "${timeout}"`);
    }
  }
  let coldStartTimeoutSeconds: number | undefined;
  const coldStart = text('cold-start-timeout');
  if (coldStart !== undefined) {
    coldStartTimeoutSeconds = Number(coldStart);
    if (coldStart.trim() === '' || !Number.isFinite(coldStartTimeoutSeconds) || coldStartTimeoutSeconds < 0) {
      problems.push(`--cold-start-timeout must be a number of seconds ≥ 0 (0 = do not wait), got "${coldStart}"`);
    }
  }
  const key = text('key') ?? env.AZURE_ML_KEY;
  const token = text('token') ?? (cloud === 'azure' ? env.AZURE_ML_TOKEN : undefined);
  if (cloud === 'azure' && !key && !token) {
    problems.push(
      'azure needs credentials: --key (or AZURE_ML_KEY) for auth mode "key", --token (or AZURE_ML_TOKEN) for "aad_token"',
    );
  }
  if (cloud === 'azure' && text('key') && text('token')) problems.push('give --key or --token, not both');
  if (cloud !== 'aws' && text('inference-component'))
    problems.push('--inference-component applies to --cloud aws only');
  if (cloud !== 'aws' && text('region')) {
    problems.push('--region applies to --cloud aws only (the URL names the region elsewhere)');
  }
  if (cloud !== 'azure' && text('deployment')) problems.push('--deployment applies to --cloud azure only');
  if (cloud !== 'azure' && text('key')) problems.push('--key applies to --cloud azure only');
  return {
    cloud: cloud as Cloud,
    endpoint: text('endpoint') ?? '',
    region: text('region'),
    inferenceComponent: text('inference-component'),
    key: cloud === 'azure' && !text('token') ? key : undefined,
    token,
    deployment: text('deployment'),
    maxRetries,
    timeoutSeconds,
    coldStartTimeoutSeconds,
    concurrency,
    resume: values.resume === true,
  };
}

/** The client for these options; the warming-up reporter hears about cold-start waits. */
export function clientFor(
  options: EndpointOptions,
  env: NodeJS.ProcessEnv,
  warmingUp: WarmingUpReporter,
): DetectorClient {
  const common: DetectorClientOptions = {
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.timeoutSeconds !== undefined ? { deadlineMs: Math.round(options.timeoutSeconds * 1000) } : {}),
    ...(options.coldStartTimeoutSeconds !== undefined
      ? { coldStartTimeoutMs: Math.round(options.coldStartTimeoutSeconds * 1000) }
      : {}),
    onWarmingUp: warmingUp.report,
  };
  switch (options.cloud) {
    case 'aws':
      return createDetectorClient({
        cloud: 'aws',
        ...common,
        endpointName: options.endpoint,
        region: options.region,
        inferenceComponentName: options.inferenceComponent,
      });
    case 'gcp':
      return createDetectorClient({
        cloud: 'gcp',
        ...common,
        predictUrl: options.endpoint,
        ...(options.token ? { accessToken: options.token } : {}),
      });
    case 'azure':
      return createDetectorClient({
        cloud: 'azure',
        ...common,
        scoringUri: options.endpoint,
        auth: options.key ? { key: options.key } : { token: options.token ?? env.AZURE_ML_TOKEN ?? '' },
        deployment: options.deployment,
      });
  }
}
