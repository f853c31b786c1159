import {
  AWS_INSTANCES,
  AZURE_INSTANCES,
  cloudRunGpuInstance,
  containerEnvironment,
  containerSourceDirectory,
  containerSourceTag,
  Duration,
  PLATFORM_LIMITS,
  resolveDeployment,
  resourceName,
  summarizeDeployment,
  resolveScaling,
  formatSummaries,
  ValidationErrors,
  type DetectorModelOptions,
} from '../../lib/core';
import { ENV } from '../../inference-container/src/contract';

function deploy(options: DetectorModelOptions = {}, instance = AWS_INSTANCES['ml.g5.xlarge']) {
  const errors = new ValidationErrors("Test 'Detector'");
  const deployment = resolveDeployment(instance, options, PLATFORM_LIMITS.sagemaker, errors);
  errors.throwIfAny();
  return deployment;
}

describe('resolved deployment and the container environment', () => {
  test('defaults: 8B + adapter, bitsandbytes, concurrency from the GPU, SageMaker deadline', () => {
    const env = containerEnvironment(deploy());
    expect(env).toEqual({
      [ENV.baseModel]: 'Qwen/Qwen3-VL-8B-Instruct',
      [ENV.loraAdapter]: 'takumi123xxx/pdfme-form-field-detector-lora',
      [ENV.use4bit]: 'true',
      [ENV.quantization]: 'bitsandbytes',
      [ENV.maxConcurrency]: '8',
      [ENV.maxNumSeqs]: '8',
      [ENV.maxModelLen]: '8192',
      [ENV.gpuMemoryUtilization]: '0.9',
      [ENV.maxNewTokens]: '2048',
      [ENV.requestTimeoutMs]: '55000',
      [ENV.maxImageSide]: '1024',
      [ENV.maxLoraRank]: '16',
    });
  });

  test('a T4 gets a smaller concurrency; a multi-GPU machine splits the model across its GPUs', () => {
    expect(deploy({}, AWS_INSTANCES['ml.g4dn.xlarge']).maxConcurrency).toBe(4);
    const p4d = containerEnvironment(deploy({ model: '32B' }, AWS_INSTANCES['ml.p4d.24xlarge']));
    expect(p4d[ENV.vllmExtraArgs]).toBe('--tensor-parallel-size 8');
    expect(p4d[ENV.baseModel]).toBe('Qwen/Qwen3-VL-32B-Instruct');
    expect(p4d[ENV.loraAdapter]).toBe('takumi123xxx/pdfme-form-field-detector-lora-32b');
  });

  test('options flow into the environment; an empty adapter serves the base model', () => {
    const env = containerEnvironment(
      deploy({
        loraAdapter: '',
        quantization: 'fp8',
        maxConcurrency: 3,
        maxNewTokens: 1024,
        requestTimeout: Duration.seconds(40),
        environment: { HF_HUB_OFFLINE: '1' },
      }),
    );
    expect(env).toMatchObject({
      [ENV.loraAdapter]: '',
      [ENV.use4bit]: 'false',
      [ENV.quantization]: 'fp8',
      [ENV.maxConcurrency]: '3',
      [ENV.maxNewTokens]: '1024',
      [ENV.requestTimeoutMs]: '40000',
      HF_HUB_OFFLINE: '1',
    });
  });

  test.each<[string, DetectorModelOptions, RegExp]>([
    ['unknown profile', { model: '70B' }, /model: got "70B"; use one of 8B, 32B/],
    ['unknown quantization', { quantization: 'int3' }, /quantization: got "int3"; use one of bitsandbytes/],
    [
      'request timeout past SageMaker 60 s',
      { requestTimeout: Duration.seconds(90) },
      /requestTimeout: got 90000; use 1 s to 59 s/,
    ],
    ['utilization out of range', { gpuMemoryUtilization: 1.2 }, /gpuMemoryUtilization: got 1\.2/],
    ['max new tokens leaving no room for the image', { maxNewTokens: 8000 }, /maxNewTokens: got 8000/],
    ['a tiny context', { maxModelLength: 1024 }, /maxModelLength: got 1024/],
    ['image side out of range', { maxImageSide: 10000 }, /maxImageSide: got 10000/],
    ['zero concurrency', { maxConcurrency: 0 }, /maxConcurrency: got 0/],
    [
      'a platform variable',
      { environment: { AIP_HTTP_PORT: '9000' } },
      /environment\.AIP_HTTP_PORT.*set by the platform/,
    ],
    [
      'a bad variable name',
      { environment: { 'BAD-NAME': 'x' } },
      /environment\.BAD-NAME.*letters, digits and underscores/,
    ],
  ])('refuses %s', (_name, options, message) => {
    expect(() => deploy(options)).toThrow(message);
  });

  test('32B on a 24 GB card is refused naming a size that fits', () => {
    expect(() => deploy({ model: '32B' })).toThrow(/instanceType: got "ml\.g5\.xlarge".*ml\.p4d\.24xlarge/s);
  });

  test.each([
    [
      'vertex',
      'g2-standard-8',
      /machineType: got "g2-standard-8".*machineType: 'a2-highgpu-1g' with acceleratorType: 'NVIDIA_TESLA_A100' \(A100 40 GB\)/s,
    ],
    [
      'azureMl',
      'Standard_NC4as_T4_v3',
      /instanceType: got "Standard_NC4as_T4_v3".*instanceType: 'Standard_NC24ads_A100_v4'/s,
    ],
    [
      'containerApps',
      'Consumption-GPU-NC8as-T4',
      /gpuProfile: got "Consumption-GPU-NC8as-T4".*gpuProfile: 'Consumption-GPU-NC24-A100' \(A100 80 GB\)/s,
    ],
    ['cloudRun', undefined, /accelerator: got "nvidia-l4".*or the always-on Vertex AI mode with a larger GPU/s],
  ] as const)('on %s the sizing error names its own prop and its own larger GPU', (platform, instanceType, message) => {
    const errors = new ValidationErrors('Test');
    const options = PLATFORM_LIMITS[platform].gpu.options;
    const instance = options.find((i) => i.instanceType === instanceType) ?? cloudRunGpuInstance(8, 32);
    resolveDeployment(instance, { model: '32B' }, PLATFORM_LIMITS[platform], errors);
    expect(errors.problems.map((p) => p.prop)).toEqual([PLATFORM_LIMITS[platform].gpu.prop]);
    expect(() => errors.throwIfAny()).toThrow(message);
  });

  test('a fractional request timeout is one problem under requestTimeout, not a throw', () => {
    const errors = new ValidationErrors('Test');
    resolveDeployment(
      AWS_INSTANCES['ml.g5.xlarge'],
      { requestTimeout: Duration.millis(1500) },
      PLATFORM_LIMITS.sagemaker,
      errors,
    );
    expect(errors.problems).toEqual([
      { prop: 'requestTimeout', value: '1.5s', fix: 'use a whole number of seconds, e.g. Duration.seconds(30)' },
    ]);
  });

  test('fp8 on a T4 is refused', () => {
    expect(() => deploy({ quantization: 'fp8' }, AWS_INSTANCES['ml.g4dn.xlarge'])).toThrow(
      /quantization: got "fp8"; fp8 needs compute capability/,
    );
  });

  test('Azure allows a longer deadline than SageMaker, up to its 180 s endpoint limit', () => {
    const errors = new ValidationErrors('Test');
    const ok = resolveDeployment(
      AZURE_INSTANCES.Standard_NC4as_T4_v3,
      { requestTimeout: Duration.seconds(170) },
      PLATFORM_LIMITS.azureMl,
      errors,
    );
    expect(errors.count).toBe(0);
    expect(ok.requestTimeoutMs).toBe(170_000);
    resolveDeployment(
      AZURE_INSTANCES.Standard_NC4as_T4_v3,
      { requestTimeout: Duration.seconds(200) },
      PLATFORM_LIMITS.azureMl,
      errors,
    );
    expect(() => errors.throwIfAny()).toThrow(/requestTimeout: got 200000; use 1 s to 175 s: Azure ML allows/);
  });
});

describe('deployment summary', () => {
  test('records what runs and what it costs at min and max capacity', () => {
    const deployment = deploy();
    const errors = new ValidationErrors('Test');
    const scaling = resolveScaling({ minCapacity: 1, maxCapacity: 3 }, { maxConcurrency: 8, allowZero: false }, errors);
    const summary = summarizeDeployment({
      service: 'SageMaker real-time endpoint',
      endpoint: 'form-detector',
      mode: 'always-on',
      deployment,
      scaling,
    });
    expect(summary).toMatchObject({
      cloud: 'aws',
      instanceType: 'ml.g5.xlarge',
      gpu: 'A10G 24 GB',
      minCapacity: 1,
      maxCapacity: 3,
      hourlyUsdPerInstance: 1.408,
      monthlyUsdAtMinCapacity: 1027.84,
      monthlyUsdAtMaxCapacity: 3083.52,
      model: 'Qwen/Qwen3-VL-8B-Instruct + takumi123xxx/pdfme-form-field-detector-lora',
    });
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    const table = formatSummaries([summary]);
    expect(table).toContain('AWS — SageMaker real-time endpoint (always-on)');
    expect(table).toContain('min 1, max 3');
    expect(table).toContain('$1,027.84/month at min capacity');
  });
});

describe('names and the container source', () => {
  test('names fit the rules and stay distinct when cut', () => {
    expect(resourceName('Form Detector!', { maxLength: 63 })).toBe('Form-Detector');
    expect(resourceName('9lives', { maxLength: 63, lowercase: true })).toBe('d-9lives');
    const a = resourceName('a'.repeat(40) + 'one', { maxLength: 24, lowercase: true, separator: '' });
    const b = resourceName('a'.repeat(40) + 'two', { maxLength: 24, lowercase: true, separator: '' });
    expect(a).toHaveLength(24);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[a-z0-9]+$/);
  });

  test('the image tag is a content hash of the container sources', () => {
    const dir = containerSourceDirectory();
    expect(dir.replace(/\\/g, '/')).toMatch(/\/inference-container$/);
    const tag = containerSourceTag(dir);
    expect(tag).toMatch(/^src-[0-9a-f]{12}$/);
    expect(containerSourceTag(dir)).toBe(tag);
  });
});
