/**
 * End to end: the vLLM command line the controller derives (checked by the stand-in vLLM's own parser, which
 * refuses unknown flags), GPU facts from a stand-in nvidia-smi, and Vertex's AIP_* variables.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, postJson, sleep, startController } from './helpers/controller-process';
import { png } from './helpers/images';

const valueOf = (args: string[], flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);

it('on a T4 (stand-in nvidia-smi) passes fp16, eager and SDPA, and sizes concurrency from its memory', async () => {
  const ctl = await startController({ gpu: 't4' });
  try {
    const [{ argv }] = ctl.vllmStarts();
    expect(argv.slice(0, 2)).toEqual(['serve', 'Qwen/Qwen3-VL-8B-Instruct']);
    expect(valueOf(argv, '--dtype')).toBe('half');
    expect(argv).toContain('--enforce-eager');
    expect(valueOf(argv, '--mm-encoder-attn-backend')).toBe('TORCH_SDPA');
    expect(valueOf(argv, '--max-num-seqs')).toBe('4');
    expect(valueOf(argv, '--quantization')).toBe('bitsandbytes');
    const health = await call(`${ctl.url}/health`);
    expect(health.json).toMatchObject({
      gpu: { name: 'Tesla T4', memory_mib: 15360, compute_capability: 7.5 },
      max_concurrency: 4,
    });
  } finally {
    await ctl.stop();
  }
});

it('on an A10G passes no Turing flags; USE_4BIT=false and no adapter leave quantization and LoRA out', async () => {
  const ctl = await startController({ gpu: 'a10g', env: { USE_4BIT: 'false', LORA_ADAPTER: '' } });
  try {
    const [{ argv }] = ctl.vllmStarts();
    for (const flag of ['--dtype', '--enforce-eager', '--mm-encoder-attn-backend', '--quantization', '--enable-lora']) {
      expect(argv).not.toContain(flag);
    }
    expect(valueOf(argv, '--max-num-seqs')).toBe('8');
    expect(valueOf(argv, '--host')).toBe('127.0.0.1');
    // Without an adapter the base model is what must be listed and what is asked.
    const res = await postJson(`${ctl.url}/invocations`, { inputs: (await png(8, 8)).toString('base64') });
    expect(res.status).toBe(200);
    const sent = (await call(`${ctl.vllmUrl}/standin/requests`)).json.at(-1);
    expect(sent.model).toBe('Qwen/Qwen3-VL-8B-Instruct');
  } finally {
    await ctl.stop();
  }
});

it('USE_4BIT with a QUANTIZATION override, MAX_CONCURRENCY and VLLM_EXTRA_ARGS last', async () => {
  const ctl = await startController({
    gpu: 'fail', // a failing nvidia-smi is logged and nothing GPU-specific is assumed
    env: { USE_4BIT: 'true', QUANTIZATION: 'awq', MAX_CONCURRENCY: '3', VLLM_EXTRA_ARGS: '--max-loras 1' },
  });
  try {
    const [{ argv }] = ctl.vllmStarts();
    expect(valueOf(argv, '--quantization')).toBe('awq');
    expect(valueOf(argv, '--max-num-seqs')).toBe('3');
    expect(argv.slice(-2)).toEqual(['--max-loras', '1']);
    expect(argv).not.toContain('--dtype');
    expect(ctl.logs.join('\n')).toMatch(/nvidia-smi failed/);
  } finally {
    await ctl.stop();
  }
});

it('a flag vLLM does not know makes vLLM exit with its usage error, logged with source vllm', async () => {
  const ctl = await startController({
    waitReady: false,
    env: { VLLM_EXTRA_ARGS: '--no-such-flag 1', SUPERVISOR_MAX_RESTARTS: '1', SUPERVISOR_BACKOFF_MS: '50' },
  });
  const { code } = await Promise.race([ctl.exited, sleep(8000).then(() => ({ code: -1 }))]);
  expect(code).toBe(1);
  const vllmLines = ctl.logs
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((l) => l.source === 'vllm');
  expect(vllmLines.some((l) => /unrecognized arguments: --no-such-flag/.test(l.msg))).toBe(true);
});

it('LORA_ADAPTER as a local directory: served as <directory name>=<path>, and asked for by that name', async () => {
  const adapterDir = join(mkdtempSync(join(tmpdir(), 'lora-')), 'my-form-lora');
  mkdirSync(adapterDir);
  writeFileSync(join(adapterDir, 'adapter_config.json'), '{"r": 16}');
  const ctl = await startController({ env: { LORA_ADAPTER: `${adapterDir}/` } });
  try {
    const [{ argv }] = ctl.vllmStarts();
    expect(valueOf(argv, '--lora-modules')).toBe(`my-form-lora=${adapterDir}/`);
    expect((await postJson(`${ctl.url}/score`, { image_base64: (await png(8, 8)).toString('base64') })).status).toBe(
      200,
    );
    expect((await call(`${ctl.vllmUrl}/standin/requests`)).json.at(-1).model).toBe('my-form-lora');
  } finally {
    await ctl.stop();
  }
});

it('Vertex: AIP_HTTP_PORT, AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE (with a colon) are honoured', async () => {
  const predictRoute = '/v1/endpoints/123/deployedModels/456:predict';
  const ctl = await startController({
    portVariable: 'AIP_HTTP_PORT',
    env: { AIP_HEALTH_ROUTE: '/v1/health-check', AIP_PREDICT_ROUTE: predictRoute },
  });
  try {
    const base = ctl.url;
    expect(await call(`${base}/v1/health-check`)).toMatchObject({ status: 200, json: { status: 'ready' } });
    expect((await call(`${base}/health`)).status).toBe(200);
    const instances = [{ image_base64: (await png(10, 20)).toString('base64') }];
    const res = await postJson(`${base}${predictRoute}`, { instances });
    expect(res.status).toBe(200);
    expect(res.json.predictions[0].image_size).toEqual({ width: 10, height: 20 });
    expect(
      (
        await call(`${base}/v1/endpoints/123/deployedModels/456:explain`, {
          method: 'POST',
          body: '{}',
          contentType: 'application/json',
        })
      ).status,
    ).toBe(404);
  } finally {
    await ctl.stop();
  }
});

it('SageMaker: `serve` is ignored, SAGEMAKER_BIND_TO_PORT wins, /opt/ml/model and its adapter/ are served', async () => {
  const modelDir = mkdtempSync(join(tmpdir(), 'opt-ml-model-'));
  writeFileSync(join(modelDir, 'config.json'), '{}');
  mkdirSync(join(modelDir, 'adapter'));
  writeFileSync(join(modelDir, 'adapter', 'adapter_config.json'), '{"r": 16}');
  const ctl = await startController({
    args: ['serve'],
    portVariable: 'SAGEMAKER_BIND_TO_PORT',
    // Lower-priority port variables pointing elsewhere must lose.
    env: { SAGEMAKER_MODEL_DIR: modelDir, AIP_HTTP_PORT: '1', PORT: '2' },
  });
  try {
    const [{ argv }] = ctl.vllmStarts();
    expect(argv.slice(0, 2)).toEqual(['serve', modelDir]);
    expect(argv).toContain('--enable-lora');
    // The adapter directory is served under one name, and that name is what each request asks for.
    const [name, path] = valueOf(argv, '--lora-modules')!.split('=');
    expect(path).toBe(join(modelDir, 'adapter'));
    const res = await call(`${ctl.url}/invocations`, { body: await png(16, 16), contentType: 'image/png' });
    expect(res.status).toBe(200);
    expect((await call(`${ctl.vllmUrl}/standin/requests`)).json.at(-1).model).toBe(name);
    expect((await call(`${ctl.url}/health`)).json).toMatchObject({
      base_model: modelDir,
      adapter: join(modelDir, 'adapter'),
      adapter_name: name,
    });
    expect(ctl.logs.join('\n')).not.toMatch(/ignoring command-line arguments/);
  } finally {
    await ctl.stop();
  }
});
