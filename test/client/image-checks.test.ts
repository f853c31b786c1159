import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DetectorError } from '../../lib/client';
import { detectionResultProblem, toOriginalFrame } from '../../lib/client/detection-result';
import { decodeBase64, loadImage } from '../../lib/client/image-input';
import { MAX_PIXELS, requestBytes } from '../../lib/client/payload-limits';
import { prepareImage } from '../../lib/client/prepare-image';
import { makeImage, resultFor } from './helpers';

const refusal = async (promise: Promise<unknown>): Promise<DetectorError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DetectorError);
  return error as DetectorError;
};

describe('client-side image checks', () => {
  it('accepts PNG, JPEG and WebP from bytes, base64 with a data: prefix, and a file path', async () => {
    const png = await makeImage(30, 20, 'png');
    const jpeg = await makeImage(30, 20, 'jpeg');
    const webp = await makeImage(30, 20, 'webp');
    expect((await loadImage(png)).contentType).toBe('image/png');
    expect((await loadImage(jpeg)).contentType).toBe('image/jpeg');
    expect((await loadImage({ base64: `data:image/webp;base64,${webp.toString('base64')}` })).contentType).toBe(
      'image/webp',
    );
    const wrapped = png.toString('base64').replace(/(.{60})/g, '$1\n');
    expect((await loadImage({ base64: wrapped })).width).toBe(30);
    const dir = await mkdtemp(join(tmpdir(), 'client-'));
    await writeFile(join(dir, 'a.png'), png);
    expect(await loadImage(join(dir, 'a.png'))).toMatchObject({ width: 30, height: 20, label: join(dir, 'a.png') });
  });

  it('refuses bytes that are not an image, naming what to send instead', async () => {
    const error = await refusal(loadImage(Buffer.from('GIF8 neither an image nor a PDF')));
    expect(error).toMatchObject({ code: 'invalid_image', source: 'client', retryable: false });
    expect(error.message).toMatch(/not an image.*PNG, JPEG or WebP/);
  });

  it('refuses a PDF, pointing to detectPdf', async () => {
    const error = await refusal(loadImage(Buffer.from('%PDF-1.7 a PDF')));
    expect(error).toMatchObject({ code: 'invalid_image', source: 'client', retryable: false });
    expect(error.message).toMatch(/is a PDF; detect\(\) takes one image — use detectPdf\(\)/);
  });

  it('refuses an image format the container does not take, naming the format', async () => {
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'white' } })
      .gif()
      .toBuffer();
    const error = await refusal(loadImage(gif));
    expect(error.code).toBe('invalid_image');
    expect(error.message).toMatch(/is a gif image; send a PNG, JPEG or WebP/);
  });

  it('refuses empty input, bad base64 and a missing file', async () => {
    expect((await refusal(loadImage(new Uint8Array(0)))).message).toMatch(/empty/);
    expect((await refusal(loadImage({ base64: 'not base64!' }))).code).toBe('invalid_request');
    expect(() => decodeBase64('ab$d')).toThrow(/not valid base64/);
    const missing = await refusal(loadImage('/nonexistent/scan.png'));
    expect(missing).toMatchObject({ code: 'invalid_request' });
    expect(missing.message).toMatch(/cannot read the image file \/nonexistent\/scan.png: no such file/);
  });
});

describe('fitting the payload limit', () => {
  const limit = (maxRequestBytes: number) => ({
    maxRequestBytes,
    requestBytes: (bytes: number) => requestBytes('gcp', bytes),
  });

  it('sends the caller bytes untouched when they fit', async () => {
    const png = await makeImage(64, 48);
    const prepared = await prepareImage(png, limit(1_000_000));
    expect(prepared.downscaled).toBe(false);
    expect(prepared.bytes.equals(png)).toBe(true);
    expect(prepared.original).toEqual({ width: 64, height: 48 });
  });

  it('downscales an oversize image, keeping aspect and format, until the request fits', async () => {
    const png = await makeImage(800, 400, 'png', { noise: true });
    const max = 300_000;
    expect(requestBytes('gcp', png.length)).toBeGreaterThan(max);
    const prepared = await prepareImage(png, limit(max));
    expect(prepared.downscaled).toBe(true);
    expect(requestBytes('gcp', prepared.bytes.length)).toBeLessThanOrEqual(max);
    const meta = await sharp(prepared.bytes).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeLessThan(800);
    expect(Math.abs(meta.width / meta.height - 2)).toBeLessThan(0.02);
    expect(prepared.original).toEqual({ width: 800, height: 400 });
  });

  it('applies EXIF orientation when downscaling and reports the displayed size as the original', async () => {
    // Stored 600×300, orientation 6 (rotate 90°): displayed 300×600.
    const jpeg = await makeImage(600, 300, 'jpeg', { noise: true, orientation: 6 });
    const prepared = await prepareImage(jpeg, limit(60_000));
    expect(prepared.downscaled).toBe(true);
    expect(prepared.original).toEqual({ width: 300, height: 600 });
    const meta = await sharp(prepared.bytes).metadata();
    expect(meta.orientation ?? 1).toBe(1);
    expect(meta.height).toBeGreaterThan(meta.width);
  });

  it("downscales an image over the container's 50-megapixel cap even when its bytes fit", async () => {
    const huge = await sharp({ create: { width: 7100, height: 7100, channels: 3, background: 'white' } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const prepared = await prepareImage(huge, limit(10_000_000));
    expect(requestBytes('gcp', huge.length)).toBeLessThan(10_000_000);
    expect(prepared.downscaled).toBe(true);
    const meta = await sharp(prepared.bytes).metadata();
    expect(meta.width * meta.height).toBeLessThanOrEqual(MAX_PIXELS);
    expect(meta.width).toBeGreaterThan(6000);
    expect(prepared.original).toEqual({ width: 7100, height: 7100 });
  });

  it('refuses, naming the limit, an image that cannot fit even downscaled', async () => {
    const png = await makeImage(600, 600, 'png', { noise: true });
    const error = await refusal(prepareImage(png, limit(2_000)));
    expect(error).toMatchObject({ code: 'payload_too_large', source: 'client', retryable: false });
    expect(error.message).toMatch(/does not fit the 2000-byte request limit/);
  });

  it('restates boxes in the original frame from bbox_normalized', () => {
    const fromServer = resultFor(400, 200, [[100, 200, 500, 250]]);
    expect(toOriginalFrame(fromServer, { width: 2480, height: 1240 })).toMatchObject({
      bboxes: [{ bbox_normalized: [100, 200, 500, 250], bbox_pixel: [248, 248, 1240, 310] }],
      count: 1,
      image_size: { width: 2480, height: 1240 },
    });
  });
});

describe('checking answers', () => {
  it('names what is wrong with an answer that is not a DetectionResult', () => {
    const good = resultFor(10, 10);
    expect(detectionResultProblem(good)).toBeUndefined();
    expect(detectionResultProblem([])).toBe('body: not a JSON object');
    expect(
      detectionResultProblem({ ...good, bboxes: [{ bbox_normalized: [1, 2, 3], bbox_pixel: [1, 2, 3, 4] }] }),
    ).toBe('bboxes[0].bbox_normalized: not 4 numbers');
    expect(detectionResultProblem({ ...good, count: -1 })).toBe('count: not a non-negative integer');
    expect(detectionResultProblem({ ...good, raw_output: null })).toBe('raw_output: not a string');
    // `model` may be absent (older containers), but when present it names the model.
    expect(detectionResultProblem({ ...good, model: 'pdfme-form-field-detector-lora' })).toBeUndefined();
    expect(detectionResultProblem({ ...good, model: 42 })).toBe('model: not a non-empty string');
    expect(detectionResultProblem({ ...good, image_size: { width: 0, height: 5 } })).toMatch(/^image_size/);
  });
});
