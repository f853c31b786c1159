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
  port: 'PORT',
  /** The vLLM version in the image (the Dockerfile sets it); selects the flag set vLLM accepts. */
  vllmVersion: 'VLLM_VERSION',
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
