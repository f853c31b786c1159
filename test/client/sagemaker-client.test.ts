import { SageMakerDetectorClient, DetectorError } from '../../lib/client';
import { toDetectorError } from '../../lib/client/sagemaker-detector-client';
import { startSageMakerRuntimeStandIn, type SageMakerStandIn } from '../stand-ins/sagemaker-runtime';
import { containerError, makeImage, resultFor, startScriptedServer } from './helpers';

type Server = Awaited<ReturnType<typeof startScriptedServer>>;
let container: Server | undefined;
let sagemaker: SageMakerStandIn | undefined;
const clients: SageMakerDetectorClient[] = [];
const credentials = { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'stand-in-secret' };

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await sagemaker?.close();
  await container?.close();
  sagemaker = container = undefined;
});

async function setUp(script: Parameters<typeof startScriptedServer>[0], endpoints?: Record<string, string[]>) {
  container = await startScriptedServer(script);
  sagemaker = await startSageMakerRuntimeStandIn({ upstream: container.url, endpoints });
  return sagemaker;
}

function client(options: Partial<ConstructorParameters<typeof SageMakerDetectorClient>[0]> = {}) {
  const created = new SageMakerDetectorClient({
    endpointName: 'form-detector',
    region: 'us-east-1',
    endpoint: sagemaker?.url,
    credentials,
    ...options,
  });
  clients.push(created);
  return created;
}

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DetectorError);
  return error as DetectorError;
};

describe('SageMakerDetectorClient', () => {
  it('invokes the endpoint with the raw image bytes and their Content-Type, signed with SigV4', async () => {
    const stand = await setUp([{ status: 200, body: resultFor(64, 32) }]);
    const webp = await makeImage(64, 32, 'webp');
    await expect(client().detect(webp)).resolves.toEqual(resultFor(64, 32));
    const [request] = stand.requests;
    expect(request.path).toBe('/endpoints/form-detector/invocations');
    expect(request.headers['content-type']).toBe('image/webp');
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDSTANDIN\/\d{8}\/us-east-1\/sagemaker\/aws4_request/,
    );
    expect(request.body.equals(webp)).toBe(true);
    // What the container got: the same bytes, not base64.
    expect(container?.requests[0].body.equals(webp)).toBe(true);
    expect(container?.requests[0].headers['content-type']).toBe('image/webp');
    expect(container?.requests[0].headers['x-amzn-sagemaker-custom-attributes']).toBeUndefined();
  });

  it('asks for the base model with the custom attribute adapter=false, which reaches the container', async () => {
    const stand = await setUp([{ status: 200, body: { ...resultFor(8, 8), model: 'Qwen/Qwen3-VL-8B-Instruct' } }]);
    const result = await client().detect(await makeImage(8, 8), { adapter: false });
    expect(result.model).toBe('Qwen/Qwen3-VL-8B-Instruct');
    expect(stand.requests[0].headers['x-amzn-sagemaker-custom-attributes']).toBe('adapter=false');
    expect(container?.requests[0].headers['x-amzn-sagemaker-custom-attributes']).toBe('adapter=false');
    await client().detect(await makeImage(8, 8), { adapter: true });
    expect(container?.requests[1].headers['x-amzn-sagemaker-custom-attributes']).toBe('adapter=true');
  });

  it('names the inference component when given one', async () => {
    const stand = await setUp([{ status: 200, body: resultFor(8, 8) }], { 'form-detector': ['form-detector-ic'] });
    const error = await failure(client().detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, source: 'platform' });
    expect(error.message).toMatch(/Inference Component Name header is required/);
    await client({ inferenceComponentName: 'form-detector-ic' }).detect(await makeImage(8, 8));
    expect(stand.requests.at(-1)?.headers['x-amzn-sagemaker-inference-component']).toBe('form-detector-ic');
  });

  it('carries the container error code and message out of a ModelError', async () => {
    await setUp([containerError(400, 'invalid_image', 'body: the bytes are not a PNG/JPEG/WebP image')]);
    const error = await failure(client().detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'invalid_image', status: 400, source: 'container', retryable: false });
    expect(error.message).toBe('body: the bytes are not a PNG/JPEG/WebP image');
    expect(container?.requests).toHaveLength(1);
  });

  it('retries the container 503 not_ready wrapped in a ModelError, then succeeds', async () => {
    await setUp([
      containerError(503, 'not_ready', 'loading'),
      containerError(503, 'not_ready', 'loading'),
      { status: 200, body: resultFor(8, 8) },
    ]);
    await expect(client({ maxRetries: 3 }).detect(await makeImage(8, 8))).resolves.toMatchObject({ count: 1 });
    expect(container?.requests).toHaveLength(3);
    expect(sagemaker?.requests.map((request) => request.status)).toEqual([424, 424, 200]);
  });

  it('gives up after maxRetries on the container 429 overloaded with the typed error', async () => {
    await setUp([containerError(429, 'overloaded', 'too many requests in flight')]);
    const error = await failure(client({ maxRetries: 1 }).detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'overloaded', status: 429, source: 'container', retryable: true });
    expect(container?.requests).toHaveLength(2);
  });

  it("retries SageMaker's own ThrottlingException with the SDK's backoff, and maps it when retries are spent", async () => {
    const stand = await setUp([{ status: 200, body: resultFor(8, 8) }]);
    stand.controls.throttleNext = 1;
    await expect(client({ maxRetries: 1 }).detect(await makeImage(8, 8))).resolves.toMatchObject({ count: 1 });
    expect(stand.requests.map((request) => request.status)).toEqual([400, 200]);
    stand.controls.throttleNext = 1;
    const error = await failure(client({ maxRetries: 0 }).detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'throttled', status: 400, source: 'platform', retryable: true });
    expect(error.message).toMatch(/ThrottlingException.*Rate exceeded/);
  });

  it('maps an unknown endpoint to a clear error, and does not retry it', async () => {
    await setUp([{ status: 200, body: resultFor(8, 8) }]);
    const error = await failure(client({ endpointName: 'no-such-endpoint' }).detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, retryable: false });
    expect(error.message).toMatch(/Endpoint no-such-endpoint of account 123456789012 not found/);
    expect(sagemaker?.requests).toHaveLength(1);
  });

  it('sends a too-large image downscaled under the raw-body limit and reports the original frame', async () => {
    await setUp([{ status: 200, body: resultFor(300, 150, [[0, 0, 1000, 1000]]) }]);
    const png = await makeImage(900, 450, 'png', { noise: true });
    const result = await client({ maxRequestBytes: 200_000 }).detect(png);
    expect(sagemaker?.requests[0].body.length).toBeLessThanOrEqual(200_000);
    expect(result.image_size).toEqual({ width: 900, height: 450 });
    expect(result.bboxes[0].bbox_pixel).toEqual([0, 0, 900, 450]);
  });

  it('refuses a non-image before calling AWS', async () => {
    await setUp([{ status: 200, body: resultFor(8, 8) }]);
    const error = await failure(client().detect({ base64: Buffer.from('GIF89a-ish nonsense').toString('base64') }));
    expect(error).toMatchObject({ code: 'invalid_image', source: 'client' });
    expect(sagemaker?.requests).toHaveLength(0);
  });

  it('follows AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME when no endpoint option is given', async () => {
    const stand = await setUp([{ status: 200, body: resultFor(8, 8) }]);
    const saved = process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME;
    process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME = stand.url;
    try {
      await client({ endpoint: undefined }).detect(await makeImage(8, 8));
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME;
      else process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME = saved;
    }
    expect(stand.requests).toHaveLength(1);
  });

  it('names what is missing when the SDK cannot send: no region, nothing listening, no credentials', async () => {
    const saved = { region: process.env.AWS_REGION, defaultRegion: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      const noRegion = await failure(client({ region: undefined, endpoint: undefined }).detect(await makeImage(8, 8)));
      expect(noRegion).toMatchObject({ code: 'invalid_request', source: 'client', retryable: false });
      expect(noRegion.message).toMatch(/Region is missing \(pass region, or set AWS_REGION\)/);
    } finally {
      if (saved.region !== undefined) process.env.AWS_REGION = saved.region;
      if (saved.defaultRegion !== undefined) process.env.AWS_DEFAULT_REGION = saved.defaultRegion;
    }
    const closed = await startScriptedServer([{ status: 200, body: {} }]);
    await closed.close();
    const unreachable = await failure(client({ endpoint: closed.url, maxRetries: 0 }).detect(await makeImage(8, 8)));
    expect(unreachable).toMatchObject({ code: 'network_error', retryable: true });
    expect(unreachable.message).toMatch(/ECONNREFUSED/);
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect(toDetectorError(noCredentials)).toMatchObject({ code: 'unauthorized', retryable: false, source: 'client' });
  });

  it('validates the endpoint name', () => {
    expect(() => new SageMakerDetectorClient({ endpointName: 'arn:aws:sagemaker:x' })).toThrow(
      /endpointName must be a SageMaker endpoint name/,
    );
  });
});
