/**
 * End to end: the adapter switch (`"parameters": {"adapter": false}` on every route, the SageMaker custom-attributes
 * header on raw bytes), `model` in every answer, and readiness that proves the adapter loaded — against the stand-in
 * vLLM answering differently for the base model and the adapter.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  call,
  controlStandIn,
  postJson,
  sleep,
  startController,
  waitFor,
  waitReady,
  type ControllerProcess,
} from './helpers/controller-process';
import { png } from './helpers/images';

const BASE = 'Qwen/Qwen3-VL-8B-Instruct';
const ADAPTER = 'my-form-lora';
const ADAPTER_ANSWER = '{"applicant_fields": [{"bbox": [100, 200, 500, 250]}], "count": 1}';
const BASE_ANSWER = '{"bbox_2d": [10, 20, 30, 40]}, {"bbox_2d": [50, 60, 70, 80]}';
const HEADER = 'x-amzn-sagemaker-custom-attributes';
const b64 = (bytes: Buffer) => bytes.toString('base64');

function adapterDirectory(config: object): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'lora-')), ADAPTER);
  mkdirSync(dir);
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify(config));
  return dir;
}

const lastModelAsked = async (ctl: ControllerProcess) =>
  (await call(`${ctl.vllmUrl}/standin/requests`)).json.at(-1).model as string;

describe('with an adapter: base and adapter answer differently, and every answer says which model answered', () => {
  let ctl: ControllerProcess;
  let image: Buffer;
  beforeAll(async () => {
    image = await png(200, 100);
    ctl = await startController({
      env: {
        LORA_ADAPTER: adapterDirectory({ r: 16, target_modules: ['q_proj', 'v_proj'], lora_alpha: 32 }),
        STANDIN_OUTPUT_BY_MODEL: JSON.stringify({ [BASE]: BASE_ANSWER, [ADAPTER]: ADAPTER_ANSWER }),
      },
    });
  });
  afterAll(async () => {
    await ctl?.stop();
  });

  const expectAdapter = async (res: Awaited<ReturnType<typeof call>>) => {
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ model: ADAPTER, raw_output: ADAPTER_ANSWER, count: 1 });
    expect(await lastModelAsked(ctl)).toBe(ADAPTER);
  };
  const expectBase = async (res: Awaited<ReturnType<typeof call>>) => {
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ model: BASE, raw_output: BASE_ANSWER, count: 2 });
    expect(await lastModelAsked(ctl)).toBe(BASE);
  };

  it('SageMaker JSON: the adapter by default and with "adapter": true, the base model with "adapter": false', async () => {
    await expectAdapter(await postJson(`${ctl.url}/invocations`, { inputs: b64(image) }));
    await expectAdapter(
      await postJson(`${ctl.url}/invocations`, { inputs: b64(image), parameters: { adapter: true } }),
    );
    await expectAdapter(await postJson(`${ctl.url}/invocations`, { inputs: b64(image), parameters: null }));
    await expectBase(await postJson(`${ctl.url}/invocations`, { inputs: b64(image), parameters: { adapter: false } }));
    // Other parameters are ignored, as before.
    await expectBase(
      await postJson(`${ctl.url}/invocations`, { inputs: b64(image), parameters: { adapter: false, other: 1 } }),
    );
  });

  it('SageMaker raw bytes: the custom-attributes header selects the model; other attributes are left alone', async () => {
    const raw = (headers: Record<string, string>) =>
      call(`${ctl.url}/invocations`, { body: image, contentType: 'image/png', headers });
    await expectAdapter(await raw({}));
    await expectBase(await raw({ [HEADER]: 'adapter=false' }));
    await expectAdapter(await raw({ [HEADER]: 'adapter=true' }));
    await expectBase(await raw({ [HEADER]: 'trace-id=abc-123; Adapter = FALSE ;accept_eula=true' }));
    await expectAdapter(await raw({ [HEADER]: 'Trace ID: 1-5759e988-bd862e3fe1be46a994272793' }));
    await expectBase(await raw({ [HEADER]: 'adapter=false;adapter=false' }));
    // The header works on a JSON body too, and agrees with its parameters.
    await expectBase(
      await call(`${ctl.url}/invocations`, {
        body: JSON.stringify({ inputs: b64(image), parameters: { adapter: false } }),
        contentType: 'application/json',
        headers: { [HEADER]: 'adapter=false' },
      }),
    );
  });

  it('Vertex: "parameters": {"adapter": false} applies to every instance', async () => {
    const instances = [{ image_base64: b64(image) }, { image_base64: b64(await png(30, 60)) }];
    const adapter = await postJson(`${ctl.url}/predict`, { instances });
    expect(adapter.json.predictions.map((p: { model: string }) => p.model)).toEqual([ADAPTER, ADAPTER]);
    const base = await postJson(`${ctl.url}/predict`, { instances, parameters: { adapter: false } });
    expect(base.status).toBe(200);
    expect(base.json.predictions.map((p: { model: string; count: number }) => [p.model, p.count])).toEqual([
      [BASE, 2],
      [BASE, 2],
    ]);
    expect(await lastModelAsked(ctl)).toBe(BASE);
  });

  it('Azure: "parameters": {"adapter": false} next to image_base64', async () => {
    await expectAdapter(await postJson(`${ctl.url}/score`, { image_base64: b64(image) }));
    await expectBase(await postJson(`${ctl.url}/score`, { image_base64: b64(image), parameters: { adapter: false } }));
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a header value other than true/false', { [HEADER]: 'adapter=no' }, /"adapter=no" is not a valid adapter/],
    ['an adapter attribute without a value', { [HEADER]: 'trace=1;adapter' }, /"adapter" is not a valid adapter/],
    ['an empty adapter value', { [HEADER]: 'adapter=' }, /adapter=false/],
    ['adapter given twice, differently', { [HEADER]: 'adapter=true;adapter=false' }, /twice/],
    ['a header over 1024 characters', { [HEADER]: `adapter=false;x=${'a'.repeat(1020)}` }, /at most 1024/],
  ] as const)('raw bytes with %s get 400 invalid_request in the contract form', async (_what, headers, message) => {
    const res = await call(`${ctl.url}/invocations`, { body: image, contentType: 'image/png', headers });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.message).toMatch(message);
  });

  it.each<[string, string, unknown, RegExp]>([
    [
      'SageMaker',
      '/invocations',
      { inputs: 'x', parameters: { adapter: 'false' } },
      /parameters\.adapter.*true or false/,
    ],
    ['SageMaker', '/invocations', { inputs: 'x', parameters: 'adapter=false' }, /"parameters" must be an object/],
    ['Vertex', '/predict', { instances: [{ image_base64: 'x' }], parameters: { adapter: 0 } }, /true or false/],
    ['Vertex', '/predict', { instances: [{ image_base64: 'x' }], parameters: [false] }, /must be an object/],
    ['Azure', '/score', { image_base64: 'x', parameters: { adapter: null } }, /parameters\.adapter/],
  ])('%s %s: a wrongly typed parameter gets 400 naming it', async (_platform, path, body, message) => {
    const res = await postJson(`${ctl.url}${path}`, body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.message).toMatch(message);
  });

  it('body and header that disagree get 400', async () => {
    const res = await call(`${ctl.url}/invocations`, {
      body: JSON.stringify({ inputs: b64(image), parameters: { adapter: true } }),
      contentType: 'application/json',
      headers: { [HEADER]: 'adapter=false' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/disagree/);
  });

  it('readiness shows the adapter: name, loaded, rank and target modules from adapter_config.json', async () => {
    const ready = await call(`${ctl.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({
      status: 'ready',
      adapter_status: {
        name: ADAPTER,
        source: expect.stringMatching(new RegExp(`/${ADAPTER}$`)),
        loaded: true,
        rank: 16,
        target_modules: ['q_proj', 'v_proj'],
        config_path: expect.stringMatching(new RegExp(`/${ADAPTER}/adapter_config\\.json$`)),
      },
    });
    const health = await call(`${ctl.url}/health`);
    expect(health.json).toMatchObject({
      adapter_name: ADAPTER,
      adapter_status: { name: ADAPTER, loaded: true, rank: 16 },
      vllm: { served_models: [BASE, ADAPTER] },
    });
  });
});

describe('readiness proves the adapter loaded', () => {
  it('stays not ready while vLLM answers without listing the adapter, and turns ready once it does', async () => {
    const ctl = await startController({
      waitReady: false,
      env: {
        LORA_ADAPTER: adapterDirectory({ r: 8, target_modules: 'model.*(q_proj|v_proj)$' }),
        STANDIN_OMIT_MODELS: ADAPTER,
      },
    });
    try {
      // vLLM answers /v1/models (with the base model only) for a while: readiness must stay 503 all along.
      await waitFor('vLLM to answer', async () => (await call(`${ctl.url}/health`)).json.vllm.served_models !== null);
      for (let i = 0; i < 6; i++) {
        for (const path of ['/ping', '/health/ready', '/health']) {
          expect((await call(`${ctl.url}${path}`)).status).toBe(503);
        }
        await sleep(60); // READINESS_POLL_MS is 50
      }
      const ready = await call(`${ctl.url}/health/ready`);
      expect(ready.json).toMatchObject({
        status: 'adapter_missing',
        adapter_status: { name: ADAPTER, loaded: false, rank: 8, target_modules: 'model.*(q_proj|v_proj)$' },
        error: { code: 'not_ready', message: expect.stringContaining(`does not list "${ADAPTER}"`) },
      });
      expect(ready.headers['retry-after']).toBeDefined();
      expect((await postJson(`${ctl.url}/score`, { image_base64: b64(await png(8, 8)) })).status).toBe(503);

      await controlStandIn(ctl, { omitModels: [] });
      await waitReady(ctl);
      expect((await call(`${ctl.url}/health/ready`)).json.adapter_status.loaded).toBe(true);

      // An adapter that disappears from the listing makes a ready controller not ready again.
      await controlStandIn(ctl, { omitModels: [ADAPTER] });
      await waitFor('readiness to drop', async () => (await call(`${ctl.url}/ping`)).status === 503);
      expect((await call(`${ctl.url}/health`)).json.status).toBe('adapter_missing');

      // So does a listing that lists nothing: a 200 from /v1/models without its `data` array.
      await controlStandIn(ctl, { omitModels: [] });
      await waitReady(ctl);
      await controlStandIn(ctl, { modelsWithoutData: true });
      await waitFor('readiness to drop', async () => (await call(`${ctl.url}/ping`)).status === 503);
      expect((await call(`${ctl.url}/health`)).json).toMatchObject({
        status: 'adapter_missing',
        vllm: { served_models: [] },
      });
    } finally {
      await ctl.stop();
    }
  });

  it('an adapter given as a Hugging Face id: rank and target modules from the local cache, else null with why', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'hf-cache-'));
    const ctl = await startController({
      env: { LORA_ADAPTER: 'some-org/cached-lora', HF_HUB_CACHE: cache, ADAPTER_NAME: 'cached-lora' },
    });
    try {
      const before = (await call(`${ctl.url}/health/ready`)).json.adapter_status;
      expect(before).toMatchObject({ name: 'cached-lora', source: 'some-org/cached-lora', loaded: true, rank: null });
      expect(before.target_modules).toBeNull();
      expect(before.config_error).toMatch(/not in the local cache/);
    } finally {
      await ctl.stop();
    }
    // The layout huggingface_hub writes (https://huggingface.co/docs/hub/local-cache): refs/main names the snapshot.
    const repo = join(cache, 'models--some-org--cached-lora');
    mkdirSync(join(repo, 'refs'), { recursive: true });
    mkdirSync(join(repo, 'snapshots', 'abc123'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'main'), 'abc123');
    writeFileSync(
      join(repo, 'snapshots', 'abc123', 'adapter_config.json'),
      JSON.stringify({ r: 32, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] }),
    );
    const again = await startController({
      env: { LORA_ADAPTER: 'some-org/cached-lora', HF_HUB_CACHE: cache, ADAPTER_NAME: 'cached-lora' },
    });
    try {
      const status = (await call(`${again.url}/health/ready`)).json.adapter_status;
      expect(status).toMatchObject({ rank: 32, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] });
      expect(status.config_error).toBeUndefined();
    } finally {
      await again.stop();
    }
  });
});

describe('without an adapter', () => {
  it('serves the base model by default and for "adapter": false, says so, and refuses "adapter": true', async () => {
    const ctl = await startController({ env: { LORA_ADAPTER: '', STANDIN_OUTPUT: BASE_ANSWER } });
    try {
      const image = b64(await png(10, 10));
      for (const parameters of [undefined, { adapter: false }]) {
        const res = await postJson(`${ctl.url}/score`, { image_base64: image, parameters });
        expect(res.json).toMatchObject({ model: BASE, count: 2 });
      }
      const raw = await call(`${ctl.url}/invocations`, {
        body: await png(10, 10),
        contentType: 'image/png',
        headers: { [HEADER]: 'adapter=false' },
      });
      expect(raw.json.model).toBe(BASE);
      const refused = await postJson(`${ctl.url}/predict`, {
        instances: [{ image_base64: image }],
        parameters: { adapter: true },
      });
      expect(refused.status).toBe(400);
      expect(refused.json.error.message).toMatch(/serves no LoRA adapter/);
      expect((await call(`${ctl.url}/health/ready`)).json).toEqual({ status: 'ready', adapter_status: null });
    } finally {
      await ctl.stop();
    }
  });
});
