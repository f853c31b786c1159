/**
 * The inference container's external contract, defined once.
 *
 * The infrastructure code (lib/core) imports this file to name the environment it passes and the routes it
 * probes; the controller imports it to read them. Keep it free of runtime dependencies: it is loaded by
 * `cdk synth` / `cdktf synth`, where the controller's packages are not needed.
 */

/** Environment variables the controller reads. */
export const ENV = {
  baseModel: 'BASE_MODEL',
  loraAdapter: 'LORA_ADAPTER',
  use4bit: 'USE_4BIT',
  quantization: 'QUANTIZATION',
  vllmCommand: 'VLLM_COMMAND',
  vllmExtraArgs: 'VLLM_EXTRA_ARGS',
  maxImageSide: 'MAX_IMAGE_SIDE',
  maxConcurrency: 'MAX_CONCURRENCY',
  maxBodyBytes: 'MAX_BODY_BYTES',
  maxNewTokens: 'MAX_NEW_TOKENS',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  /** vLLM `--max-model-len`. */
  maxModelLen: 'MAX_MODEL_LEN',
  /** vLLM `--gpu-memory-utilization`. */
  gpuMemoryUtilization: 'GPU_MEMORY_UTILIZATION',
  /** vLLM `--max-num-seqs`. */
  maxNumSeqs: 'MAX_NUM_SEQS',
  /** vLLM `--max-lora-rank`. */
  maxLoraRank: 'MAX_LORA_RANK',
  // Set by the platforms, read by the controller.
  sagemakerPort: 'SAGEMAKER_BIND_TO_PORT',
  vertexPort: 'AIP_HTTP_PORT',
  vertexHealthRoute: 'AIP_HEALTH_ROUTE',
  vertexPredictRoute: 'AIP_PREDICT_ROUTE',
  vertexStorageUri: 'AIP_STORAGE_URI',
  azureModelDir: 'AZUREML_MODEL_DIR',
  /**
   * Azure ML's managed identity endpoint and its secret, set in the container of an online deployment (read with
   * `GET {MSI_ENDPOINT}?api-version=2017-09-01&resource=…&clientid=…` and the header `secret: {MSI_SECRET}`:
   * azureml-examples cli/endpoints/online/model-1/onlinescoring/score_managedidentity.py; MSAL Node's
   * ManagedIdentitySources/MachineLearning.ts).
   */
  azureMsiEndpoint: 'MSI_ENDPOINT',
  azureMsiSecret: 'MSI_SECRET',
  port: 'PORT',
  /** The vLLM version in the image (the Dockerfile sets it); selects the flag set vLLM accepts. */
  vllmVersion: 'VLLM_VERSION',
  /**
   * Where the staged weights are (see WEIGHTS_LAYOUT): an absolute directory (a mounted volume, /opt/ml/model), or
   * `platform` for the platform's own model location (SageMaker /opt/ml/model, Azure ML AZUREML_MODEL_DIR, Vertex
   * AIP_STORAGE_URI). When set, the container never contacts Hugging Face: an empty or incomplete store keeps it
   * not ready. Unset: BASE_MODEL and LORA_ADAPTER are Hugging Face ids (or directories baked into the image).
   */
  modelWeightsDir: 'MODEL_WEIGHTS_DIR',
  /** Where the store lives outside the container (s3://…, gs://…, https://…), for the staging hint in errors. */
  modelWeightsUri: 'MODEL_WEIGHTS_URI',
  /**
   * A secret holding the Hugging Face token, read at start-up with the container's own identity and given to vLLM
   * alone (never a plain env value): an AWS Secrets Manager ARN, a GCP Secret Manager version name
   * (`projects/<p>/secrets/<s>/versions/<v>`), or an Azure Key Vault secret URL
   * (`https://<vault>.vault.azure.net/secrets/<name>`).
   */
  hfTokenSecret: 'HF_TOKEN_SECRET',
  /**
   * The client id of the user-assigned identity that reads the secret store (Azure ML: the endpoint's identity; the
   * name azure-identity's DefaultAzureCredential reads). Unset: the platform's default identity
   * (DEFAULT_IDENTITY_CLIENT_ID on Azure ML).
   */
  azureClientId: 'AZURE_CLIENT_ID',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Quantization methods the controller passes to vLLM's `--quantization` (`none` passes no flag). */
export const QUANTIZATIONS = ['bitsandbytes', 'awq', 'gptq', 'fp8', 'none'] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];

/** Defaults the controller applies when a variable is unset. */
export const DEFAULTS = {
  baseModel: 'Qwen/Qwen3-VL-8B-Instruct',
  loraAdapter: 'takumi123xxx/pdfme-form-field-detector-lora',
  use4bit: true,
  vllmCommand: 'vllm',
  maxImageSide: 1024,
  maxBodyBytes: 8 * 1024 * 1024,
  maxNewTokens: 2048,
  /** SageMaker's invocation limit is 60 s; leave headroom for the response. */
  requestTimeoutMsSageMaker: 55_000,
  /** Azure ML allows request_timeout_ms up to 180 s; Vertex dedicated endpoints allow more. */
  requestTimeoutMs: 170_000,
  maxModelLen: 8192,
  gpuMemoryUtilization: 0.9,
  maxLoraRank: 16,
  port: 8080,
  /** SIGTERM drain budget: SageMaker sends SIGKILL 30 s after SIGTERM. */
  drainTimeoutMs: 25_000,
} as const;

/**
 * How weights are laid out in a store, on every cloud: the base model's Hugging Face snapshot at the root
 * (config.json, *.safetensors, the tokenizer and processor files) and the LoRA adapter's snapshot beside it in
 * `adapter/` — what SageMaker presents at /opt/ml/model from an S3 prefix.
 */
export const WEIGHTS_LAYOUT = {
  adapterDirectory: 'adapter',
  /** Where a mounted store (Cloud Run Cloud Storage volume, Container Apps Azure Files volume) appears. */
  mountPath: '/mnt/model-weights',
  /** The value of MODEL_WEIGHTS_DIR that means "where the platform put the model". */
  platform: 'platform',
  /** The local directory the staging commands download into. */
  localDirectory: 'form-detector-weights',
} as const;

/**
 * The shell commands that stage the weights into a store, with standard tools only: `hf download <repo> --local-dir
 * <dir>` (huggingface_hub's CLI, "download to a local folder": https://huggingface.co/docs/huggingface_hub/guides/cli)
 * for the base model and the adapter, then the store's own copy command for `storeUri`:
 * - `s3://bucket/prefix/`: `aws s3 sync <LocalPath> <S3Uri>` (https://docs.aws.amazon.com/cli/latest/reference/s3/sync.html);
 * - `gs://bucket/prefix/`: `gcloud storage rsync --recursive <dir> <uri>`
 *   (https://cloud.google.com/sdk/gcloud/reference/storage/rsync);
 * - `https://<account>.file.core.windows.net/<share>/<prefix>`: `az storage file upload-batch --destination <share>
 *   --destination-path <prefix> --source <dir>` (azure-cli src/azure-cli/azure/cli/command_modules/storage/_help.py:
 *   `--destination -d` the share name or URL, `--destination-path` "the directory where the source data is copied to",
 *   `--source -s`);
 * - `https://<account>.blob.core.windows.net/<container>/<prefix>`: `az storage blob upload-batch --auth-mode login
 *   --destination <container> --destination-path <prefix> --source <dir>` (same module's _params.py: for
 *   `storage blob`, `destination_path` is "the destination path that will be prepended to the blob name"; `--auth-mode
 *   login` uses the signed-in identity: https://learn.microsoft.com/cli/azure/storage/blob#az-storage-blob-upload-batch).
 * Shared by the infrastructure (stack outputs, `npm run synth`) and the container (its error when the store is
 * incomplete), so both always print the same commands.
 */
export function weightsStagingCommands(args: {
  readonly baseModel: string;
  /** Hugging Face id of the adapter; null or empty for none. */
  readonly loraAdapter: string | null | undefined;
  readonly storeUri: string;
}): string[] {
  const dir = WEIGHTS_LAYOUT.localDirectory;
  const commands = [`hf download ${args.baseModel} --local-dir ${dir}`];
  if (args.loraAdapter) {
    commands.push(`hf download ${args.loraAdapter} --local-dir ${dir}/${WEIGHTS_LAYOUT.adapterDirectory}`);
  }
  const uri = args.storeUri;
  const azure = /^https:\/\/(.+?)\.(file|blob)\.core\.windows\.net\/([^/]+)\/?(.*?)\/?$/.exec(uri);
  if (uri.startsWith('s3://')) {
    commands.push(`aws s3 sync ${dir} ${uri.endsWith('/') ? uri : `${uri}/`}`);
  } else if (uri.startsWith('gs://')) {
    commands.push(`gcloud storage rsync --recursive ${dir} ${uri.replace(/\/+$/, '')}`);
  } else if (azure) {
    const [, account, kind, share, prefix] = azure;
    const into = prefix ? ` --destination-path ${prefix}` : '';
    commands.push(
      kind === 'file'
        ? `az storage file upload-batch --account-name ${account} --destination ${share}${into} --source ${dir}`
        : `az storage blob upload-batch --auth-mode login --account-name ${account} --destination ${share}${into} --source ${dir}`,
    );
  } else {
    commands.push(`copy ${dir}/ to ${uri}`);
  }
  return commands;
}

/**
 * The vLLM image the Dockerfile builds on (`ARG VLLM_VERSION`), and the CUDA it is built with: the host's NVIDIA
 * driver must run that CUDA. `vllm/vllm-openai:v0.19.1` is the CUDA 12.9 build; the CUDA 13.0 build of the same
 * release is the `-cu130` tag. vLLM made CUDA 13.0 the unsuffixed default only from v0.20.0 (vllm-project/vllm
 * PR #39878, "Switch default CUDA to 13.0": before it, `vllm-openai:<tag>` = CUDA 12.9, `-cu130` = the variant).
 */
export const VLLM_IMAGE = {
  version: '0.19.1',
  repository: 'vllm/vllm-openai',
  cudaVersion: '12.9',
} as const;

/** Images over this many pixels are refused (`invalid_image`). */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** The port the container listens on when no platform variable says otherwise. */
export const CONTAINER_PORT = DEFAULTS.port;

/** HTTP routes, served at once on one port whatever the platform. */
export const ROUTES = {
  sagemakerPing: '/ping',
  sagemakerInvocations: '/invocations',
  vertexHealth: '/health',
  vertexPredict: '/predict',
  azureScore: '/score',
  azureLiveness: '/health/live',
  azureReadiness: '/health/ready',
  metrics: '/metrics',
} as const;

/** One detected field. */
export interface DetectedBox {
  /** [x1, y1, x2, y2], integers 0–1000, x1 ≤ x2 and y1 ≤ y2. */
  bbox_normalized: [number, number, number, number];
  /** The same box in the uploaded image's frame (EXIF orientation applied). */
  bbox_pixel: [number, number, number, number];
}

/** The answer to one image. */
export interface DetectionResult {
  bboxes: DetectedBox[];
  count: number;
  raw_output: string;
  image_size: { width: number; height: number };
  /**
   * Which model answered: the name vLLM was asked for (`model` of the chat request) — the adapter's served name,
   * or the base model's when the request asked for it (`adapter: false`) or the deployment has no adapter. Always
   * set by this container; optional in the type only because containers built before it existed omit it.
   */
  model?: string;
}

/**
 * Per-request options, on JSON bodies as `"parameters": {"adapter": false}` (every route), and on raw-bytes
 * SageMaker requests as the custom-attributes header `adapter=false`. Unknown keys in `parameters` are ignored.
 */
export interface DetectParameters {
  /**
   * `false` asks for the base model's answer, without the LoRA adapter (to measure what the adapter adds on the same
   * deployment). `true` insists on the adapter: refused (400) when the deployment serves none.
   * @default the adapter when the deployment has one, else the base model
   */
  adapter?: boolean;
}

/**
 * The header SageMaker forwards verbatim from InvokeEndpoint's `CustomAttributes` (at most 1024 visible US-ASCII
 * characters; https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html). The
 * container reads it as `;`-separated `key=value` pairs, the form AWS's own serving containers read (e.g.
 * `tfs-model-name=...` in aws/sagemaker-tensorflow-serving-container README.md); only `adapter` is interpreted.
 */
export const CUSTOM_ATTRIBUTES_HEADER = 'x-amzn-sagemaker-custom-attributes';

/** Longest CustomAttributes value SageMaker accepts (InvokeEndpoint API reference, above). */
export const MAX_CUSTOM_ATTRIBUTES_LENGTH = 1024;

/**
 * The adapter as readiness reports it (/health/ready and /health, key `adapter_status`): its served name, whether vLLM
 * lists it, and rank and target modules from its adapter_config.json (null, with `config_error` saying why, when
 * the file cannot be read — e.g. a Hugging Face id not yet in the local cache).
 */
export interface AdapterStatus {
  name: string;
  /** LORA_ADAPTER as resolved: a local directory or a Hugging Face id. */
  source: string;
  /** vLLM lists `name` among its served models (GET /v1/models). */
  loaded: boolean;
  /** `r` of adapter_config.json. */
  rank: number | null;
  /** `target_modules` of adapter_config.json: a list of module names, or a regular expression (PEFT allows both). */
  target_modules: string[] | string | null;
  /** Where adapter_config.json was read, or null. */
  config_path: string | null;
  /** Why rank and target modules are null; absent when they were read. */
  config_error?: string;
}

/** Error codes of the JSON error body `{"error": {"code", "message"}}`, with their HTTP status. */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_image: 400,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  overloaded: 429,
  upstream_error: 502,
  not_ready: 503,
  timeout: 504,
  /** A defect in the controller itself; never expected. */
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * Requests in flight to vLLM (and its `--max-num-seqs`) for a GPU with this much memory, used when
 * MAX_CONCURRENCY is unset. One detection holds roughly 3.5k tokens of KV cache (≈1.4k image tokens at 1024 px,
 * ≈200 prompt, up to 2k output); what remains of a 4-bit 8B model's budget holds about this many at once.
 * With no GPU facts the controller assumes the smallest card we support.
 */
export function defaultConcurrencyForGpuMemory(totalGpuMemoryMiB: number | undefined): number {
  if (totalGpuMemoryMiB === undefined || !Number.isFinite(totalGpuMemoryMiB) || totalGpuMemoryMiB < 20_000) return 4;
  if (totalGpuMemoryMiB < 32_000) return 8;
  if (totalGpuMemoryMiB < 64_000) return 16;
  return 32;
}
