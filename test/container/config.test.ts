import { ConfigError, detectPlatform, loadConfig } from '../../inference-container/src/config';
import { DEFAULTS } from '../../inference-container/src/contract';

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      baseModel: DEFAULTS.baseModel,
      loraAdapter: DEFAULTS.loraAdapter,
      adapterName: 'pdfme-form-field-detector-lora',
      use4bit: true,
      quantization: 'bitsandbytes',
      vllmCommand: ['vllm'],
      vllmExtraArgs: [],
      maxImageSide: 1024,
      maxBodyBytes: 8388608,
      maxNewTokens: 2048,
      requestTimeoutMs: 170000,
      port: 8080,
      healthRoute: '/health',
      predictRoute: '/predict',
      maxConcurrency: undefined,
    });
  });

  it('uses the SageMaker deadline when SageMaker runs the image (the serve argument)', () => {
    expect(loadConfig({}, ['serve']).requestTimeoutMs).toBe(55000);
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '1000' }, ['serve']).requestTimeoutMs).toBe(1000);
  });

  it('picks the port from SAGEMAKER_BIND_TO_PORT, then AIP_HTTP_PORT, then PORT', () => {
    expect(loadConfig({ SAGEMAKER_BIND_TO_PORT: '9000', AIP_HTTP_PORT: '9001', PORT: '9002' }).port).toBe(9000);
    expect(loadConfig({ AIP_HTTP_PORT: '9001', PORT: '9002' }).port).toBe(9001);
    expect(loadConfig({ PORT: '9002' }).port).toBe(9002);
  });

  it('treats an empty LORA_ADAPTER as no adapter', () => {
    const config = loadConfig({ LORA_ADAPTER: '' });
    expect(config.loraAdapter).toBeNull();
    expect(config.adapterName).toBeNull();
  });

  it('splits VLLM_COMMAND and VLLM_EXTRA_ARGS on spaces', () => {
    const config = loadConfig({ VLLM_COMMAND: 'node  /x/stand-in.js', VLLM_EXTRA_ARGS: '--a 1  --b' });
    expect(config.vllmCommand).toEqual(['node', '/x/stand-in.js']);
    expect(config.vllmExtraArgs).toEqual(['--a', '1', '--b']);
  });

  it('reads booleans and the quantization case-insensitively', () => {
    expect(loadConfig({ USE_4BIT: 'FALSE' }).quantization).toBe('none');
    expect(loadConfig({ QUANTIZATION: 'AWQ' }).quantization).toBe('awq');
  });

  it('names every bad variable, its value and what it expects', () => {
    let error: unknown;
    try {
      loadConfig({
        MAX_BODY_BYTES: 'lots',
        USE_4BIT: 'maybe',
        QUANTIZATION: 'int3',
        PORT: '70000',
        MAX_LORA_RANK: '12',
        AIP_PREDICT_ROUTE: 'predict',
        GPU_MEMORY_UTILIZATION: '1.5',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/MAX_BODY_BYTES="lots": expected a whole number/);
    expect(message).toMatch(/USE_4BIT="maybe": expected true or false/);
    expect(message).toMatch(/QUANTIZATION="int3": expected one of bitsandbytes, awq, gptq, fp8, none/);
    expect(message).toMatch(/PORT="70000": must be at most 65535/);
    expect(message).toMatch(/MAX_LORA_RANK="12": expected one of 1, 8, 16/);
    expect(message).toMatch(/AIP_PREDICT_ROUTE="predict": expected a path starting with "\/"/);
    expect(message).toMatch(/GPU_MEMORY_UTILIZATION="1.5"/);
  });

  it('refuses a backoff above its cap', () => {
    expect(() => loadConfig({ SUPERVISOR_BACKOFF_MS: '5000', SUPERVISOR_MAX_BACKOFF_MS: '1000' })).toThrow(
      /SUPERVISOR_BACKOFF_MS=5000: must not exceed SUPERVISOR_MAX_BACKOFF_MS/,
    );
  });
});

describe('detectPlatform', () => {
  it('recognises each platform from what it sets', () => {
    expect(detectPlatform({}, ['serve'])).toBe('sagemaker');
    expect(detectPlatform({ AIP_HTTP_PORT: '8080' }, [])).toBe('vertex');
    expect(detectPlatform({ AZUREML_MODEL_DIR: '/var/azureml-app' }, [])).toBe('azure');
    expect(detectPlatform({}, [])).toBe('generic');
  });
});
