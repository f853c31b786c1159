import { QUANTIZATIONS, type Quantization } from '../../inference-container/src/contract';
import type { GpuModel } from './gpu-catalog';

export { QUANTIZATIONS, type Quantization };

export interface QuantizationInfo {
  /** Bytes per quantized weight, including scales and zero points. */
  readonly bytesPerParam: number;
  /** Lowest compute capability vLLM's kernels for it run on. */
  readonly minComputeCapability: number;
  readonly description: string;
}

export const QUANTIZATION_INFO: Readonly<Record<Quantization, QuantizationInfo>> = {
  // NF4 blocks of 64 weights share one absmax: 0.5 + ~0.06 bytes.
  bitsandbytes: {
    bytesPerParam: 0.56,
    minComputeCapability: 7.0,
    description: 'bitsandbytes 4-bit, quantized in flight (USE_4BIT); works on T4/A10G/L4 and with LoRA',
  },
  awq: { bytesPerParam: 0.53, minComputeCapability: 7.5, description: 'AWQ 4-bit (needs an AWQ checkpoint)' },
  gptq: { bytesPerParam: 0.53, minComputeCapability: 7.0, description: 'GPTQ 4-bit (needs a GPTQ checkpoint)' },
  // vLLM's FP8 weight-only path is the Marlin kernel: Ampere (8.0) or newer; native on L4 (8.9).
  fp8: { bytesPerParam: 1.03, minComputeCapability: 8.0, description: 'FP8 weights (Ampere or newer)' },
  none: { bytesPerParam: 2, minComputeCapability: 7.0, description: '16-bit weights, no quantization' },
};

export const DEFAULT_QUANTIZATION: Quantization = 'bitsandbytes';

export function isQuantization(value: string): value is Quantization {
  return (QUANTIZATIONS as readonly string[]).includes(value);
}

/** Why this quantization cannot run on this GPU, or undefined when it can. */
export function quantizationProblem(quantization: Quantization, gpu: GpuModel): string | undefined {
  const info = QUANTIZATION_INFO[quantization];
  if (gpu.computeCapability >= info.minComputeCapability) return undefined;
  const alternatives = QUANTIZATIONS.filter(
    (q) => q !== 'none' && QUANTIZATION_INFO[q].minComputeCapability <= gpu.computeCapability,
  );
  return (
    `${quantization} needs compute capability ≥ ${info.minComputeCapability} but ${gpu.name} has ` +
    `${gpu.computeCapability}; use ${alternatives.join(' or ')}, or a newer GPU`
  );
}
