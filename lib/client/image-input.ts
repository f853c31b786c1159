/** What callers may pass as an image, read into bytes and checked to be a PNG, JPEG or WebP before anything is sent. */
import { readFile } from 'node:fs/promises';
import { imageSize } from 'image-size';
import { DetectorError, refuse } from './detector-error';

/** A file path, the image's bytes, or its base64 (a `data:image/...;base64,` prefix and line breaks are fine). */
export type ImageInput = string | Uint8Array | { base64: string };

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export const CONTENT_TYPES: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

const SEND_INSTEAD = 'send a PNG, JPEG or WebP image';

/** An image the client has read and checked. */
export interface CheckedImage {
  bytes: Buffer;
  format: ImageFormat;
  contentType: string;
  /** Stored dimensions, before EXIF orientation. */
  width: number;
  height: number;
  /** EXIF orientation 1–8 when the file has one. */
  orientation: number | undefined;
  /** How to name this image in messages: the path, or "the image bytes". */
  label: string;
}

/** Reads an input into bytes; `noun` names what it should be in messages ("image", "PDF", "document"). */
export async function readImageInput(input: ImageInput, noun = 'image'): Promise<{ bytes: Buffer; label: string }> {
  if (typeof input === 'string') {
    try {
      return { bytes: await readFile(input), label: input };
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new DetectorError('invalid_request', `cannot read the ${noun} file ${input}: ${reason}`, {
        source: 'client',
        retryable: false,
        cause: error,
      });
    }
  }
  if (input instanceof Uint8Array) {
    return { bytes: Buffer.from(input.buffer, input.byteOffset, input.byteLength), label: `the ${noun} bytes` };
  }
  if (input && typeof input === 'object' && typeof input.base64 === 'string') {
    return { bytes: decodeBase64(input.base64), label: `the base64 ${noun}` };
  }
  throw refuse('invalid_request', `unsupported ${noun} input: pass a file path, a Uint8Array/Buffer, or { base64 }`);
}

/** Decodes base64, refusing anything that is not base64 rather than silently dropping characters. */
export function decodeBase64(text: string): Buffer {
  const body = text.replace(/^data:[^,]*;base64,/i, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(body) || body.length % 4 === 1) {
    throw refuse('invalid_request', 'the base64 image is not valid base64; send the image bytes base64-encoded');
  }
  return Buffer.from(body, body.includes('-') || body.includes('_') ? 'base64url' : 'base64');
}

/** Reads the image's header (no decode) and refuses anything but a non-empty PNG, JPEG or WebP. */
export function checkImage(bytes: Buffer, label: string): CheckedImage {
  if (bytes.length === 0) throw refuse('invalid_image', `${label} is empty; ${SEND_INSTEAD}`);
  if (bytes.subarray(0, 1024).includes('%PDF-')) {
    throw refuse(
      'invalid_image',
      `${label} is a PDF; detect() takes one image — use detectPdf() (every page is rendered and sent) or form-detect, which takes PDFs`,
    );
  }
  let info: ReturnType<typeof imageSize>;
  try {
    info = imageSize(bytes);
  } catch {
    throw refuse('invalid_image', `${label} is not an image we can read; ${SEND_INSTEAD}`);
  }
  const format = info.type === 'png' ? 'png' : info.type === 'jpg' ? 'jpeg' : info.type === 'webp' ? 'webp' : undefined;
  if (!format) throw refuse('invalid_image', `${label} is a ${info.type} image; ${SEND_INSTEAD}`);
  if (!info.width || !info.height) throw refuse('invalid_image', `${label} has zero width or height; ${SEND_INSTEAD}`);
  return {
    bytes,
    format,
    contentType: CONTENT_TYPES[format],
    width: info.width,
    height: info.height,
    orientation: info.orientation,
    label,
  };
}

/** Width and height as displayed: EXIF orientations 5–8 swap the axes. */
export function displayedSize(image: Pick<CheckedImage, 'width' | 'height' | 'orientation'>): {
  width: number;
  height: number;
} {
  const swap = image.orientation !== undefined && image.orientation >= 5 && image.orientation <= 8;
  return swap ? { width: image.height, height: image.width } : { width: image.width, height: image.height };
}

export async function loadImage(input: ImageInput): Promise<CheckedImage> {
  const { bytes, label } = await readImageInput(input);
  return checkImage(bytes, label);
}
