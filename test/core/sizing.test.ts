import {
  AWS_INSTANCES,
  AZURE_INSTANCES,
  estimateSizing,
  gcpMachine,
  kvBytesPerToken,
  MODEL_PROFILES,
  PLATFORM_LIMITS,
  quantizationProblem,
  sizingProblem,
  type GpuInstance,
  type Quantization,
} from '../../lib/core';

const l4 = (): GpuInstance => {
  const found = gcpMachine('g2-standard-8');
  if (!found.ok) throw new Error(found.problem);
  return found.value;
};

const input = (model: '8B' | '32B', quantization: Quantization, instance: GpuInstance, maxModelLength = 8192) => ({
  model: MODEL_PROFILES[model],
  quantization,
  instance,
  maxModelLength,
  gpuMemoryUtilization: 0.9,
});

describe('VRAM sizing', () => {
  test('the 4-bit 8B model fits every default GPU, including a 16 GB T4', () => {
    for (const instance of [AWS_INSTANCES['ml.g5.xlarge'], l4(), AZURE_INSTANCES.Standard_NC4as_T4_v3]) {
      const result = estimateSizing(input('8B', 'bitsandbytes', instance));
      expect(result.fits).toBe(true);
      expect(result.concurrentDetections).toBeGreaterThanOrEqual(4);
    }
  });

  test('16-bit 8B weights fit 24 GB but not a 16 GB T4', () => {
    expect(estimateSizing(input('8B', 'none', AWS_INSTANCES['ml.g5.xlarge'])).fits).toBe(true);
    expect(estimateSizing(input('8B', 'none', AWS_INSTANCES['ml.g4dn.xlarge'])).fits).toBe(false);
  });

  test('32B on a 24 GB card fails and names instances that fit', () => {
    const message = sizingProblem(
      input('32B', 'bitsandbytes', AWS_INSTANCES['ml.g5.xlarge']),
      PLATFORM_LIMITS.sagemaker.gpu,
    );
    expect(message).toMatch(/Qwen3-VL-32B with bitsandbytes needs about [\d.]+ GiB/);
    expect(message).toMatch(/ml\.g5\.xlarge \(A10G 24 GB\) gives vLLM 20\.2 GiB/);
    expect(message).toMatch(/ml\.p4d\.24xlarge/);
    expect(message).toMatch(/model: '8B'/);
    expect(sizingProblem(input('32B', 'bitsandbytes', l4()), PLATFORM_LIMITS.vertex.gpu)).toMatch(/a2-highgpu-1g/);
    expect(
      sizingProblem(input('32B', 'bitsandbytes', AZURE_INSTANCES.Standard_NC4as_T4_v3), PLATFORM_LIMITS.azureMl.gpu),
    ).toMatch(/Standard_NC24ads_A100_v4/);
  });

  test('32B 4-bit fits one 40 GB A100; the 80 GB A100 holds it unquantized', () => {
    const a100 = gcpMachine('a2-highgpu-1g');
    if (!a100.ok) throw new Error(a100.problem);
    expect(sizingProblem(input('32B', 'bitsandbytes', a100.value), PLATFORM_LIMITS.vertex.gpu)).toBeUndefined();
    expect(
      sizingProblem(input('32B', 'none', AZURE_INSTANCES.Standard_NC24ads_A100_v4), PLATFORM_LIMITS.azureMl.gpu),
    ).toBeUndefined();
  });

  test('multi-GPU machines pool their memory (tensor parallel)', () => {
    const p4d = estimateSizing(input('32B', 'none', AWS_INSTANCES['ml.p4d.24xlarge']));
    expect(p4d.fits).toBe(true);
    expect(p4d.availableGiB).toBeCloseTo(8 * 40 * 0.9, 0);
  });

  test('a longer context needs more KV cache and can stop fitting', () => {
    const short = estimateSizing(input('8B', 'bitsandbytes', AWS_INSTANCES['ml.g4dn.xlarge'], 8192));
    const long = estimateSizing(input('8B', 'bitsandbytes', AWS_INSTANCES['ml.g4dn.xlarge'], 131072));
    expect(long.kvCachePerSequenceGiB).toBeGreaterThan(short.kvCachePerSequenceGiB * 15);
    expect(long.fits).toBe(false);
    expect(
      sizingProblem(
        input('8B', 'bitsandbytes', AWS_INSTANCES['ml.g4dn.xlarge'], 131072),
        PLATFORM_LIMITS.sagemaker.gpu,
      ),
    ).toMatch(/a smaller maxModelLength \(now 131072\)/);
  });

  test('KV cache per token follows the architecture: 2 × layers × kv heads × head dim × 2 bytes', () => {
    expect(kvBytesPerToken(MODEL_PROFILES['8B'])).toBe(2 * 36 * 8 * 128 * 2);
  });

  test('FP8 needs Ampere or newer; a T4 gets the alternatives named', () => {
    expect(quantizationProblem('fp8', AWS_INSTANCES['ml.g4dn.xlarge'].gpu)).toMatch(
      /fp8 needs compute capability ≥ 8 but T4 has 7\.5; use bitsandbytes or awq or gptq/,
    );
    expect(quantizationProblem('fp8', l4().gpu)).toBeUndefined();
    expect(quantizationProblem('bitsandbytes', AWS_INSTANCES['ml.g4dn.xlarge'].gpu)).toBeUndefined();
  });
});
