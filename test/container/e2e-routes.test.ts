/**
 * End to end: the built controller as a process, with the stand-in vLLM, on every platform route, the pixel
 * arithmetic on images of known sizes, and every 4xx of the contract.
 */
import { connect } from 'node:net';
import { call, controlStandIn, postJson, startController, type ControllerProcess } from './helpers/controller-process';
import { headerOnlyPng, jpeg, jpegWithOrientation6, png, webp, withOrientation6 } from './helpers/images';

const RAW = '{"applicant_fields": [{"bbox": [100, 200, 500, 250]}, {"bbox": [0, 0, 1000, 1000]}], "count": 2}';
const b64 = (bytes: Buffer) => bytes.toString('base64');

let ctl: ControllerProcess;

beforeAll(async () => {
  ctl = await startController({ env: { STANDIN_OUTPUT: RAW, MAX_IMAGE_SIDE: '1024', MAX_BODY_BYTES: '2000000' } });
});
afterAll(async () => {
  await ctl?.stop();
});

const lastChatRequest = async () => {
  const { json } = await call(`${ctl.vllmUrl}/standin/requests`);
  return json.at(-1);
};

describe('platform routes', () => {
  it('SageMaker /invocations takes {"inputs": base64} and answers one DetectionResult', async () => {
    const res = await postJson(`${ctl.url}/invocations`, { inputs: b64(await png(2480, 3508)) });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      bboxes: [
        { bbox_normalized: [100, 200, 500, 250], bbox_pixel: [248, 701, 1240, 877] },
        { bbox_normalized: [0, 0, 1000, 1000], bbox_pixel: [0, 0, 2480, 3508] },
      ],
      count: 2,
      raw_output: RAW,
      image_size: { width: 2480, height: 3508 },
      model: 'pdfme-form-field-detector-lora',
    });
  });

  it('SageMaker /invocations takes raw image bytes for each image content type', async () => {
    const cases = [
      ['image/png', await png(300, 200), 300, 200],
      ['image/jpeg', await jpeg(301, 203), 301, 203],
      ['image/webp', await webp(302, 205), 302, 205],
      ['application/octet-stream', await png(303, 207), 303, 207],
    ] as const;
    for (const [type, bytes, width, height] of cases) {
      const res = await call(`${ctl.url}/invocations`, { body: bytes, contentType: type });
      expect(res.status).toBe(200);
      expect(res.json.image_size).toEqual({ width, height });
    }
  });

  it('Vertex /predict answers predictions in instance order', async () => {
    const sizes = [
      [640, 480],
      [100, 1000],
      [777, 333],
    ];
    const instances = await Promise.all(sizes.map(async ([w, h]) => ({ image_base64: b64(await png(w, h)) })));
    const res = await postJson(`${ctl.url}/predict`, { instances, parameters: { anything: true } });
    expect(res.status).toBe(200);
    expect(res.json.predictions.map((p: { image_size: unknown }) => p.image_size)).toEqual(
      sizes.map(([width, height]) => ({ width, height })),
    );
    expect(res.json.predictions[2].bboxes[0].bbox_pixel).toEqual([77, 66, 388, 83]);
  });

  it('Vertex /predict takes a data: prefix and line breaks inside an instance; parameters may be null', async () => {
    const wrapped = (bytes: Buffer) => b64(bytes).replace(/(.{64})/g, '$1\r\n');
    const instances = [
      { image_base64: `data:image/png;base64,${wrapped(await png(30, 40))}` },
      { image_base64: wrapped(await webp(50, 20)) },
    ];
    const res = await postJson(`${ctl.url}/predict`, { instances, parameters: null });
    expect(res.status).toBe(200);
    expect(res.json.predictions.map((p: { image_size: unknown }) => p.image_size)).toEqual([
      { width: 30, height: 40 },
      { width: 50, height: 20 },
    ]);
  });

  it('Azure /score takes {"image_base64"} with a data: prefix and line breaks', async () => {
    const encoded = b64(await jpeg(500, 400)).replace(/(.{76})/g, '$1\n');
    const res = await postJson(`${ctl.url}/score`, { image_base64: `data:image/jpeg;base64,${encoded}` });
    expect(res.status).toBe(200);
    expect(res.json.image_size).toEqual({ width: 500, height: 400 });
    expect(res.json.bboxes[0].bbox_pixel).toEqual([50, 80, 250, 100]);
  });

  it('health routes: /ping, /health/ready, /health/live, /health with details, /metrics', async () => {
    expect(await call(`${ctl.url}/ping`)).toMatchObject({ status: 200, json: { status: 'ready' } });
    expect(await call(`${ctl.url}/health/ready`)).toMatchObject({ status: 200, json: { status: 'ready' } });
    expect(await call(`${ctl.url}/health/live`)).toMatchObject({ status: 200 });
    const health = await call(`${ctl.url}/health`);
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({
      status: 'ready',
      base_model: 'Qwen/Qwen3-VL-8B-Instruct',
      adapter: 'takumi123xxx/pdfme-form-field-detector-lora',
      quantization: 'bitsandbytes',
      gpu: null,
      vllm: { state: 'ready', restarts: 0 },
      requests_in_flight: 0,
    });
    const metrics = await call(`${ctl.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const path of ['/ping', '/health', '/health/ready', '/health/live']) {
      expect((await call(`${ctl.url}${path}`)).headers['content-type']).toMatch(/^application\/json/);
    }
    for (const name of [
      'detector_http_request_duration_seconds_bucket{le="0.005",route="/invocations"',
      'detector_requests_in_flight',
      'detector_queue_depth',
      'detector_vllm_ready 1',
      'detector_vllm_restarts_total 0',
    ]) {
      expect(metrics.json).toContain(name);
    }
  });

  it('asks vLLM with the training prompt, greedy, MAX_NEW_TOKENS and the adapter as model', async () => {
    const bytes = await png(64, 48);
    await call(`${ctl.url}/invocations`, { body: bytes, contentType: 'image/png' });
    const sent = await lastChatRequest();
    expect(sent).toMatchObject({ model: 'pdfme-form-field-detector-lora', temperature: 0, max_tokens: 2048 });
    expect(sent.messages[0]).toEqual({
      role: 'system',
      content: expect.stringContaining('担当者（申請者・顧客）が記入する欄 → 検出対象'),
    });
    expect(sent.messages[1].content[1].text).toBe(
      'この画像から、担当者（申請者・顧客）が記入する入力フィールドの位置をすべて検出してください。\n職員が記入する欄は除外してください。\n結果はJSON形式で、各フィールドのbbox座標（0-1000正規化）を返してください。',
    );
    // Small enough: the client's bytes go through unchanged.
    expect(sent.messages[1].content[0].image_url.url).toBe(`data:image/png;base64,${b64(bytes)}`);
  });
});

describe('images and pixel arithmetic', () => {
  it('downscales an image over MAX_IMAGE_SIDE but answers in the uploaded frame', async () => {
    const res = await postJson(`${ctl.url}/invocations`, { inputs: b64(await png(3000, 1500)) });
    expect(res.json.image_size).toEqual({ width: 3000, height: 1500 });
    expect(res.json.bboxes[0].bbox_pixel).toEqual([300, 300, 1500, 375]);
    const sharp = (await import('sharp')).default;
    const url: string = (await lastChatRequest()).messages[1].content[0].image_url.url;
    const sent = await sharp(Buffer.from(url.split(',')[1], 'base64')).metadata();
    expect([sent.width, sent.height]).toEqual([1024, 512]);
  });

  it('applies EXIF orientation 6: image_size is the displayed frame and the model sees it upright', async () => {
    const res = await call(`${ctl.url}/invocations`, {
      body: await jpegWithOrientation6(400, 200),
      contentType: 'image/jpeg',
    });
    expect(res.status).toBe(200);
    expect(res.json.image_size).toEqual({ width: 200, height: 400 });
    expect(res.json.bboxes[0].bbox_pixel).toEqual([20, 80, 100, 100]);
    const sharp = (await import('sharp')).default;
    const url: string = (await lastChatRequest()).messages[1].content[0].image_url.url;
    const sent = await sharp(Buffer.from(url.split(',')[1], 'base64')).metadata();
    expect([sent.width, sent.height]).toEqual([200, 400]);
  });

  it.each(['png', 'webp'] as const)(
    'applies EXIF orientation 6 in a %s too, small or downscaled, in image_size and in what the model sees',
    async (format) => {
      const sharp = (await import('sharp')).default;
      for (const [stored, displayed, sent] of [
        [[400, 200], { width: 200, height: 400 }, [200, 400]],
        [[2000, 1000], { width: 1000, height: 2000 }, [512, 1024]],
      ] as const) {
        const res = await call(`${ctl.url}/invocations`, {
          body: await withOrientation6(format, stored[0], stored[1]),
          contentType: `image/${format}`,
        });
        expect(res.status).toBe(200);
        expect(res.json.image_size).toEqual(displayed);
        const url: string = (await lastChatRequest()).messages[1].content[0].image_url.url;
        const image = sharp(Buffer.from(url.split(',')[1], 'base64'));
        const { width, height, orientation } = await image.metadata();
        // vLLM does not apply EXIF orientation: what it gets must be upright already.
        expect([width, height]).toEqual(sent);
        expect(orientation ?? 1).toBe(1);
      }
    },
  );

  it('floors odd sizes', async () => {
    await controlStandIn(ctl, { output: '[{"bbox_2d": [333, 1, 999, 667]}]' });
    try {
      const res = await call(`${ctl.url}/invocations`, { body: await png(7, 3), contentType: 'image/png' });
      expect(res.json.bboxes).toEqual([{ bbox_normalized: [333, 1, 999, 667], bbox_pixel: [2, 0, 6, 2] }]);
    } finally {
      await controlStandIn(ctl, { output: RAW });
    }
  });

  it('answers count 0 with the raw text when the model output has no boxes', async () => {
    await controlStandIn(ctl, { output: 'フィールドは見つかりませんでした。' });
    try {
      const res = await postJson(`${ctl.url}/score`, { image_base64: b64(await png(10, 10)) });
      expect(res).toMatchObject({
        status: 200,
        json: { bboxes: [], count: 0, raw_output: 'フィールドは見つかりませんでした。' },
      });
    } finally {
      await controlStandIn(ctl, { output: RAW });
    }
  });
});

describe('errors', () => {
  const expectError = (res: Awaited<ReturnType<typeof call>>, status: number, code: string, message?: RegExp) => {
    expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status, code });
    expect(typeof res.json.error.message).toBe('string');
    if (message) expect(res.json.error.message).toMatch(message);
  };

  it('400 invalid_request: malformed JSON, wrong types, missing fields, bad base64, empty body', async () => {
    const url = `${ctl.url}/invocations`;
    expectError(
      await call(url, { body: '{"inputs": "abc', contentType: 'application/json' }),
      400,
      'invalid_request',
      /JSON/,
    );
    expectError(await postJson(url, { inputs: 42 }), 400, 'invalid_request', /inputs/);
    expectError(await postJson(url, { image: 'abc' }), 400, 'invalid_request', /inputs/);
    expectError(await postJson(url, ['not', 'an', 'object']), 400, 'invalid_request');
    expectError(await postJson(url, { inputs: 'this is *not* base64!' }), 400, 'invalid_request', /base64/);
    expectError(await postJson(url, { inputs: '' }), 400, 'invalid_request', /empty/);
    expectError(
      await call(url, { method: 'POST', body: '', contentType: 'application/json' }),
      400,
      'invalid_request',
      /empty/,
    );
    expectError(
      await call(url, { method: 'POST', body: Buffer.alloc(0), contentType: 'image/png' }),
      400,
      'invalid_request',
      /empty/,
    );
    expectError(await postJson(`${ctl.url}/score`, {}), 400, 'invalid_request', /image_base64/);
    expectError(await postJson(`${ctl.url}/predict`, { instances: [] }), 400, 'invalid_request', /at least one/);
    expectError(await postJson(`${ctl.url}/predict`, { instances: 'x' }), 400, 'invalid_request', /instances/);
  });

  it('400 naming the index of the one bad Vertex instance', async () => {
    const good = { image_base64: b64(await png(20, 20)) };
    expectError(
      await postJson(`${ctl.url}/predict`, {
        instances: [good, good, { image_base64: b64(Buffer.from('not an image')) }],
      }),
      400,
      'invalid_image',
      /instances\[2\]\.image_base64/,
    );
    expectError(
      await postJson(`${ctl.url}/predict`, { instances: [good, { image_base64: 7 }] }),
      400,
      'invalid_request',
      /instances\[1\]\.image_base64/,
    );
  });

  it('400 invalid_image: text posing as an image, a truncated PNG, zero-size and 60 megapixels', async () => {
    const url = `${ctl.url}/invocations`;
    expectError(
      await call(url, { body: Buffer.from('hello, I am a PNG'), contentType: 'image/png' }),
      400,
      'invalid_image',
    );
    const whole = await png(200, 200);
    expectError(
      await call(url, { body: whole.subarray(0, Math.floor(whole.length / 2)), contentType: 'image/png' }),
      400,
      'invalid_image',
      /truncated/,
    );
    expectError(await postJson(url, { inputs: b64(headerOnlyPng(0, 100)) }), 400, 'invalid_image');
    const huge = headerOnlyPng(10_000, 6_000);
    expect(huge.length).toBeLessThan(100);
    expectError(await call(url, { body: huge, contentType: 'image/png' }), 400, 'invalid_image', /megapixel/);
    const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
    expectError(await postJson(url, { inputs: b64(gif) }), 400, 'invalid_image', /gif/);
    // image/gif is an image content type (415 is for neither JSON nor an image): the bytes decide, 400.
    expectError(await call(url, { body: gif, contentType: 'image/gif' }), 400, 'invalid_image', /gif/);
  });

  it('"over 50 megapixels": exactly 50 000 000 pixels passes the size check, one row more does not', async () => {
    const url = `${ctl.url}/invocations`;
    // Header-only PNGs: 10000×5000 gets past the pixel limit and is then refused as truncated.
    const at = await call(url, { body: headerOnlyPng(10_000, 5_000), contentType: 'image/png' });
    expectError(at, 400, 'invalid_image', /truncated/);
    const over = await call(url, { body: headerOnlyPng(10_000, 5_001), contentType: 'image/png' });
    expectError(over, 400, 'invalid_image', /50-megapixel/);
  });

  it('404 not_found and 405 method_not_allowed', async () => {
    expectError(await call(`${ctl.url}/v1/chat/completions`), 404, 'not_found');
    expectError(
      await call(`${ctl.url}/nothing`, { method: 'POST', body: '{}', contentType: 'application/json' }),
      404,
      'not_found',
    );
    const res = await call(`${ctl.url}/invocations`);
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe('POST');
    expectError(await call(`${ctl.url}/ping`, { method: 'DELETE' }), 405, 'method_not_allowed');
    for (const [method, path] of [
      ['GET', '/score'],
      ['GET', '/predict'],
      ['POST', '/ping'],
      ['POST', '/health'],
      ['POST', '/health/live'],
      ['POST', '/health/ready'],
      ['POST', '/metrics'],
    ]) {
      const wrong = await call(`${ctl.url}${path}`, { method, body: method === 'POST' ? '{}' : undefined });
      expectError(wrong, 405, 'method_not_allowed');
      expect(wrong.headers['content-type']).toMatch(/^application\/json/);
    }
  });

  it('a malformed URL or HTTP request still gets the JSON error form', async () => {
    expectError(await call(`${ctl.url}/%zz`), 400, 'invalid_request');
    const answer = await new Promise<string>((done, fail) => {
      const { hostname, port } = new URL(ctl.url);
      const socket = connect(Number(port), hostname);
      let received = '';
      socket.on('data', (data) => (received += data.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => done(received));
      socket.setTimeout(5_000, () => fail(new Error(`no answer to the malformed request: ${received}`)));
      socket.write('GET /ping HTTP/1.1\r\nHost: x\r\nthis is no header\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body).toEqual({ error: { code: 'invalid_request', message: expect.any(String) } });
    expect((await call(`${ctl.url}/ping`)).status).toBe(200);
  });

  it('413 payload_too_large before the body is read, and for chunked bodies', async () => {
    // MAX_BODY_BYTES=2000000 itself is allowed (the bytes are then refused as no image); one byte more is not.
    expectError(
      await call(`${ctl.url}/invocations`, { body: Buffer.alloc(2_000_000, 1), contentType: 'image/png' }),
      400,
      'invalid_image',
    );
    expectError(
      await call(`${ctl.url}/invocations`, { body: Buffer.alloc(2_000_001, 1), contentType: 'image/png' }),
      413,
      'payload_too_large',
    );
    const big = Buffer.alloc(2_500_000, 1);
    expectError(
      await call(`${ctl.url}/invocations`, { body: big, contentType: 'image/png' }),
      413,
      'payload_too_large',
    );
    // A chunked upload (no Content-Length) over the limit, on a raw socket: the controller answers 413 while
    // the client is still sending and then closes, so writes may fail; what it answered is read all the same.
    const answer = await new Promise<string>((done, fail) => {
      const { hostname, port } = new URL(ctl.url);
      const socket = connect(Number(port), hostname);
      let received = '';
      socket.on('data', (data) => (received += data.toString('latin1')));
      socket.on('error', () => undefined); // EPIPE/ECONNRESET once the controller has answered and closed
      socket.on('close', () => done(received));
      socket.setTimeout(10_000, () => fail(new Error(`no answer to the chunked upload: ${received}`)));
      socket.write(
        'POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      const chunk = Buffer.alloc(100_000, 2);
      let sent = 0;
      const sendMore = () => {
        while (sent < 30 && !socket.destroyed) {
          sent++;
          // One write per chunk, so back-pressure never splits a chunk from its size line.
          const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
          if (!socket.write(framed)) return void socket.once('drain', sendMore);
        }
        if (!socket.destroyed) socket.end('0\r\n\r\n');
      };
      sendMore();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"payload_too_large"');
    // The controller is unharmed.
    expect((await call(`${ctl.url}/ping`)).status).toBe(200);
  });

  it('415 unsupported_media_type', async () => {
    expectError(
      await call(`${ctl.url}/invocations`, { body: 'hello', contentType: 'text/plain' }),
      415,
      'unsupported_media_type',
    );
    expectError(
      await call(`${ctl.url}/invocations`, { body: 'a=b', contentType: 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    );
    expectError(
      await call(`${ctl.url}/score`, { body: await png(5, 5), contentType: 'image/png' }),
      415,
      'unsupported_media_type',
      /application\/json/,
    );
  });

  it('502 upstream_error when vLLM answers with an error', async () => {
    await controlStandIn(ctl, { errorStatus: 500 });
    try {
      expectError(
        await postJson(`${ctl.url}/score`, { image_base64: b64(await png(10, 10)) }),
        502,
        'upstream_error',
        /HTTP 500/,
      );
    } finally {
      await controlStandIn(ctl, { errorStatus: 0 });
    }
    expect((await postJson(`${ctl.url}/score`, { image_base64: b64(await png(10, 10)) })).status).toBe(200);
  });

  it('counts rejects by code in /metrics', async () => {
    const metrics = await call(`${ctl.url}/metrics`);
    expect(metrics.json).toMatch(/detector_rejected_requests_total\{code="invalid_image"\} [1-9]/);
    expect(metrics.json).toMatch(/detector_rejected_requests_total\{code="payload_too_large"\} [1-9]/);
  });
});
