import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { AzureMlDetectorClient, DetectorError, VertexDetectorClient, createDetectorClient } from '../../lib/client';
import { containerError, makeImage, resultFor, startScriptedServer } from './helpers';

type Server = Awaited<ReturnType<typeof startScriptedServer>>;
let server: Server | undefined;
const clients: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await server?.close();
  server = undefined;
});

const azure = (url: string, extra: Partial<ConstructorParameters<typeof AzureMlDetectorClient>[0]> = {}) => {
  const client = new AzureMlDetectorClient({
    scoringUri: `${url}/score`,
    auth: { key: 'k3y' },
    initialRetryDelayMs: 10,
    ...extra,
  });
  clients.push(client);
  return client;
};
const vertex = (url: string, extra: Partial<ConstructorParameters<typeof VertexDetectorClient>[0]> = {}) => {
  const client = new VertexDetectorClient({
    predictUrl: `${url}/v1/endpoints/1:predict`,
    initialRetryDelayMs: 10,
    ...extra,
  });
  clients.push(client);
  return client;
};
const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DetectorError);
  return error as DetectorError;
};

describe('AzureMlDetectorClient', () => {
  it('POSTs {"image_base64"} as JSON with the key as a bearer token and returns the result', async () => {
    const png = await makeImage(40, 30);
    server = await startScriptedServer([{ status: 200, body: resultFor(40, 30) }]);
    const result = await azure(server.url, { deployment: 'blue' }).detect(png);
    expect(result).toEqual(resultFor(40, 30));
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/score' });
    expect(request.headers).toMatchObject({
      authorization: 'Bearer k3y',
      'content-type': 'application/json',
      'azureml-model-deployment': 'blue',
    });
    expect(JSON.parse(request.body.toString())).toEqual({ image_base64: png.toString('base64') });
  });

  it('sends "parameters": {"adapter": false} when asked for the base model, and returns the model that answered', async () => {
    const png = await makeImage(8, 8);
    server = await startScriptedServer([
      { status: 200, body: { ...resultFor(8, 8), model: 'Qwen/Qwen3-VL-8B-Instruct' } },
    ]);
    const result = await azure(server.url).detect(png, { adapter: false });
    expect(result.model).toBe('Qwen/Qwen3-VL-8B-Instruct');
    expect(JSON.parse(server.requests[0].body.toString())).toEqual({
      image_base64: png.toString('base64'),
      parameters: { adapter: false },
    });
  });

  it('detectPdf passes { adapter: false } on with every page it sends', async () => {
    server = await startScriptedServer(async (request) => {
      const { image_base64 } = JSON.parse(request.body.toString()) as { image_base64: string };
      const { width, height } = await sharp(Buffer.from(image_base64, 'base64')).metadata();
      return { status: 200, body: { ...resultFor(width!, height!), model: 'Qwen/Qwen3-VL-8B-Instruct' } };
    });
    const pdf = await PDFDocument.create();
    pdf.addPage([595, 842]);
    pdf.addPage([842, 595]);
    const pages = await azure(server.url).detectPdf(await pdf.save(), { adapter: false });
    expect(pages.map((page) => page.result.model)).toEqual(['Qwen/Qwen3-VL-8B-Instruct', 'Qwen/Qwen3-VL-8B-Instruct']);
    expect(server.requests.map((request) => JSON.parse(request.body.toString()).parameters)).toEqual([
      { adapter: false },
      { adapter: false },
    ]);
  });

  it('sends an Entra ID token from a credential, asking for the Azure ML scope', async () => {
    server = await startScriptedServer([{ status: 200, body: resultFor(8, 8) }]);
    const scopes: unknown[] = [];
    const credential = { getToken: async (scope: string | string[]) => (scopes.push(scope), { token: 'entra-token' }) };
    await azure(server.url, { auth: { credential } }).detect(await makeImage(8, 8));
    expect(scopes).toEqual(['https://ml.azure.com/.default']);
    expect(server.requests[0].headers.authorization).toBe('Bearer entra-token');
  });

  it('retries 429 honouring Retry-After, then succeeds', async () => {
    server = await startScriptedServer([
      containerError(429, 'overloaded', 'queue full, retry', { 'retry-after': '1' }),
      { status: 200, body: resultFor(8, 8) },
    ]);
    const started = Date.now();
    await expect(azure(server.url).detect(await makeImage(8, 8))).resolves.toMatchObject({ count: 1 });
    expect(server.requests).toHaveLength(2);
    // The client's own backoff is 10 ms here: only the server's Retry-After explains a ~1 s wait.
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('retries 503 with exponential backoff, then succeeds', async () => {
    server = await startScriptedServer([
      containerError(503, 'not_ready', 'loading'),
      containerError(503, 'not_ready', 'loading'),
      { status: 200, body: resultFor(8, 8) },
    ]);
    await azure(server.url, { initialRetryDelayMs: 50 }).detect(await makeImage(8, 8));
    const [a, b, c] = server.requests.map((request) => request.at);
    expect(server.requests).toHaveLength(3);
    expect(b - a).toBeGreaterThanOrEqual(40);
    expect(c - b).toBeGreaterThanOrEqual(90);
  });

  it('gives up after maxRetries with the server error code, status and message', async () => {
    server = await startScriptedServer([
      containerError(503, 'not_ready', 'not ready: vLLM is loading', { 'retry-after': '0' }),
    ]);
    const error = await failure(azure(server.url, { maxRetries: 2 }).detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'not_ready', status: 503, retryable: true, source: 'container' });
    expect(error.message).toBe('not ready: vLLM is loading');
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a bad request and carries the container error', async () => {
    server = await startScriptedServer([containerError(400, 'invalid_image', 'image_base64: not a PNG/JPEG/WebP')]);
    const error = await failure(azure(server.url).detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'invalid_image', status: 400, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('maps a platform 401 without a container error to unauthorized', async () => {
    server = await startScriptedServer([{ status: 401, body: 'key_auth_access_denied' }]);
    const error = await failure(azure(server.url).detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'unauthorized', status: 401, source: 'platform' });
    expect(error.message).toMatch(/HTTP 401: key_auth_access_denied/);
  });

  it('stops at the overall deadline even when Retry-After asks for longer', async () => {
    server = await startScriptedServer([containerError(429, 'overloaded', 'busy', { 'retry-after': '30' })]);
    const started = Date.now();
    const error = await failure(azure(server.url, { deadlineMs: 300 }).detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'deadline_exceeded', retryable: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses a non-image before sending anything', async () => {
    server = await startScriptedServer([{ status: 200, body: resultFor(8, 8) }]);
    const error = await failure(azure(server.url).detect(Buffer.from('hello, world')));
    expect(error).toMatchObject({ code: 'invalid_image', source: 'client' });
    expect(server.requests).toHaveLength(0);
  });

  it('rejects a 2xx body that is not a DetectionResult', async () => {
    server = await startScriptedServer([{ status: 200, body: { boxes: [] } }]);
    const error = await failure(azure(server.url).detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'invalid_response', retryable: false });
    expect(error.message).toMatch(/not a DetectionResult \(bboxes: not a list\)/);
  });

  it('validates options once, naming each problem', () => {
    expect(() => new AzureMlDetectorClient({ scoringUri: 'nope', auth: { key: '' }, maxRetries: -1 })).toThrow(
      /scoringUri must be a URL[\s\S]*auth.key must be a non-empty string[\s\S]*maxRetries must be an integer ≥ 0/,
    );
  });
});

describe('VertexDetectorClient', () => {
  const env = process.env.GOOGLE_OAUTH_ACCESS_TOKEN;
  afterEach(() => {
    if (env === undefined) delete process.env.GOOGLE_OAUTH_ACCESS_TOKEN;
    else process.env.GOOGLE_OAUTH_ACCESS_TOKEN = env;
  });

  it('POSTs {"instances": [{"image_base64"}]} with the GOOGLE_OAUTH_ACCESS_TOKEN bearer and returns predictions[0]', async () => {
    process.env.GOOGLE_OAUTH_ACCESS_TOKEN = 'ya29.test-token';
    const jpeg = await makeImage(50, 20, 'jpeg');
    server = await startScriptedServer([
      { status: 200, body: { predictions: [resultFor(50, 20)], deployedModelId: '42' } },
    ]);
    await expect(vertex(server.url).detect(jpeg)).resolves.toEqual(resultFor(50, 20));
    const [request] = server.requests;
    expect(request.url).toBe('/v1/endpoints/1:predict');
    expect(request.headers).toMatchObject({
      authorization: 'Bearer ya29.test-token',
      'content-type': 'application/json',
    });
    expect(JSON.parse(request.body.toString())).toEqual({ instances: [{ image_base64: jpeg.toString('base64') }] });
  });

  it('sends "parameters": {"adapter": false} once for every instance of a batch', async () => {
    process.env.GOOGLE_OAUTH_ACCESS_TOKEN = 'ya29.test-token';
    const images = [await makeImage(8, 8), await makeImage(9, 9)];
    server = await startScriptedServer([{ status: 200, body: { predictions: [resultFor(8, 8), resultFor(9, 9)] } }]);
    await vertex(server.url).detectMany(images, { adapter: false });
    expect(JSON.parse(server.requests[0].body.toString())).toEqual({
      instances: images.map((image) => ({ image_base64: image.toString('base64') })),
      parameters: { adapter: false },
    });
  });

  it('detectMany batches images into requests of at most maxInstancesPerRequest, results in order', async () => {
    server = await startScriptedServer(async (request) => {
      const { instances } = JSON.parse(request.body.toString()) as { instances: Array<{ image_base64: string }> };
      const predictions = await Promise.all(
        instances.map(async ({ image_base64 }) => {
          const meta = await sharp(Buffer.from(image_base64, 'base64')).metadata();
          return resultFor(meta.width, meta.height);
        }),
      );
      return { status: 200, body: { predictions } };
    });
    const images = await Promise.all([10, 11, 12, 13, 14].map((width) => makeImage(width, 10)));
    const results = await vertex(server.url, { accessToken: 't', maxInstancesPerRequest: 2 }).detectMany(images);
    expect(results.map((result) => result.image_size.width)).toEqual([10, 11, 12, 13, 14]);
    expect(server.requests.map((request) => JSON.parse(request.body.toString()).instances.length)).toEqual([2, 2, 1]);
  });

  it('downscales an image over the payload limit and reports boxes in the original frame', async () => {
    server = await startScriptedServer(async (request) => {
      const [{ image_base64 }] = JSON.parse(request.body.toString()).instances;
      const meta = await sharp(Buffer.from(image_base64, 'base64')).metadata();
      return { status: 200, body: { predictions: [resultFor(meta.width, meta.height, [[100, 200, 500, 250]])] } };
    });
    const png = await makeImage(1000, 700, 'png', { noise: true });
    const result = await vertex(server.url, { accessToken: 't', maxRequestBytes: 400_000 }).detect(png);
    const sent = Buffer.from(JSON.parse(server.requests[0].body.toString()).instances[0].image_base64, 'base64');
    expect(server.requests[0].body.length).toBeLessThanOrEqual(400_000);
    expect((await sharp(sent).metadata()).width).toBeLessThan(1000);
    expect(result.image_size).toEqual({ width: 1000, height: 700 });
    expect(result.bboxes[0]).toEqual({ bbox_normalized: [100, 200, 500, 250], bbox_pixel: [100, 140, 500, 175] });
  });

  it('maps a Google error body (numeric code) by status', async () => {
    server = await startScriptedServer([
      {
        status: 403,
        body: { error: { code: 403, message: 'Permission denied on endpoint', status: 'PERMISSION_DENIED' } },
      },
    ]);
    const error = await failure(vertex(server.url, { accessToken: 't' }).detect(await makeImage(8, 8)));
    expect(error).toMatchObject({ code: 'forbidden', status: 403, source: 'platform' });
    expect(error.message).toMatch(/Permission denied on endpoint/);
  });

  it('the factory builds the client of each cloud', () => {
    const client = createDetectorClient({ cloud: 'gcp', predictUrl: 'https://x.example/v1:predict', accessToken: 't' });
    clients.push(client);
    expect(client).toBeInstanceOf(VertexDetectorClient);
    expect(() => createDetectorClient({ cloud: 'oci' } as never)).toThrow(/cloud must be "aws", "gcp" or "azure"/);
  });
});
