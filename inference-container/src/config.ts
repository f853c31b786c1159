/**
 * The controller's configuration: the environment, validated once at start-up by a zod schema.
 *
 * Contract variables (CONTRACT.md) are named through `ENV` from contract.ts; the variables below in
 * `CONTROLLER_ENV` tune the controller itself (supervision, queue, test overrides) and have safe defaults.
 */
import { z } from 'zod';
import { DEFAULTS, ENV, QUANTIZATIONS, VLLM_IMAGE, WEIGHTS_LAYOUT, type Quantization } from './contract';

/** Variables that tune the controller itself; none is needed in production. */
export const CONTROLLER_ENV = {
  logLevel: 'LOG_LEVEL',
  /** Port vLLM listens on, on 127.0.0.1 only. Default: a free port picked at start-up. */
  vllmInternalPort: 'VLLM_INTERNAL_PORT',
  /** Name the adapter is served under (`--lora-modules <name>=...`, and `model` in requests). */
  adapterName: 'ADAPTER_NAME',
  /** Requests allowed to wait for a free slot before 429. Default: MAX_CONCURRENCY. */
  maxQueue: 'MAX_QUEUE',
  sagemakerModelDir: 'SAGEMAKER_MODEL_DIR',
  /** Where a gs:// AIP_STORAGE_URI is copied. */
  modelCacheDir: 'MODEL_CACHE_DIR',
  gcsApiBaseUrl: 'GCS_API_BASE_URL',
  /** host[:port] of the GCE metadata server (the name Google's client libraries use). */
  gceMetadataHost: 'GCE_METADATA_HOST',
  readinessPollMs: 'READINESS_POLL_MS',
  /** How often an incomplete weights store is checked again (ms). */
  weightsRecheckMs: 'WEIGHTS_RECHECK_MS',
  /** Overrides https://secretmanager.googleapis.com (tests point it at a local stand-in). */
  secretManagerApiBaseUrl: 'SECRET_MANAGER_API_BASE_URL',
  /** Overrides the Key Vault origin of HF_TOKEN_SECRET (tests point it at a local stand-in). */
  keyVaultBaseUrl: 'KEY_VAULT_BASE_URL',
  /** Azure ML sets it for a system-assigned identity (MSAL Node ManagedIdentitySources/MachineLearning.ts). */
  defaultIdentityClientId: 'DEFAULT_IDENTITY_CLIENT_ID',
  minUptimeMs: 'SUPERVISOR_MIN_UPTIME_MS',
  maxRestarts: 'SUPERVISOR_MAX_RESTARTS',
  restartWindowMs: 'SUPERVISOR_RESTART_WINDOW_MS',
  backoffMs: 'SUPERVISOR_BACKOFF_MS',
  maxBackoffMs: 'SUPERVISOR_MAX_BACKOFF_MS',
  killTimeoutMs: 'SUPERVISOR_KILL_TIMEOUT_MS',
  drainTimeoutMs: 'DRAIN_TIMEOUT_MS',
} as const;

export type Platform = 'sagemaker' | 'vertex' | 'azure' | 'generic';

export interface SupervisorSettings {
  /** A vLLM process that lived at least this long resets the backoff. */
  minUptimeMs: number;
  /** More restarts than this within `restartWindowMs` make the controller exit non-zero. */
  maxRestarts: number;
  restartWindowMs: number;
  /** First restart delay; doubles per consecutive quick failure, capped at `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Time between SIGTERM and SIGKILL of vLLM's process group. */
  killTimeoutMs: number;
  /** Period of the readiness poll of vLLM's /v1/models. */
  readinessPollMs: number;
}

export interface Config {
  platform: Platform;
  baseModel: string;
  /** HF id or directory of the LoRA adapter; null = base model only. */
  loraAdapter: string | null;
  /** Name the adapter is served under; null when there is no adapter. */
  adapterName: string | null;
  use4bit: boolean;
  /** Resolved: QUANTIZATION, else bitsandbytes when USE_4BIT, else none. */
  quantization: Quantization;
  /** VLLM_COMMAND split on spaces. */
  vllmCommand: string[];
  /** VLLM_EXTRA_ARGS split on spaces, appended last. */
  vllmExtraArgs: string[];
  vllmVersion: string;
  maxImageSide: number;
  /** Unset = derived from the GPU (see vllm-args.ts `resolveConcurrency`). */
  maxConcurrency?: number;
  maxNumSeqs?: number;
  maxQueue?: number;
  maxBodyBytes: number;
  maxNewTokens: number;
  requestTimeoutMs: number;
  maxModelLen: number;
  gpuMemoryUtilization: number;
  maxLoraRank: number;
  port: number;
  healthRoute: string;
  predictRoute: string;
  sagemakerModelDir: string;
  azureModelDir?: string;
  aipStorageUri?: string;
  modelCacheDir: string;
  gcsApiBaseUrl: string;
  gceMetadataHost: string;
  /** MODEL_WEIGHTS_DIR: the store's directory, or `platform`; unset = Hugging Face ids. */
  modelWeightsDir?: string;
  /** MODEL_WEIGHTS_URI: where the store lives outside the container, for messages. */
  modelWeightsUri?: string;
  /** HF_TOKEN_SECRET: the secret holding the Hugging Face token. */
  hfTokenSecret?: string;
  weightsRecheckMs: number;
  secretManagerApiBaseUrl: string;
  /** Azure ML's managed identity endpoint and secret (MSI_ENDPOINT, MSI_SECRET), when the platform sets them. */
  msiEndpoint?: string;
  msiSecret?: string;
  /** The identity's client id: AZURE_CLIENT_ID, else DEFAULT_IDENTITY_CLIENT_ID. */
  identityClientId?: string;
  /** KEY_VAULT_BASE_URL (tests), else the secret URL's own origin. */
  keyVaultBaseUrl?: string;
  vllmInternalPort?: number;
  supervisor: SupervisorSettings;
  drainTimeoutMs: number;
  logLevel: string;
}

/** The ranks vLLM's `--max-lora-rank` accepts (vllm/config/lora.py `MaxLoRARanks`). */
export const MAX_LORA_RANKS = [1, 8, 16, 32, 64, 128, 256, 320, 512] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { error: `expected a whole number between ${min} and ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    );

const fraction = z
  .string()
  .trim()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, { error: 'expected a number in (0, 1], e.g. 0.9' })
  .transform(Number)
  .pipe(z.number().gt(0, { error: 'must be greater than 0' }).max(1));

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const route = z
  .string()
  .trim()
  .regex(/^\/\S*$/, { error: 'expected a path starting with "/", e.g. /predict' });

const port = wholeNumber(1, 65535);

/** Every field is optional here: unset (or empty) variables take the defaults below. */
const envSchema = z.object({
  [ENV.baseModel]: z.string().trim().min(1).optional(),
  [ENV.use4bit]: boolean.optional(),
  [ENV.quantization]: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(QUANTIZATIONS, { error: `expected one of ${QUANTIZATIONS.join(', ')}` }))
    .optional(),
  [ENV.vllmCommand]: z.string().trim().min(1).optional(),
  [ENV.maxImageSide]: wholeNumber(32, 100_000).optional(),
  [ENV.maxConcurrency]: wholeNumber(1, 1024).optional(),
  [ENV.maxBodyBytes]: wholeNumber(1024, 1024 * 1024 * 1024).optional(),
  [ENV.maxNewTokens]: wholeNumber(1, 1_000_000).optional(),
  [ENV.requestTimeoutMs]: wholeNumber(1, 24 * 3600 * 1000).optional(),
  [ENV.maxModelLen]: wholeNumber(256, 10_000_000).optional(),
  [ENV.gpuMemoryUtilization]: fraction.optional(),
  [ENV.maxNumSeqs]: wholeNumber(1, 1024).optional(),
  [ENV.maxLoraRank]: z
    .string()
    .trim()
    .transform(Number)
    .pipe(
      z.number().refine((n) => (MAX_LORA_RANKS as readonly number[]).includes(n), {
        error: `expected one of ${MAX_LORA_RANKS.join(', ')} (the ranks vLLM accepts)`,
      }),
    )
    .optional(),
  [ENV.sagemakerPort]: port.optional(),
  [ENV.vertexPort]: port.optional(),
  [ENV.port]: port.optional(),
  [ENV.vertexHealthRoute]: route.optional(),
  [ENV.vertexPredictRoute]: route.optional(),
  [ENV.vertexStorageUri]: z.string().trim().min(1).optional(),
  [ENV.azureModelDir]: z.string().trim().min(1).optional(),
  [ENV.modelWeightsDir]: z
    .string()
    .trim()
    .refine((v) => v === WEIGHTS_LAYOUT.platform || v.startsWith('/'), {
      error: `expected an absolute directory or "${WEIGHTS_LAYOUT.platform}"`,
    })
    .optional(),
  [ENV.modelWeightsUri]: z.string().trim().min(1).optional(),
  [ENV.hfTokenSecret]: z
    .string()
    .trim()
    .regex(
      /^arn:aws[a-z-]*:secretsmanager:|^projects\/[^/]+\/secrets\/[^/]+(\/versions\/[^/]+)?$|^https:\/\/[^/]+\/secrets\/[^/]+/,
      {
        error:
          'expected an AWS Secrets Manager ARN, projects/<p>/secrets/<s>/versions/<v>, or ' +
          'https://<vault>.vault.azure.net/secrets/<name>',
      },
    )
    .optional(),
  [ENV.azureMsiEndpoint]: z.url({ error: 'expected a URL (Azure ML sets it)' }).optional(),
  [ENV.azureMsiSecret]: z.string().trim().min(1).optional(),
  [ENV.azureClientId]: z.string().trim().min(1).optional(),
  [CONTROLLER_ENV.defaultIdentityClientId]: z.string().trim().min(1).optional(),
  [CONTROLLER_ENV.keyVaultBaseUrl]: z.url({ error: 'expected a URL' }).optional(),
  [ENV.vllmVersion]: z
    .string()
    .trim()
    .regex(/^v?\d+\.\d+(\.\d+)?/, { error: 'expected a version such as 0.19.1' })
    .optional(),
  [CONTROLLER_ENV.logLevel]: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected fatal, error, warn, info, debug, trace or silent',
    })
    .optional(),
  [CONTROLLER_ENV.vllmInternalPort]: port.optional(),
  [CONTROLLER_ENV.adapterName]: z
    .string()
    .trim()
    .regex(/^[^\s=]+$/, { error: 'expected a name without spaces or "="' })
    .optional(),
  [CONTROLLER_ENV.maxQueue]: wholeNumber(0, 10_000).optional(),
  [CONTROLLER_ENV.sagemakerModelDir]: z.string().trim().min(1).optional(),
  [CONTROLLER_ENV.modelCacheDir]: z.string().trim().min(1).optional(),
  [CONTROLLER_ENV.gcsApiBaseUrl]: z.url({ error: 'expected a URL such as https://storage.googleapis.com' }).optional(),
  [CONTROLLER_ENV.gceMetadataHost]: z.string().trim().min(1).optional(),
  [CONTROLLER_ENV.readinessPollMs]: wholeNumber(50, 60_000).optional(),
  [CONTROLLER_ENV.weightsRecheckMs]: wholeNumber(50, 3_600_000).optional(),
  [CONTROLLER_ENV.secretManagerApiBaseUrl]: z.url({ error: 'expected a URL' }).optional(),
  [CONTROLLER_ENV.minUptimeMs]: wholeNumber(0).optional(),
  [CONTROLLER_ENV.maxRestarts]: wholeNumber(0, 1000).optional(),
  [CONTROLLER_ENV.restartWindowMs]: wholeNumber(1000).optional(),
  [CONTROLLER_ENV.backoffMs]: wholeNumber(0).optional(),
  [CONTROLLER_ENV.maxBackoffMs]: wholeNumber(0).optional(),
  [CONTROLLER_ENV.killTimeoutMs]: wholeNumber(0, 600_000).optional(),
  [CONTROLLER_ENV.drainTimeoutMs]: wholeNumber(0, 600_000).optional(),
});

/** Splits on runs of spaces, dropping empty pieces (the contract's "split on spaces"). */
export function splitOnSpaces(value: string | undefined): string[] {
  return (value ?? '').split(' ').filter((part) => part.length > 0);
}

/**
 * Which platform runs us. SageMaker passes `serve` as the argument (and sets SAGEMAKER_BIND_TO_PORT in
 * pipelines); Vertex sets AIP_*; Azure ML sets AZUREML_MODEL_DIR.
 */
export function detectPlatform(env: NodeJS.ProcessEnv, argv: readonly string[]): Platform {
  if (argv.includes('serve') || env[ENV.sagemakerPort]) return 'sagemaker';
  if (env[ENV.vertexPort] || env[ENV.vertexPredictRoute] || env[ENV.vertexHealthRoute] || env[ENV.vertexStorageUri]) {
    return 'vertex';
  }
  if (env[ENV.azureModelDir]) return 'azure';
  return 'generic';
}

/** The name an adapter is served under: ADAPTER_NAME, else the last segment of its HF id or path. */
export function defaultAdapterName(adapter: string): string {
  const segments = adapter.split(/[\\/]/).filter((s) => s.length > 0);
  return (segments.at(-1) ?? 'adapter').replace(/[\s=]/g, '-');
}

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): Config {
  // Empty strings mean "unset" for every variable except LORA_ADAPTER (empty = no adapter).
  const present: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') present[key] = value;
  }
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '?');
        return `${name}=${JSON.stringify(present[name] ?? '')}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];

  const rawAdapter = env[ENV.loraAdapter];
  const loraAdapter = rawAdapter === undefined ? DEFAULTS.loraAdapter : rawAdapter.trim() || null;
  const use4bit = e[ENV.use4bit] ?? DEFAULTS.use4bit;
  const quantization: Quantization = e[ENV.quantization] ?? (use4bit ? 'bitsandbytes' : 'none');
  const platform = detectPlatform(env, argv);

  const maxBackoffMs = e[CONTROLLER_ENV.maxBackoffMs] ?? 60_000;
  const backoffMs = e[CONTROLLER_ENV.backoffMs] ?? 2_000;
  if (backoffMs > maxBackoffMs) {
    problems.push(
      `${CONTROLLER_ENV.backoffMs}=${backoffMs}: must not exceed ${CONTROLLER_ENV.maxBackoffMs} (${maxBackoffMs})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    platform,
    baseModel: e[ENV.baseModel] ?? DEFAULTS.baseModel,
    loraAdapter,
    adapterName: loraAdapter ? (e[CONTROLLER_ENV.adapterName] ?? defaultAdapterName(loraAdapter)) : null,
    use4bit,
    quantization,
    vllmCommand: splitOnSpaces(e[ENV.vllmCommand] ?? DEFAULTS.vllmCommand),
    vllmExtraArgs: splitOnSpaces(env[ENV.vllmExtraArgs]),
    // The pinned vLLM comes from the contract, not vllm-args (which reads this config: no import cycle).
    vllmVersion: (e[ENV.vllmVersion] ?? VLLM_IMAGE.version).replace(/^v/, ''),
    maxImageSide: e[ENV.maxImageSide] ?? DEFAULTS.maxImageSide,
    maxConcurrency: e[ENV.maxConcurrency],
    maxNumSeqs: e[ENV.maxNumSeqs],
    maxQueue: e[CONTROLLER_ENV.maxQueue],
    maxBodyBytes: e[ENV.maxBodyBytes] ?? DEFAULTS.maxBodyBytes,
    maxNewTokens: e[ENV.maxNewTokens] ?? DEFAULTS.maxNewTokens,
    requestTimeoutMs:
      e[ENV.requestTimeoutMs] ??
      (platform === 'sagemaker' ? DEFAULTS.requestTimeoutMsSageMaker : DEFAULTS.requestTimeoutMs),
    maxModelLen: e[ENV.maxModelLen] ?? DEFAULTS.maxModelLen,
    gpuMemoryUtilization: e[ENV.gpuMemoryUtilization] ?? DEFAULTS.gpuMemoryUtilization,
    maxLoraRank: e[ENV.maxLoraRank] ?? DEFAULTS.maxLoraRank,
    port: e[ENV.sagemakerPort] ?? e[ENV.vertexPort] ?? e[ENV.port] ?? DEFAULTS.port,
    healthRoute: e[ENV.vertexHealthRoute] ?? '/health',
    predictRoute: e[ENV.vertexPredictRoute] ?? '/predict',
    sagemakerModelDir: e[CONTROLLER_ENV.sagemakerModelDir] ?? '/opt/ml/model',
    azureModelDir: e[ENV.azureModelDir],
    aipStorageUri: e[ENV.vertexStorageUri],
    modelCacheDir: e[CONTROLLER_ENV.modelCacheDir] ?? '/tmp/form-detector-model',
    gcsApiBaseUrl: (e[CONTROLLER_ENV.gcsApiBaseUrl] ?? 'https://storage.googleapis.com').replace(/\/+$/, ''),
    gceMetadataHost: e[CONTROLLER_ENV.gceMetadataHost] ?? 'metadata.google.internal',
    modelWeightsDir: e[ENV.modelWeightsDir],
    modelWeightsUri: e[ENV.modelWeightsUri],
    hfTokenSecret: e[ENV.hfTokenSecret],
    weightsRecheckMs: e[CONTROLLER_ENV.weightsRecheckMs] ?? 30_000,
    secretManagerApiBaseUrl: (
      e[CONTROLLER_ENV.secretManagerApiBaseUrl] ?? 'https://secretmanager.googleapis.com'
    ).replace(/\/+$/, ''),
    msiEndpoint: e[ENV.azureMsiEndpoint],
    msiSecret: e[ENV.azureMsiSecret],
    identityClientId: e[ENV.azureClientId] ?? e[CONTROLLER_ENV.defaultIdentityClientId],
    keyVaultBaseUrl: e[CONTROLLER_ENV.keyVaultBaseUrl]?.replace(/\/+$/, ''),
    vllmInternalPort: e[CONTROLLER_ENV.vllmInternalPort],
    supervisor: {
      minUptimeMs: e[CONTROLLER_ENV.minUptimeMs] ?? 60_000,
      maxRestarts: e[CONTROLLER_ENV.maxRestarts] ?? 5,
      restartWindowMs: e[CONTROLLER_ENV.restartWindowMs] ?? 600_000,
      backoffMs,
      maxBackoffMs,
      // Drain (≤ 25 s) + this must stay inside SageMaker's 30 s between SIGTERM and SIGKILL.
      killTimeoutMs: e[CONTROLLER_ENV.killTimeoutMs] ?? 4_000,
      readinessPollMs: e[CONTROLLER_ENV.readinessPollMs] ?? 1_000,
    },
    drainTimeoutMs: e[CONTROLLER_ENV.drainTimeoutMs] ?? DEFAULTS.drainTimeoutMs,
    logLevel: e[CONTROLLER_ENV.logLevel] ?? 'info',
  };
}
