import type { GpuModel } from '../gpu-catalog';
import { quantizationProblem, type Quantization } from '../quantization';
import type { GpuChoice } from '../platforms';
import { sizingProblem, type SizingInput } from '../sizing';
import { ALL_TARGETS, platformRule } from './rule';

/** The sizing input, and how the construct picks its GPU (the fix names that platform's larger options). */
export interface GpuMemoryFitInput extends SizingInput {
  readonly gpu: GpuChoice;
}

export const VLLM_GPU_MEMORY_FIT = platformRule<GpuMemoryFitInput>({
  id: 'vllm.gpu-memory-fit',
  platform: 'vLLM',
  statement:
    'Weights + runtime + the KV cache of one full-length sequence fit in GPU memory × --gpu-memory-utilization ' +
    '(an estimate: lib/core/sizing.ts)',
  source: 'https://docs.vllm.ai/en/v0.19.1/configuration/engine_args.html',
  unverified: 'the runtime overhead (2 GiB per GPU) and the vision-tower size are estimates, not vLLM figures',
  appliesTo: ALL_TARGETS,
  synth: true,
  preflight: true,
  check: (input) => {
    const problem = sizingProblem(input, input.gpu);
    return problem ? [{ value: input.gpu.valueOf(input.instance), fix: problem }] : [];
  },
});

export const VLLM_QUANTIZATION_GPU = platformRule<{ quantization: Quantization; gpu: GpuModel }>({
  id: 'vllm.quantization-compute-capability',
  platform: 'vLLM',
  statement:
    'A quantization runs only on GPUs with the compute capability its vLLM kernels need (FP8 weights: 8.0+, ' +
    'AWQ: 7.5+)',
  source: 'https://docs.vllm.ai/en/v0.19.1/features/quantization/supported_hardware.html',
  unverified: 'the per-method minimum compute capabilities were not re-read at v0.19.1',
  appliesTo: ALL_TARGETS,
  synth: true,
  preflight: true,
  check: ({ quantization, gpu }) => {
    const problem = quantizationProblem(quantization, gpu);
    return problem ? [{ value: quantization, fix: problem }] : [];
  },
});
