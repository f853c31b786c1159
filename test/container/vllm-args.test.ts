import { loadConfig } from '../../inference-container/src/config';
import type { GpuInfo } from '../../inference-container/src/gpu';
import { parseNvidiaSmi } from '../../inference-container/src/gpu';
import {
  buildVllmArgs,
  compareVersions,
  PINNED_VLLM_VERSION,
  resolveConcurrency,
  VLLM_FLAG_SINCE,
} from '../../inference-container/src/vllm-args';

const T4: GpuInfo = { name: 'Tesla T4', computeCapability: 7.5, memoryMiB: 15360 };
const A10G: GpuInfo = { name: 'NVIDIA A10G', computeCapability: 8.6, memoryMiB: 23028 };
const A100: GpuInfo = { name: 'NVIDIA A100-SXM4-40GB', computeCapability: 8.0, memoryMiB: 40960 };

function argsFor(
  env: Record<string, string>,
  gpu: GpuInfo | null,
  adapter: string | null = 'takumi123xxx/pdfme-form-field-detector-lora',
) {
  const config = loadConfig(env);
  return buildVllmArgs(config, gpu, { model: config.baseModel, adapter, internalPort: 9001, maxNumSeqs: 8 });
}

/** The value after a flag, or undefined. */
const valueOf = (args: string[], flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);

describe('buildVllmArgs', () => {
  it('passes serve, the model and the flags the contract always requires, vLLM on loopback', () => {
    const args = argsFor({}, A10G);
    expect(args.slice(0, 2)).toEqual(['serve', 'Qwen/Qwen3-VL-8B-Instruct']);
    expect(valueOf(args, '--host')).toBe('127.0.0.1');
    expect(valueOf(args, '--port')).toBe('9001');
    expect(valueOf(args, '--max-model-len')).toBe('8192');
    expect(JSON.parse(valueOf(args, '--limit-mm-per-prompt')!)).toEqual({ image: 1, video: 0 });
    expect(valueOf(args, '--gpu-memory-utilization')).toBe('0.9');
    expect(valueOf(args, '--max-num-seqs')).toBe('8');
  });

  it('serves the adapter under its name with LoRA enabled', () => {
    const args = argsFor({}, A10G);
    expect(args).toContain('--enable-lora');
    expect(valueOf(args, '--lora-modules')).toBe(
      'pdfme-form-field-detector-lora=takumi123xxx/pdfme-form-field-detector-lora',
    );
    expect(valueOf(args, '--max-lora-rank')).toBe('16');
  });

  it('leaves LoRA out without an adapter', () => {
    const args = argsFor({ LORA_ADAPTER: '' }, A10G, null);
    expect(args).not.toContain('--enable-lora');
    expect(args).not.toContain('--lora-modules');
    expect(args).not.toContain('--max-lora-rank');
  });

  it('maps USE_4BIT to bitsandbytes, and lets QUANTIZATION override it', () => {
    expect(valueOf(argsFor({ USE_4BIT: 'true' }, A10G), '--quantization')).toBe('bitsandbytes');
    expect(argsFor({ USE_4BIT: 'false' }, A10G)).not.toContain('--quantization');
    expect(valueOf(argsFor({ USE_4BIT: 'true', QUANTIZATION: 'fp8' }, A10G), '--quantization')).toBe('fp8');
    expect(valueOf(argsFor({ USE_4BIT: 'false', QUANTIZATION: 'awq' }, A10G), '--quantization')).toBe('awq');
    expect(argsFor({ USE_4BIT: 'true', QUANTIZATION: 'none' }, A10G)).not.toContain('--quantization');
  });

  it('on a T4 (compute capability 7.5) serves fp16, eager, with SDPA in the vision encoder', () => {
    const args = argsFor({}, T4);
    expect(valueOf(args, '--dtype')).toBe('half');
    expect(args).toContain('--enforce-eager');
    expect(valueOf(args, '--mm-encoder-attn-backend')).toBe('TORCH_SDPA');
  });

  it('adds no Turing workarounds on Ampere and newer, nor without GPU facts', () => {
    for (const gpu of [A10G, A100, null]) {
      const args = argsFor({}, gpu);
      expect(args).not.toContain('--dtype');
      expect(args).not.toContain('--enforce-eager');
      expect(args).not.toContain('--mm-encoder-attn-backend');
    }
  });

  it('omits flags the configured vLLM version does not know', () => {
    const args = argsFor({ VLLM_VERSION: '0.11.0' }, T4);
    expect(args).toContain('--dtype');
    expect(args).not.toContain('--mm-encoder-attn-backend');
    expect(argsFor({ VLLM_VERSION: '0.11.1' }, T4)).toContain('--mm-encoder-attn-backend');
  });

  it('refuses a vLLM too old for Qwen3-VL', () => {
    expect(() => argsFor({ VLLM_VERSION: '0.10.2' }, A10G)).toThrow(/too old/);
  });

  it('appends VLLM_EXTRA_ARGS last, split on spaces', () => {
    const args = argsFor({ VLLM_EXTRA_ARGS: '  --max-loras 2   --enforce-eager ' }, T4);
    expect(args.slice(-3)).toEqual(['--max-loras', '2', '--enforce-eager']);
  });

  it('emits only flags from the per-version table', () => {
    const flags = argsFor({ VLLM_EXTRA_ARGS: '' }, T4).filter((a) => a.startsWith('--'));
    for (const flag of flags) expect(Object.keys(VLLM_FLAG_SINCE)).toContain(flag);
  });

  it('compares versions numerically', () => {
    expect(compareVersions('0.9.0', '0.11.1')).toBe(-1);
    expect(compareVersions('v0.19.1+cu129', '0.19.1')).toBe(0);
    expect(compareVersions(PINNED_VLLM_VERSION, '0.14.0')).toBe(1);
  });
});

describe('resolveConcurrency', () => {
  it('derives MAX_CONCURRENCY = --max-num-seqs from GPU memory', () => {
    expect(resolveConcurrency({}, T4)).toEqual({ maxConcurrency: 4, maxNumSeqs: 4 });
    expect(resolveConcurrency({}, A10G)).toEqual({ maxConcurrency: 8, maxNumSeqs: 8 });
    expect(resolveConcurrency({}, A100)).toEqual({ maxConcurrency: 16, maxNumSeqs: 16 });
    expect(resolveConcurrency({}, null)).toEqual({ maxConcurrency: 4, maxNumSeqs: 4 });
  });

  it('keeps both equal when one is set, and honours both when both are set', () => {
    expect(resolveConcurrency({ maxConcurrency: 3 }, A10G)).toEqual({ maxConcurrency: 3, maxNumSeqs: 3 });
    expect(resolveConcurrency({ maxNumSeqs: 6 }, A10G)).toEqual({ maxConcurrency: 6, maxNumSeqs: 6 });
    expect(resolveConcurrency({ maxConcurrency: 2, maxNumSeqs: 6 }, A10G)).toEqual({
      maxConcurrency: 2,
      maxNumSeqs: 6,
    });
  });
});

describe('parseNvidiaSmi', () => {
  it('reads the first GPU of the CSV answer', () => {
    expect(parseNvidiaSmi('Tesla T4, 7.5, 15360\nTesla T4, 7.5, 15360\n')).toEqual(T4);
    expect(parseNvidiaSmi('NVIDIA A10G, 8.6, 23028')).toEqual(A10G);
  });

  it('returns null for output it cannot read', () => {
    expect(parseNvidiaSmi('')).toBeNull();
    expect(parseNvidiaSmi('No devices were found')).toBeNull();
    expect(parseNvidiaSmi('Tesla T4, [N/A], 15360')).toBeNull();
  });
});
