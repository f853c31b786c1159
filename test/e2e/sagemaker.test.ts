/**
 * End to end on the SageMaker path: the real @aws-sdk/client-sagemaker-runtime (through SageMakerDetectorClient
 * and through the form-detect CLI as a process) → the SageMaker runtime stand-in → the real controller process →
 * the stand-in vLLM. Build first: `npm run build`.
 */
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DetectorError, SageMakerDetectorClient } from '../../lib/client';
import type { DetectionRecord } from '../../lib/client/cli/run-cli';
import { makeImage } from '../client/helpers';
import { call, controlStandIn, startController, type ControllerProcess } from '../container/helpers/controller-process';
import { startSageMakerRuntimeStandIn, type SageMakerStandIn } from '../stand-ins/sagemaker-runtime';
import { STAND_IN_AWS_ENV, expectedBoxes, runCliProcess } from './helpers';

const BOXES: Array<[number, number, number, number]> = [
  [100, 200, 500, 250],
  [0, 0, 1000, 1000],
];
const RAW = JSON.stringify({ applicant_fields: BOXES.map((bbox) => ({ bbox })), count: BOXES.length });

let ctl: ControllerProcess;
let sagemaker: SageMakerStandIn;
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  ctl = await startController({ env: { STANDIN_OUTPUT: RAW } });
  sagemaker = await startSageMakerRuntimeStandIn({
    upstream: ctl.url,
    endpoints: { 'form-detector': [], 'form-detector-ic-endpoint': ['form-detector-ic'] },
  });
  // The SDK's own conventions: static credentials and region from the environment, endpoint override by env.
  const env = { ...STAND_IN_AWS_ENV, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sagemaker.url };
  for (const [name, value] of Object.entries(env)) {
    savedEnv[name] = process.env[name];
    process.env[name] = value;
  }
});
afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await sagemaker?.close();
  await ctl?.stop();
});

describe('SageMaker end to end', () => {
  it('SageMakerDetectorClient sends raw bytes through the SageMaker API and gets the controller result', async () => {
    const client = new SageMakerDetectorClient({ endpointName: 'form-detector' });
    try {
      const png = await makeImage(1240, 1754);
      const result = await client.detect(png);
      expect(result).toEqual({
        bboxes: expectedBoxes(BOXES, 1240, 1754),
        count: 2,
        raw_output: RAW,
        image_size: { width: 1240, height: 1754 },
        model: 'pdfme-form-field-detector-lora',
      });
      const request = sagemaker.requests.at(-1)!;
      expect(request).toMatchObject({
        method: 'POST',
        path: '/endpoints/form-detector/invocations',
        upstreamStatus: 200,
      });
      expect(request.headers['content-type']).toBe('image/png');
      expect(request.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDE2ESTANDIN\/\d{8}\/eu-west-1\/sagemaker\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/,
      );
      expect(request.body.equals(png)).toBe(true);
      // The model got the image (downscaled by the controller to its 1024-px side) as a data: URI.
      const chats = (await call(`${ctl.vllmUrl}/standin/requests`)).json as Array<{ messages: unknown }>;
      expect(JSON.stringify(chats.at(-1))).toMatch(/data:image\/(png|jpeg);base64,/);
    } finally {
      await client.close();
    }
  });

  it('invokes an inference component endpoint with its component name', async () => {
    const client = new SageMakerDetectorClient({
      endpointName: 'form-detector-ic-endpoint',
      inferenceComponentName: 'form-detector-ic',
    });
    try {
      await expect(client.detect(await makeImage(300, 200, 'jpeg'))).resolves.toMatchObject({ count: 2 });
      expect(sagemaker.requests.at(-1)!.headers['x-amzn-sagemaker-inference-component']).toBe('form-detector-ic');
    } finally {
      await client.close();
    }
  });

  it('{ adapter: false } reaches the controller as the custom attribute: the base model answers, and says so', async () => {
    const client = new SageMakerDetectorClient({ endpointName: 'form-detector' });
    try {
      await controlStandIn(ctl, { outputByModel: { 'Qwen/Qwen3-VL-8B-Instruct': '[{"bbox_2d": [1, 2, 3, 4]}]' } });
      const png = await makeImage(100, 100);
      expect(await client.detect(png, { adapter: false })).toMatchObject({
        model: 'Qwen/Qwen3-VL-8B-Instruct',
        count: 1,
        bboxes: [{ bbox_normalized: [1, 2, 3, 4] }],
      });
      expect(await client.detect(png)).toMatchObject({ model: 'pdfme-form-field-detector-lora', count: 2 });
    } finally {
      await controlStandIn(ctl, { outputByModel: {} });
      await client.close();
    }
  });

  it('downscales an image over the raw-body limit; boxes come back in the original frame', async () => {
    const client = new SageMakerDetectorClient({ endpointName: 'form-detector', maxRequestBytes: 400_000 });
    try {
      const big = await makeImage(1500, 1000, 'png', { noise: true });
      expect(big.length).toBeGreaterThan(400_000);
      const result = await client.detect(big);
      const sent = sagemaker.requests.at(-1)!.body;
      expect(sent.length).toBeLessThanOrEqual(400_000);
      expect((await sharp(sent).metadata()).width).toBeLessThan(1500);
      expect(result.image_size).toEqual({ width: 1500, height: 1000 });
      expect(result.bboxes).toEqual(expectedBoxes(BOXES, 1500, 1000));
    } finally {
      await client.close();
    }
  });

  it("carries the controller's JSON error out of SageMaker's ModelError", async () => {
    const client = new SageMakerDetectorClient({ endpointName: 'form-detector', maxRetries: 0 });
    await controlStandIn(ctl, { errorStatus: 500 });
    try {
      const error = await client.detect(await makeImage(64, 64)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DetectorError);
      expect(error).toMatchObject({ code: 'upstream_error', status: 502, source: 'container' });
      expect(sagemaker.requests.at(-1)).toMatchObject({ status: 424, upstreamStatus: 502 });
    } finally {
      await controlStandIn(ctl, { errorStatus: 0 });
      await client.close();
    }
  });

  it('the form-detect CLI (a process) detects a directory, writes JSONL and overlays, exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'form-detect-e2e-'));
    await writeFile(join(dir, 'page-1.png'), await makeImage(620, 877));
    await writeFile(join(dir, 'page-2.jpg'), await makeImage(400, 300, 'jpeg'));
    const before = sagemaker.requests.length;
    const run = await runCliProcess(
      [
        '--cloud',
        'aws',
        '--endpoint',
        'form-detector',
        '--image',
        dir,
        '--out',
        join(dir, 'out.jsonl'),
        '--overlay',
        join(dir, 'overlays'),
      ],
      { ...STAND_IN_AWS_ENV, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sagemaker.url },
    );
    expect(run.stderr).toMatch(/page-1\.png\s+2\s+\d+\s+ok/);
    expect(run.code).toBe(0);
    const records = (await readFile(join(dir, 'out.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as DetectionRecord)
      // JSONL lines come in the order inputs finish
      .sort((a, b) => a.file.localeCompare(b.file));
    expect(records.map((record) => record.ok && 'result' in record && record.result.image_size)).toEqual([
      { width: 620, height: 877 },
      { width: 400, height: 300 },
    ]);
    const sent = sagemaker.requests.slice(before);
    expect(sent.map((request) => request.headers['content-type']).sort()).toEqual(['image/jpeg', 'image/png']);
    expect(sent.every((request) => String(request.headers.authorization).includes('Credential=AKIDE2ESTANDIN/'))).toBe(
      true,
    );
    expect(await readdir(join(dir, 'overlays'))).toEqual(['page-1.overlay.png', 'page-2.overlay.png']);
    const overlay = await sharp(join(dir, 'overlays', 'page-1.overlay.png')).metadata();
    expect([overlay.width, overlay.height]).toEqual([620, 877]);
  });

  it('the CLI (a process) on a scaled-to-zero inference component prints "warming up" and succeeds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'form-detect-e2e-'));
    await writeFile(join(dir, 'scan.png'), await makeImage(300, 200));
    const before = sagemaker.requests.length;
    sagemaker.controls.noCapacityNext = 2;
    const run = await runCliProcess(
      [
        '--cloud',
        'aws',
        '--endpoint',
        'form-detector-ic-endpoint',
        '--inference-component',
        'form-detector-ic',
        '--cold-start-timeout',
        '60',
        '--image',
        join(dir, 'scan.png'),
      ],
      { ...STAND_IN_AWS_ENV, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sagemaker.url },
    );
    expect(run.code).toBe(0);
    // Not a terminal: one plain line at the first report (the next comes only after 30 s), then the end of it.
    expect(run.stderr).toMatch(
      /^warming up: the inference component has no copy running \(scaled to zero\); SageMaker is starting one, waited 0s \(limit 60s\)…$/m,
    );
    expect(run.stderr.match(/^warming up:/gm)).toHaveLength(1);
    expect(run.stderr).toMatch(/^warmed up: the endpoint answered after [\d.]+s$/m);
    expect(run.stderr).toMatch(/scan\.png\s+2\s+\d+\s+ok/);
    expect(sagemaker.requests.slice(before).map((request) => request.status)).toEqual([400, 400, 200]);
    const [record] = JSON.parse(run.stdout) as DetectionRecord[];
    expect(record).toMatchObject({ ok: true, result: { count: 2, image_size: { width: 300, height: 200 } } });
  });

  it('the CLI exits 1 naming the reason per failed file (a broken PDF among them)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'form-detect-e2e-'));
    await writeFile(join(dir, 'good.png'), await makeImage(100, 100));
    await writeFile(join(dir, 'scan.png'), '%PDF-1.7 this is a PDF renamed');
    const run = await runCliProcess(
      [
        '--cloud',
        'aws',
        '--endpoint',
        'missing-endpoint',
        '--image',
        join(dir, 'good.png'),
        '--image',
        join(dir, 'scan.png'),
      ],
      {
        ...STAND_IN_AWS_ENV,
        AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sagemaker.url,
      },
    );
    expect(run.code).toBe(1);
    const records = JSON.parse(run.stdout) as DetectionRecord[];
    expect(records).toEqual([
      expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'invalid_request', status: 400 }) }),
      expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'invalid_pdf' }) }),
    ]);
    expect(run.stderr).toMatch(
      /good\.png\s+-\s+\d+\s+failed: invalid_request: .*Endpoint missing-endpoint of account 123456789012 not found/,
    );
    // A PDF is taken whatever its name; this one is broken.
    expect(run.stderr).toMatch(/scan\.png\s+-\s+\d+\s+failed: invalid_pdf: .*is not a readable PDF .*send a valid PDF/);
    expect(run.stderr).toMatch(/2 of 2 input\(s\) failed/);
  });
});
