/**
 * End to end on the Vertex AI and Azure ML paths: VertexDetectorClient / AzureMlDetectorClient (and the form-detect
 * CLI as a process) → a recording pass-through proxy → the real controller's /predict and /score → the stand-in
 * vLLM. Build first: `npm run build`.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AzureMlDetectorClient, DetectorError, VertexDetectorClient } from '../../lib/client';
import type { DetectionRecord } from '../../lib/client/cli/run-cli';
import { makeImage } from '../client/helpers';
import { startController, type ControllerProcess } from '../container/helpers/controller-process';
import { expectedBoxes, runCliProcess, startRecordingProxy } from './helpers';

const BOXES: Array<[number, number, number, number]> = [[250, 100, 750, 180]];
const RAW = JSON.stringify({ applicant_fields: BOXES.map((bbox) => ({ bbox })), count: BOXES.length });

let ctl: ControllerProcess;
let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;

beforeAll(async () => {
  ctl = await startController({ env: { STANDIN_OUTPUT: RAW } });
  proxy = await startRecordingProxy(ctl.url);
});
afterAll(async () => {
  await proxy?.close();
  await ctl?.stop();
});

const json = (body: Buffer) => JSON.parse(body.toString('utf8'));

describe('Vertex AI end to end', () => {
  const saved = process.env.GOOGLE_OAUTH_ACCESS_TOKEN;
  beforeAll(() => {
    process.env.GOOGLE_OAUTH_ACCESS_TOKEN = 'ya29.e2e-stand-in-token';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.GOOGLE_OAUTH_ACCESS_TOKEN;
    else process.env.GOOGLE_OAUTH_ACCESS_TOKEN = saved;
  });

  it('detect and detectMany POST instances as JSON with the bearer token; predictions come back in order', async () => {
    const client = new VertexDetectorClient({ predictUrl: `${proxy.url}/predict` });
    try {
      const single = await makeImage(800, 600, 'webp');
      expect(await client.detect(single)).toEqual({
        bboxes: expectedBoxes(BOXES, 800, 600),
        count: 1,
        raw_output: RAW,
        image_size: { width: 800, height: 600 },
        model: 'pdfme-form-field-detector-lora',
      });
      const request = proxy.requests.at(-1)!;
      expect(request).toMatchObject({ method: 'POST', path: '/predict', status: 200 });
      expect(request.headers).toMatchObject({
        authorization: 'Bearer ya29.e2e-stand-in-token',
        'content-type': 'application/json',
      });
      expect(json(request.body)).toEqual({ instances: [{ image_base64: single.toString('base64') }] });

      const sizes = [
        [300, 400],
        [500, 200],
        [640, 640],
      ];
      const images = await Promise.all(sizes.map(([w, h]) => makeImage(w, h)));
      const results = await client.detectMany(images);
      expect(results.map((result) => result.image_size)).toEqual(sizes.map(([width, height]) => ({ width, height })));
      expect(results[1].bboxes).toEqual(expectedBoxes(BOXES, 500, 200));
      expect(json(proxy.requests.at(-1)!.body).instances).toHaveLength(3);
    } finally {
      await client.close();
    }
  });

  it('the CLI (a process) uses GOOGLE_OAUTH_ACCESS_TOKEN and writes a JSON file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'form-detect-e2e-'));
    await writeFile(join(dir, 'form.jpg'), await makeImage(1000, 1414, 'jpeg'));
    const before = proxy.requests.length;
    const run = await runCliProcess(
      [
        '--cloud',
        'gcp',
        '--endpoint',
        `${proxy.url}/predict`,
        '--image',
        join(dir, 'form.jpg'),
        '--out',
        join(dir, 'out.json'),
      ],
      { GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.cli-token' },
    );
    expect(run.code).toBe(0);
    const [record] = JSON.parse(await readFile(join(dir, 'out.json'), 'utf8')) as DetectionRecord[];
    expect(record).toMatchObject({ ok: true, result: { count: 1, image_size: { width: 1000, height: 1414 } } });
    const sent = proxy.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].headers.authorization).toBe('Bearer ya29.cli-token');
    expect(json(sent[0].body).instances).toHaveLength(1);
  });
});

describe('Azure ML end to end', () => {
  it('POSTs {"image_base64"} as JSON with the key and gets the controller result', async () => {
    const client = new AzureMlDetectorClient({ scoringUri: `${proxy.url}/score`, auth: { key: 'azure-e2e-key' } });
    try {
      const png = await makeImage(2480, 3508);
      expect(await client.detect({ base64: `data:image/png;base64,${png.toString('base64')}` })).toEqual({
        bboxes: expectedBoxes(BOXES, 2480, 3508),
        count: 1,
        raw_output: RAW,
        image_size: { width: 2480, height: 3508 },
        model: 'pdfme-form-field-detector-lora',
      });
      const request = proxy.requests.at(-1)!;
      expect(request).toMatchObject({ method: 'POST', path: '/score', status: 200 });
      expect(request.headers).toMatchObject({
        authorization: 'Bearer azure-e2e-key',
        'content-type': 'application/json',
      });
      expect(json(request.body)).toEqual({ image_base64: png.toString('base64') });
    } finally {
      await client.close();
    }
  });

  it('the CLI (a process) authenticates with AZURE_ML_KEY', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'form-detect-e2e-'));
    await writeFile(join(dir, 'a.png'), await makeImage(200, 100));
    const before = proxy.requests.length;
    const run = await runCliProcess(['--cloud', 'azure', '--endpoint', `${proxy.url}/score`, '--image', dir], {
      AZURE_ML_KEY: 'key-from-env',
    });
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as DetectionRecord[])[0]).toMatchObject({ ok: true, result: { count: 1 } });
    expect(proxy.requests.slice(before).map((request) => request.headers.authorization)).toEqual([
      'Bearer key-from-env',
    ]);
  });
});

describe('back-pressure end to end', () => {
  let busy: ControllerProcess;
  let busyProxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  beforeAll(async () => {
    // One detection at a time, no queue, each taking 300 ms: concurrent callers get 429 overloaded + Retry-After.
    busy = await startController({
      env: { STANDIN_OUTPUT: RAW, MAX_CONCURRENCY: '1', MAX_QUEUE: '0', STANDIN_DELAY_MS: '300' },
    });
    busyProxy = await startRecordingProxy(busy.url);
  });
  afterAll(async () => {
    await busyProxy?.close();
    await busy?.stop();
  });

  it('concurrent callers are refused with 429 + Retry-After and all succeed by retrying', async () => {
    const client = new AzureMlDetectorClient({
      scoringUri: `${busyProxy.url}/score`,
      auth: { key: 'k' },
      maxRetries: 20,
      initialRetryDelayMs: 100,
      // Cap the controller's Retry-After (about one slot's hold time) so the test stays short.
      maxRetryDelayMs: 250,
    });
    try {
      const image = await makeImage(64, 64);
      const results = await Promise.all([0, 1, 2].map(() => client.detect(image)));
      expect(results.map((result) => result.count)).toEqual([1, 1, 1]);
      const refused = busyProxy.requests.filter((request) => request.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0].responseHeaders['retry-after']).toMatch(/^\d+$/);
      expect(busyProxy.requests.filter((request) => request.status === 200)).toHaveLength(3);
    } finally {
      await client.close();
    }
  });

  it('gives up after maxRetries with the overloaded code', async () => {
    const client = new AzureMlDetectorClient({
      scoringUri: `${busyProxy.url}/score`,
      auth: { key: 'k' },
      maxRetries: 0,
    });
    try {
      const image = await makeImage(64, 64);
      const outcomes = await Promise.allSettled([0, 1, 2].map(() => client.detect(image)));
      const errors = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]).toBeInstanceOf(DetectorError);
      expect(errors[0]).toMatchObject({ code: 'overloaded', status: 429, retryable: true, source: 'container' });
    } finally {
      await client.close();
    }
  });
});
