/**
 * The vLLM command line, derived from the configuration, the GPU and the vLLM version in the image.
 *
 * vLLM refuses flags it does not know and dies at start-up, so every flag the controller can pass is listed
 * in VLLM_FLAG_SINCE with the first release that accepts it. This table is the only place that knows which
 * vLLM version takes which flag. Sources (checked against vLLM's own code):
 * - `--mm-encoder-attn-backend`: vllm PR #27061 (merged 2025-10-17, first released in 0.11.1);
 *   `MultiModalConfig.mm_encoder_attn_backend` accepts any AttentionBackendEnum name, e.g. TORCH_SDPA.
 * - `--mm-processor-cache-gb`: `MultiModalConfig.mm_processor_cache_gb` (present in the 0.11 series).
 * - `--limit-mm-per-prompt` as JSON (`{"image":1,"video":0}`): dict-typed config fields parse JSON since the
 *   0.9 series (0.8 and older took `image=1,video=0`).
 * - `--generation-config`: EngineArgs.generation_config, since 0.7.
 * - `--max-lora-rank` accepts only 1, 8, 16, 32, 64, 128, 256, 320, 512 (`MaxLoRARanks`).
 * - bitsandbytes left vLLM core for the out-of-tree vllm-bnb-plugin in 0.28.0 (vllm PR #43529): images of
 *   0.28+ need that plugin installed for `--quantization bitsandbytes`.
 */
import { defaultConcurrencyForGpuMemory, VLLM_IMAGE } from './contract';
import type { Config } from './config';
import type { GpuInfo } from './gpu';

/** The vLLM release the Dockerfile pins (`vllm/vllm-openai:v0.19.1`: CUDA 12.9, bitsandbytes in core). */
export const PINNED_VLLM_VERSION: string = VLLM_IMAGE.version;

/** Qwen3-VL needs vLLM ≥ 0.11.0 (LoRA on Qwen3-VL works from 0.12; this project pins ≥ 0.14). */
export const MIN_VLLM_VERSION = '0.11.0';

/** Every flag the controller may emit, with the first vLLM version that accepts it. */
export const VLLM_FLAG_SINCE = {
  '--host': '0.1.0',
  '--port': '0.1.0',
  '--max-model-len': '0.1.0',
  '--gpu-memory-utilization': '0.1.0',
  '--max-num-seqs': '0.1.0',
  '--limit-mm-per-prompt': '0.9.0',
  '--enable-lora': '0.3.0',
  '--lora-modules': '0.3.0',
  '--max-lora-rank': '0.3.0',
  '--quantization': '0.2.0',
  '--dtype': '0.1.0',
  '--enforce-eager': '0.2.0',
  '--generation-config': '0.7.0',
  '--mm-processor-cache-gb': '0.11.0',
  '--mm-encoder-attn-backend': '0.11.1',
} as const;

export type VllmFlag = keyof typeof VLLM_FLAG_SINCE;

/** Compares dotted versions numerically (`0.9.0` < `0.11.1`); suffixes such as `+cu129` are ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (v.replace(/^v/, '').match(/^\d+(\.\d+)*/)?.[0] ?? '0').split('.').map(Number);
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

export function supportsFlag(version: string, flag: VllmFlag): boolean {
  return compareVersions(version, VLLM_FLAG_SINCE[flag]) >= 0;
}

/** GPUs below this compute capability (T4 = 7.5) have no bf16 and need the Turing workarounds. */
export const MIN_BF16_COMPUTE_CAPABILITY = 8.0;

/**
 * MAX_CONCURRENCY and `--max-num-seqs` "from the GPU", kept equal unless one is set:
 * - under 20 GiB of GPU memory (T4 16 GB), or no GPU known: 4 sequences;
 * - under 40 GiB (A10G / L4 24 GB): 8;
 * - 40 GiB and more (A100): 16.
 * Each sequence reserves KV cache for up to MAX_MODEL_LEN tokens (≈1.4k image + 0.2k prompt + up to 2k out);
 * these counts leave room for the 4-bit 8B weights and the vision tower at GPU_MEMORY_UTILIZATION 0.9.
 * MAX_NUM_SEQS set alone also sets MAX_CONCURRENCY, and MAX_CONCURRENCY set alone also sets --max-num-seqs.
 */
export function resolveConcurrency(
  config: Pick<Config, 'maxConcurrency' | 'maxNumSeqs'>,
  gpu: GpuInfo | null,
): { maxConcurrency: number; maxNumSeqs: number } {
  // One rule for the controller and for the infrastructure code, defined with the contract.
  const fromGpu = defaultConcurrencyForGpuMemory(gpu?.memoryMiB);
  const maxNumSeqs = config.maxNumSeqs ?? config.maxConcurrency ?? fromGpu;
  return { maxConcurrency: config.maxConcurrency ?? maxNumSeqs, maxNumSeqs };
}

export interface VllmLaunchPlan {
  /** BASE_MODEL or the local directory it was resolved to. */
  model: string;
  /** LORA_ADAPTER or the local directory it was resolved to; null = no adapter. */
  adapter: string | null;
  internalPort: number;
  maxNumSeqs: number;
}

export class UnsupportedVllmVersionError extends Error {}

/** The arguments after `$VLLM_COMMAND`: `serve <model> ...flags ...VLLM_EXTRA_ARGS`. */
export function buildVllmArgs(
  config: Pick<
    Config,
    | 'vllmVersion'
    | 'maxModelLen'
    | 'gpuMemoryUtilization'
    | 'maxLoraRank'
    | 'quantization'
    | 'adapterName'
    | 'vllmExtraArgs'
  >,
  gpu: GpuInfo | null,
  plan: VllmLaunchPlan,
): string[] {
  const version = config.vllmVersion;
  if (compareVersions(version, MIN_VLLM_VERSION) < 0) {
    throw new UnsupportedVllmVersionError(
      `VLLM_VERSION=${version} is too old: Qwen3-VL needs vLLM ${MIN_VLLM_VERSION} or newer (pinned: ${PINNED_VLLM_VERSION}).`,
    );
  }
  const args: string[] = ['serve', plan.model];
  const add = (flag: VllmFlag, ...values: string[]) => {
    if (!supportsFlag(version, flag)) {
      throw new UnsupportedVllmVersionError(`vLLM ${version} does not accept ${flag}, which the contract requires.`);
    }
    args.push(flag, ...values);
  };
  const addIfSupported = (flag: VllmFlag, ...values: string[]) => {
    if (supportsFlag(version, flag)) args.push(flag, ...values);
  };

  // vLLM listens on loopback only: the controller owns the public port.
  add('--host', '127.0.0.1');
  add('--port', String(plan.internalPort));
  add('--max-model-len', String(config.maxModelLen));
  // One image per prompt and no video: otherwise profiling reserves memory for long videos.
  add('--limit-mm-per-prompt', JSON.stringify({ image: 1, video: 0 }));
  add('--gpu-memory-utilization', String(config.gpuMemoryUtilization));
  add('--max-num-seqs', String(plan.maxNumSeqs));
  // Every page is a new image: the processor cache only costs memory.
  addIfSupported('--mm-processor-cache-gb', '0');
  // Ignore the model's generation_config.json sampling defaults; requests say temperature 0.
  addIfSupported('--generation-config', 'vllm');

  if (plan.adapter && config.adapterName) {
    add('--enable-lora');
    add('--lora-modules', `${config.adapterName}=${plan.adapter}`);
    add('--max-lora-rank', String(config.maxLoraRank));
  }
  if (config.quantization !== 'none') add('--quantization', config.quantization);

  if (gpu && gpu.computeCapability < MIN_BF16_COMPUTE_CAPABILITY) {
    // T4 (sm75): no bf16; CUDA graphs and the default ViT attention backend misbehave on Turing
    // (vllm#29743, #36357), so run eager with PyTorch SDPA in the vision encoder.
    add('--dtype', 'half');
    add('--enforce-eager');
    addIfSupported('--mm-encoder-attn-backend', 'TORCH_SDPA');
  }

  args.push(...config.vllmExtraArgs);
  return args;
}
