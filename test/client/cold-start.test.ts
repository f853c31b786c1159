/**
 * Cold start of an on-demand deployment: the clients wait (reporting through onWarmingUp) while the platform says
 * "no capacity" / "not ready", up to coldStartTimeoutMs, then fail with cold_start_timeout. Delays are a few ms.
 */
import {
  AzureMlDetectorClient,
  DetectorError,
  SageMakerDetectorClient,
  VertexDetectorClient,
  type WarmingUpInfo,
} from '../../lib/client';
import { coldStartReason } from '../../lib/client/cold-start';
import { COLD_START_TIMEOUT_MS, coldStartTargetOfUrl, resolveClientOptions } from '../../lib/client/detector-client';
import { WarmingUpReporter } from '../../lib/client/cli/warming-up';
import { COLD_STARTS } from '../../lib/core/on-demand';
import { startSageMakerRuntimeStandIn, type SageMakerStandIn } from '../stand-ins/sagemaker-runtime';
import { containerError, makeImage, resultFor, startScriptedServer } from './helpers';

type Server = Awaited<ReturnType<typeof startScriptedServer>>;
let container: Server | undefined;
let sagemaker: SageMakerStandIn | undefined;
const clients: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await sagemaker?.close();
  await container?.close();
  sagemaker = container = undefined;
});

const FAST = { initialRetryDelayMs: 5, maxRetryDelayMs: 20 };
const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DetectorError);
  return error as DetectorError;
};
const recorder = () => {
  const calls: WarmingUpInfo[] = [];
  return { calls, onWarmingUp: (info: WarmingUpInfo) => calls.push(info) };
};

describe('SageMaker inference component scaled to zero', () => {
  async function setUp(script: Parameters<typeof startScriptedServer>[0] = [{ status: 200, body: resultFor(8, 8) }]) {
    container = await startScriptedServer(script);
    sagemaker = await startSageMakerRuntimeStandIn({
      upstream: container.url,
      endpoints: { 'form-detector': ['form-detector-ic'] },
    });
    return sagemaker;
  }
  function client(options: Partial<ConstructorParameters<typeof SageMakerDetectorClient>[0]> = {}) {
    const created = new SageMakerDetectorClient({
      endpointName: 'form-detector',
      inferenceComponentName: 'form-detector-ic',
      region: 'us-east-1',
      endpoint: sagemaker?.url,
      credentials: { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'stand-in-secret' },
      ...FAST,
      ...options,
    });
    clients.push(created);
    return created;
  }

  it('waits through "no capacity" answers, reporting each, then succeeds', async () => {
    const stand = await setUp();
    stand.controls.noCapacityNext = 3;
    const { calls, onWarmingUp } = recorder();
    await expect(client({ coldStartTimeoutMs: 10_000, onWarmingUp }).detect(await makeImage(8, 8))).resolves.toEqual(
      resultFor(8, 8),
    );
    expect(stand.requests.map((request) => request.status)).toEqual([400, 400, 400, 200]);
    expect(container?.requests).toHaveLength(1);
    expect(calls.map((call) => call.attempt)).toEqual([1, 2, 3]);
    expect(calls[0]).toMatchObject({ waitedMs: 0, limitMs: 10_000 });
    expect(calls[0].reason).toMatch(/inference component has no copy running/);
    expect(calls[2].waitedMs).toBeGreaterThan(0);
    expect(calls.every((call) => call.nextAttemptInMs >= 0 && call.nextAttemptInMs <= 20)).toBe(true);
  });

  it('gives up with cold_start_timeout when the limit is shorter than the cold start', async () => {
    const stand = await setUp();
    stand.controls.noCapacityNext = 1_000;
    const { calls, onWarmingUp } = recorder();
    const started = Date.now();
    const error = await failure(client({ coldStartTimeoutMs: 150, onWarmingUp }).detect(await makeImage(8, 8)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: 'cold_start_timeout', source: 'client', status: 400, retryable: true });
    expect(error.message).toMatch(/the SageMaker endpoint was still warming up after [\d.]+s \(limit 0\.15s\)/);
    expect(error.message).toMatch(/Raise coldStartTimeoutMs .*--cold-start-timeout/);
    expect(error.message).toMatch(/minimum capacity ≥ 1/);
    expect((error.cause as DetectorError).code).toBe('no_capacity');
    expect(calls.length).toBeGreaterThan(1);
    expect(stand.requests.length).toBe(calls.length + 1);
    expect(container?.requests).toHaveLength(0);
  });

  it('coldStartTimeoutMs 0 does not wait: the no-capacity error comes back at once', async () => {
    const stand = await setUp();
    stand.controls.noCapacityNext = 1;
    const { calls, onWarmingUp } = recorder();
    const error = await failure(client({ coldStartTimeoutMs: 0, onWarmingUp }).detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'no_capacity', status: 400, source: 'platform', retryable: true });
    expect(error.message).toMatch(/Inference Component has no capacity to process this request/);
    expect(calls).toHaveLength(0);
    expect(stand.requests).toHaveLength(1);
  });

  it('waits out the container 503 not_ready (model loading) instead of spending maxRetries on it', async () => {
    await setUp([
      containerError(503, 'not_ready', 'the model is not ready (vLLM is loading the model)'),
      containerError(503, 'not_ready', 'the model is not ready (vLLM is loading the model)'),
      { status: 200, body: resultFor(8, 8) },
    ]);
    const { calls, onWarmingUp } = recorder();
    await client({ maxRetries: 3, coldStartTimeoutMs: 10_000, onWarmingUp }).detect(await makeImage(8, 8));
    // Reported twice: the SDK did not retry the 503s silently first.
    expect(calls).toHaveLength(2);
    expect(container?.requests).toHaveLength(3);
    expect(calls[0].reason).toMatch(/the model is loading \(the model is not ready \(vLLM is loading the model\)\)/);
  });

  it('the default wait (15 min on an inference component) ends when the caller aborts', async () => {
    const stand = await setUp();
    stand.controls.noCapacityNext = 1_000;
    const controller = new AbortController();
    const { calls, onWarmingUp } = recorder();
    const pending = client({ onWarmingUp, maxRetryDelayMs: 60_000, initialRetryDelayMs: 60_000 }).detect(
      await makeImage(8, 8),
      { signal: controller.signal },
    );
    for (let i = 0; calls.length === 0 && i < 400; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(calls[0].limitMs).toBe(15 * 60_000);
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    expect(stand.requests).toHaveLength(1);
  });
});

describe('Vertex / Cloud Run and Azure / Container Apps clients', () => {
  it('Azure: waits through the container 503 not_ready honouring its Retry-After, then succeeds', async () => {
    container = await startScriptedServer([
      containerError(503, 'not_ready', 'model files are being prepared', { 'retry-after': '0.2' }),
      containerError(503, 'not_ready', 'vLLM is loading the model', { 'retry-after': '0.2' }),
      { status: 200, body: resultFor(8, 8) },
    ]);
    const { calls, onWarmingUp } = recorder();
    const client = new AzureMlDetectorClient({
      scoringUri: `${container.url}/score`,
      auth: { key: 'k3y' },
      coldStartTimeoutMs: 10_000,
      initialRetryDelayMs: 1,
      maxRetryDelayMs: 1_000,
      onWarmingUp,
    });
    clients.push(client);
    await expect(client.detect(await makeImage(8, 8))).resolves.toMatchObject({ count: 1 });
    expect(container.requests).toHaveLength(3);
    expect(calls.map((call) => [call.attempt, call.nextAttemptInMs])).toEqual([
      [1, 200],
      [2, 200],
    ]);
    expect(calls[1].reason).toBe('the model is loading (vLLM is loading the model)');
    // The client's own backoff is 1 ms: only Retry-After explains the gaps.
    expect(container.requests[1].at - container.requests[0].at).toBeGreaterThanOrEqual(180);
  });

  it('Vertex: waits through Cloud Run\'s 429 "no available instance" and succeeds', async () => {
    const noInstance = {
      status: 429,
      headers: { 'content-type': 'text/html' },
      body: 'Rate exceeded. The request was aborted because there was no available instance.',
    };
    container = await startScriptedServer([
      noInstance,
      noInstance,
      noInstance,
      { status: 200, body: { predictions: [resultFor(8, 8)] } },
    ]);
    const { calls, onWarmingUp } = recorder();
    const client = new VertexDetectorClient({
      predictUrl: `${container.url}/predict`,
      accessToken: 'id-token',
      maxRetries: 0,
      coldStartTimeoutMs: 10_000,
      ...FAST,
      onWarmingUp,
    });
    clients.push(client);
    await expect(client.detect(await makeImage(8, 8))).resolves.toMatchObject({ count: 1 });
    expect(calls.map((call) => call.attempt)).toEqual([1, 2, 3]);
    expect(calls[0].reason).toMatch(/no instance is available yet \(HTTP 429\)/);
  });

  it('Vertex: gives up with cold_start_timeout after the limit, naming the last answer', async () => {
    container = await startScriptedServer([{ status: 503, body: 'upstream connect error or disconnect/reset' }]);
    const { calls, onWarmingUp } = recorder();
    const client = new VertexDetectorClient({
      predictUrl: `${container.url}/predict`,
      accessToken: 't',
      coldStartTimeoutMs: 100,
      ...FAST,
      onWarmingUp,
    });
    clients.push(client);
    const error = await failure(client.detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'cold_start_timeout', status: 503, source: 'client' });
    expect(error.message).toMatch(/Last answer: the Vertex AI endpoint answered HTTP 503: upstream connect error/);
    // 503 is left to the cold-start wait, not RetryAgent: one request per report, plus the last one.
    expect(container.requests).toHaveLength(calls.length + 1);
  });

  it('Azure with coldStartTimeoutMs 0 keeps the ordinary retries: maxRetries on 503, no reports', async () => {
    container = await startScriptedServer([containerError(503, 'not_ready', 'loading')]);
    const { calls, onWarmingUp } = recorder();
    const client = new AzureMlDetectorClient({
      scoringUri: `${container.url}/score`,
      auth: { key: 'k' },
      maxRetries: 2,
      coldStartTimeoutMs: 0,
      ...FAST,
      onWarmingUp,
    });
    clients.push(client);
    const error = await failure(client.detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'not_ready', status: 503, source: 'container' });
    expect(container.requests).toHaveLength(3);
    expect(calls).toHaveLength(0);
  });

  it('a 429 overloaded from the container is back-pressure, not a cold start', async () => {
    container = await startScriptedServer([containerError(429, 'overloaded', 'queue full')]);
    const { calls, onWarmingUp } = recorder();
    const client = new AzureMlDetectorClient({
      scoringUri: `${container.url}/score`,
      auth: { key: 'k' },
      maxRetries: 1,
      coldStartTimeoutMs: 10_000,
      ...FAST,
      onWarmingUp,
    });
    clients.push(client);
    expect(await failure(client.detect(await makeImage(8, 8)))).toMatchObject({ code: 'overloaded' });
    expect(container.requests).toHaveLength(2);
    expect(calls).toHaveLength(0);
  });
});

describe('cold-start defaults and classification', () => {
  it('defaults per target, each at least the longest cold start lib/core estimates', () => {
    expect(coldStartTargetOfUrl('https://form-detector-abc123-uc.a.run.app/predict')).toBe('cloudRun');
    expect(coldStartTargetOfUrl('https://det.kindmoss-1234.swedencentral.azurecontainerapps.io/score')).toBe(
      'containerApps',
    );
    expect(coldStartTargetOfUrl('https://e.westeurope.inference.ml.azure.com/score')).toBe('alwaysOn');
    expect(coldStartTargetOfUrl('not a url')).toBe('alwaysOn');
    expect(COLD_START_TIMEOUT_MS.sagemakerInferenceComponent).toBeGreaterThanOrEqual(
      COLD_STARTS.sagemakerInferenceComponent.maxMinutes * 60_000,
    );
    expect(COLD_START_TIMEOUT_MS.cloudRun).toBeGreaterThanOrEqual(COLD_STARTS.cloudRunGpu.maxMinutes * 60_000);
    expect(COLD_START_TIMEOUT_MS.containerApps).toBeGreaterThanOrEqual(
      COLD_STARTS.containerAppsGpu.maxMinutes * 60_000,
    );
    expect(resolveClientOptions({}, 'cloudRun').coldStart.limitMs).toBe(600_000);
    expect(resolveClientOptions({ coldStartTimeoutMs: 0 }, 'cloudRun').coldStart.limitMs).toBe(0);
    expect(resolveClientOptions({}).coldStart.limitMs).toBe(0);
  });

  it('classifies only "still starting" answers as a cold start', () => {
    const platform = (status: number) => new DetectorError('platform_error', 'x', { status, source: 'platform' });
    expect(coldStartReason(platform(504))).toMatch(/HTTP 504: no instance is ready yet/);
    expect(coldStartReason(platform(500))).toBeUndefined();
    expect(coldStartReason(new DetectorError('timeout', 'slow', { status: 504, source: 'container' }))).toBe(undefined);
    expect(coldStartReason(new DetectorError('invalid_image', 'no', { status: 400, source: 'container' }))).toBe(
      undefined,
    );
    expect(coldStartReason(new Error('plain'))).toBeUndefined();
  });

  it('validates coldStartTimeoutMs and onWarmingUp', () => {
    expect(
      () =>
        new AzureMlDetectorClient({
          scoringUri: 'https://x.example/score',
          auth: { key: 'k' },
          coldStartTimeoutMs: -1,
          onWarmingUp: 'loud' as unknown as () => void,
        }),
    ).toThrow(/coldStartTimeoutMs must be a number ≥ 0, got -1[\s\S]*onWarmingUp must be a function/);
  });
});

describe('form-detect warming-up line', () => {
  const info = (waitedMs: number): WarmingUpInfo => ({
    attempt: 1,
    waitedMs,
    reason: 'the inference component has no copy running',
    limitMs: 900_000,
    nextAttemptInMs: 10,
  });

  it('off a terminal: one plain line, then at most one per interval, and "warmed up" at the end', () => {
    const chunks: string[] = [];
    const reporter = new WarmingUpReporter({ write: (text: string) => chunks.push(text) }, 60_000);
    reporter.report(info(0));
    reporter.report(info(12_000));
    expect(chunks).toEqual(['warming up: the inference component has no copy running, waited 0s (limit 900s)…\n']);
    reporter.done(true);
    expect(chunks[1]).toMatch(/^warmed up: the endpoint answered after \d+(\.\d+)?s\n$/);
    reporter.done(true);
    expect(chunks).toHaveLength(2);
  });

  it('on a terminal: one redrawn line, cleared when the call ends', () => {
    const chunks: string[] = [];
    const reporter = new WarmingUpReporter({ isTTY: true, columns: 200, write: (text: string) => chunks.push(text) });
    reporter.report(info(0));
    reporter.report(info(42_000));
    expect(chunks).toHaveLength(2);
    expect(chunks.every((chunk) => chunk.startsWith('\r\x1b[2Kwarming up: '))).toBe(true);
    expect(chunks[1]).toMatch(/waited 42s \(limit 900s\)…$/);
    reporter.done(false);
    expect(chunks.at(-1)).toBe('\r\x1b[2K');
  });
});
