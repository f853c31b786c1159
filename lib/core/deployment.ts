import { DEFAULTS, defaultConcurrencyForGpuMemory } from '../../inference-container/src/contract';
import type { Cloud, GpuInstance } from './gpu-catalog';
import { DEFAULT_MODEL_PROFILE, isModelProfileName, MODEL_PROFILES, type ModelProfile } from './model-profiles';
import { DEFAULT_QUANTIZATION, isQuantization, QUANTIZATIONS, type Quantization } from './quantization';
import { estimateSizing, type SizingResult } from './sizing';
import type { DurationLike } from './duration';
import type { PlatformLimits } from './platforms';
import type { ValidationErrors } from './validation';
import { VLLM_GPU_MEMORY_FIT, VLLM_QUANTIZATION_GPU } from './platform-rules/vllm';

/** What model a deployment serves and how vLLM runs it: the same props on every cloud. */
export interface DetectorModelOptions {
  /**
   * Model profile: `8B` (Qwen3-VL-8B-Instruct + the pdfme adapter) or `32B` (needs ≥ 40 GB of GPU memory).
   * @default '8B'
   */
  readonly model?: string;
  /**
   * Base model: a Hugging Face id, or a local directory inside the image.
   * @default the profile's base model, e.g. 'Qwen/Qwen3-VL-8B-Instruct'
   */
  readonly baseModel?: string;
  /**
   * LoRA adapter: a Hugging Face id or a local directory; an empty string serves the base model alone.
   * @default the profile's adapter, e.g. 'takumi123xxx/pdfme-form-field-detector-lora'
   */
  readonly loraAdapter?: string;
  /**
   * Weight quantization.
   * @default 'bitsandbytes' (4-bit, what USE_4BIT=true means)
   */
  readonly quantization?: string;
  /**
   * vLLM --max-model-len: prompt + image tokens + output.
   * @default 8192
   */
  readonly maxModelLength?: number;
  /**
   * vLLM --gpu-memory-utilization.
   * @default 0.9
   */
  readonly gpuMemoryUtilization?: number;
  /**
   * Detections the container runs at once per instance (and vLLM's --max-num-seqs); beyond it a short queue,
   * then 429.
   * @default derived from the GPU memory and the model's KV-cache room
   */
  readonly maxConcurrency?: number;
  /**
   * Generation cap per detection. Busy forms need ~1k tokens; 1024 truncates them.
   * @default 2048
   */
  readonly maxNewTokens?: number;
  /**
   * Longest image side sent to the model; larger uploads are downscaled first (the adapter was trained at 1024).
   * @default 1024
   */
  readonly maxImageSide?: number;
  /**
   * Deadline for one detection inside the container.
   * @default 55 seconds on SageMaker, 170 seconds elsewhere
   */
  readonly requestTimeout?: DurationLike;
  /**
   * Extra environment variables for the container (e.g. VLLM_EXTRA_ARGS). Not HF_TOKEN: a token goes in the cloud's
   * secret store (`ModelWeights.fromHuggingFace({ tokenSecret })`).
   * @default none
   */
  readonly environment?: Record<string, string>;
}

/** A deployment with every default filled in and every rule checked. */
export interface DetectorDeployment {
  readonly cloud: Cloud;
  readonly model: ModelProfile;
  readonly baseModel: string;
  /** undefined = base model only. */
  readonly loraAdapter: string | undefined;
  readonly quantization: Quantization;
  readonly instance: GpuInstance;
  readonly maxModelLength: number;
  readonly gpuMemoryUtilization: number;
  readonly maxConcurrency: number;
  readonly maxNewTokens: number;
  readonly maxImageSide: number;
  readonly requestTimeoutMs: number;
  readonly extraEnvironment: Readonly<Record<string, string>>;
  readonly sizing: SizingResult;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Variables the platforms set themselves; a deployment must not. */
const PLATFORM_ENV_PREFIXES = ['AIP_', 'SAGEMAKER_', 'AZUREML_'];

/**
 * Fills in the model options' defaults for this instance and platform, and records every problem in `errors`
 * (unknown profile or quantization, a quantization the GPU cannot run, a model that does not fit — under the
 * platform's own GPU prop, naming its larger options — and bad numbers).
 */
export function resolveDeployment(
  instance: GpuInstance,
  options: DetectorModelOptions | undefined,
  platform: PlatformLimits,
  errors: ValidationErrors,
): DetectorDeployment {
  const o = options ?? {};
  const profileName = o.model ?? DEFAULT_MODEL_PROFILE;
  if (!isModelProfileName(profileName)) {
    errors.add('model', profileName, `use one of ${Object.keys(MODEL_PROFILES).join(', ')}`);
  }
  const model = isModelProfileName(profileName) ? MODEL_PROFILES[profileName] : MODEL_PROFILES[DEFAULT_MODEL_PROFILE];

  const requestedQuantization = o.quantization ?? DEFAULT_QUANTIZATION;
  if (!isQuantization(requestedQuantization)) {
    errors.add('quantization', requestedQuantization, `use one of ${QUANTIZATIONS.join(', ')}`);
  }
  const quantization = isQuantization(requestedQuantization) ? requestedQuantization : DEFAULT_QUANTIZATION;
  errors.rule('quantization', VLLM_QUANTIZATION_GPU, { quantization, gpu: instance.gpu });

  const maxModelLength = o.maxModelLength ?? DEFAULTS.maxModelLen;
  const maxNewTokens = o.maxNewTokens ?? DEFAULTS.maxNewTokens;
  const gpuMemoryUtilization = o.gpuMemoryUtilization ?? DEFAULTS.gpuMemoryUtilization;
  errors.check(
    'maxModelLength',
    o.maxModelLength,
    (n) => Number.isInteger(n) && n >= 4096 && n <= 262_144,
    'use a whole number of tokens from 4096 to 262144 (an image at 1024 px is ~1.4k tokens, plus the output)',
  );
  errors.check(
    'gpuMemoryUtilization',
    o.gpuMemoryUtilization,
    (n) => n > 0.5 && n <= 0.98,
    'use a fraction above 0.5 and at most 0.98, e.g. 0.9',
  );
  errors.check(
    'maxNewTokens',
    o.maxNewTokens,
    (n) => Number.isInteger(n) && n >= 256 && n <= maxModelLength - 2048,
    `use a whole number from 256 to maxModelLength − 2048 (${maxModelLength - 2048}), leaving room for the image`,
  );
  errors.check(
    'maxImageSide',
    o.maxImageSide,
    (n) => Number.isInteger(n) && n >= 256 && n <= 4096,
    'use a whole number of pixels from 256 to 4096 (the adapter was trained at 1024)',
  );

  const sizingInput = { model, quantization, instance, maxModelLength, gpuMemoryUtilization };
  const sizing = estimateSizing(sizingInput);
  // A bad number is already reported above; sizing with it would only add noise.
  if (errors.count === 0) errors.rule(platform.gpu.prop, VLLM_GPU_MEMORY_FIT, { ...sizingInput, gpu: platform.gpu });

  const maxConcurrency =
    o.maxConcurrency ??
    Math.max(
      1,
      Math.min(
        defaultConcurrencyForGpuMemory(instance.gpu.memoryMiB * instance.gpuCount),
        sizing.concurrentDetections || 1,
      ),
    );
  errors.check(
    'maxConcurrency',
    o.maxConcurrency,
    (n) => Number.isInteger(n) && n >= 1 && n <= 256,
    'use a whole number from 1 to 256',
  );

  const requestTimeoutMs =
    errors.wholeSeconds('requestTimeout', o.requestTimeout, platform.defaultRequestTimeoutMs / 1000) * 1000;
  errors.check(
    'requestTimeout',
    o.requestTimeout === undefined ? undefined : requestTimeoutMs,
    (ms) => ms >= 1000 && ms <= platform.maxRequestTimeoutMs,
    `use 1 s to ${platform.maxRequestTimeoutMs / 1000} s: ${platform.maxRequestTimeoutReason}`,
  );

  const extraEnvironment = o.environment ?? {};
  for (const [name, value] of Object.entries(extraEnvironment)) {
    if (!ENV_NAME.test(name)) {
      errors.add(`environment.${name}`, name, 'use a variable name of letters, digits and underscores');
    } else if (name === 'HF_TOKEN' || name === 'HUGGING_FACE_HUB_TOKEN') {
      errors.add(
        `environment.${name}`,
        '(a token)',
        'a plain environment value shows in the deployment, its history and the console: keep the token in the ' +
          "cloud's secret store and pass it as weights: ModelWeights.fromHuggingFace({ tokenSecret })",
      );
    } else if (PLATFORM_ENV_PREFIXES.some((p) => name.startsWith(p))) {
      errors.add(
        `environment.${name}`,
        name,
        `${PLATFORM_ENV_PREFIXES.join(', ')} variables are set by the platform; leave them out`,
      );
    }
    if (typeof value !== 'string') {
      errors.add(`environment.${name}`, value, 'environment values must be strings');
    }
  }

  const loraAdapter = o.loraAdapter ?? model.loraAdapter;
  return {
    cloud: instance.cloud,
    model,
    baseModel: o.baseModel ?? model.baseModel,
    loraAdapter: loraAdapter === '' ? undefined : loraAdapter,
    quantization,
    instance,
    maxModelLength,
    gpuMemoryUtilization,
    maxConcurrency,
    maxNewTokens,
    maxImageSide: o.maxImageSide ?? DEFAULTS.maxImageSide,
    requestTimeoutMs,
    extraEnvironment,
    sizing,
  };
}
