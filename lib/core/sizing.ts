import { describeInstance, type GpuInstance } from './gpu-catalog';
import type { GpuChoice } from './platforms';
import type { ModelProfile } from './model-profiles';
import { QUANTIZATION_INFO, type Quantization } from './quantization';

/** CUDA context, activations of a vision prefill and allocator slack, per GPU. */
export const RUNTIME_OVERHEAD_GIB = 2;

/** Tokens one detection holds in the KV cache: ≈1.4k image tokens at 1024 px, ≈200 prompt, up to 2k output. */
export const TOKENS_PER_DETECTION = 3584;

const GIB = 1024 ** 3;

export interface SizingInput {
  readonly model: ModelProfile;
  readonly quantization: Quantization;
  readonly instance: GpuInstance;
  /** vLLM --max-model-len. */
  readonly maxModelLength: number;
  /** vLLM --gpu-memory-utilization, 0–1. */
  readonly gpuMemoryUtilization: number;
}

export interface SizingResult {
  readonly fits: boolean;
  /** Weights (quantized + 16-bit parts + vision tower), GiB, all GPUs together. */
  readonly weightsGiB: number;
  /** KV cache of one sequence at max model length, GiB. */
  readonly kvCachePerSequenceGiB: number;
  /** Weights + overhead + one full-length sequence, GiB. */
  readonly requiredGiB: number;
  /** GPU memory vLLM may use: memory × utilization × GPU count, GiB. */
  readonly availableGiB: number;
  /** Detections of TOKENS_PER_DETECTION that fit in the KV cache at once (0 when it does not fit). */
  readonly concurrentDetections: number;
}

/** Bytes of KV cache per token: keys and values, every layer, 16-bit. */
export function kvBytesPerToken(model: ModelProfile): number {
  return 2 * model.layers * model.kvHeads * model.headDim * 2;
}

export function estimateSizing(input: SizingInput): SizingResult {
  const { model, quantization, instance } = input;
  const weightsBytes =
    model.quantizableParamsB * 1e9 * QUANTIZATION_INFO[quantization].bytesPerParam +
    (model.unquantizedParamsB + model.visionParamsB) * 1e9 * 2;
  const weightsGiB = weightsBytes / GIB;
  const kvCachePerSequenceGiB = (kvBytesPerToken(model) * input.maxModelLength) / GIB;
  const overheadGiB = RUNTIME_OVERHEAD_GIB * instance.gpuCount;
  const requiredGiB = weightsGiB + overheadGiB + kvCachePerSequenceGiB;
  const availableGiB = ((instance.gpu.memoryMiB * 1024 ** 2) / GIB) * input.gpuMemoryUtilization * instance.gpuCount;
  const kvBudgetGiB = availableGiB - weightsGiB - overheadGiB;
  const perDetectionGiB = (kvBytesPerToken(model) * TOKENS_PER_DETECTION) / GIB;
  const fits = requiredGiB <= availableGiB;
  return {
    fits,
    weightsGiB: round1(weightsGiB),
    kvCachePerSequenceGiB: round1(kvCachePerSequenceGiB),
    requiredGiB: round1(requiredGiB),
    availableGiB: round1(availableGiB),
    concurrentDetections: fits ? Math.max(0, Math.floor(kvBudgetGiB / perDetectionGiB)) : 0,
  };
}

/**
 * Why the model does not fit, naming the larger GPUs the construct's own platform offers (in its own prop, e.g.
 * `gpuProfile: 'Consumption-GPU-NC24-A100'`) that would hold it; undefined when it fits.
 */
export function sizingProblem(input: SizingInput, gpu: GpuChoice): string | undefined {
  const result = estimateSizing(input);
  if (result.fits) return undefined;
  const { model, quantization, instance } = input;
  const describe = gpu.describe ?? ((i: GpuInstance) => `${gpu.prop}: '${gpu.valueOf(i)}'`);
  const larger = gpu.options
    .filter((c) => c.instanceType !== instance.instanceType || c.acceleratorType !== instance.acceleratorType)
    .filter((c) => estimateSizing({ ...input, instance: c }).fits)
    .map((c) => `${describe(c)} (${gpuMemory(c)})`);
  const options = [
    larger.length > 0 ? `a GPU with more memory: ${larger.join(', ')}` : undefined,
    quantization === 'none' || quantization === 'fp8' ? `quantization: 'bitsandbytes'` : undefined,
    model.name !== '8B' ? `model: '8B'` : undefined,
    `a smaller maxModelLength (now ${input.maxModelLength})`,
    larger.length === 0 ? gpu.elsewhere : undefined,
  ].filter((o): o is string => o !== undefined);
  return (
    `Qwen3-VL-${model.name} with ${quantization} needs about ${result.requiredGiB} GiB of GPU memory ` +
    `(${result.weightsGiB} GiB weights + ${RUNTIME_OVERHEAD_GIB * instance.gpuCount} GiB runtime + ` +
    `${result.kvCachePerSequenceGiB} GiB KV cache for ${input.maxModelLength} tokens), but ` +
    `${describeInstance(instance)} gives vLLM ${result.availableGiB} GiB at gpuMemoryUtilization ` +
    `${input.gpuMemoryUtilization}. Choose ${options.join(', or ')}`
  );
}

/** `A100 80 GB`, `8× A100 40 GB`. */
function gpuMemory(instance: GpuInstance): string {
  return `${instance.gpuCount > 1 ? `${instance.gpuCount}× ` : ''}${instance.gpu.name} ${instance.gpu.marketedGb} GB`;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
