/**
 * Makes an image fit a platform before it is sent: checked to be an image, and when the request would be over the
 * payload limit (or the image over the container's pixel cap), downscaled with sharp — EXIF-rotated, aspect kept,
 * same format — until it fits.
 */
import { refuse } from './detector-error';
import {
  checkImage,
  displayedSize,
  loadImage,
  type CheckedImage,
  type ImageFormat,
  type ImageInput,
} from './image-input';
import { MAX_PIXELS } from './payload-limits';

export interface PreparedImage {
  /** What goes on the wire. */
  bytes: Buffer;
  contentType: string;
  /** The caller's image as displayed (EXIF orientation applied): the frame results are reported in. */
  original: { width: number; height: number };
  /** True when `bytes` is a downscaled copy rather than the caller's bytes. */
  downscaled: boolean;
  label: string;
}

export interface PrepareOptions {
  /** Largest request the platform takes, in bytes. */
  maxRequestBytes: number;
  /** The request size for an image of n raw bytes (JSON + base64 for HTTP clients, n for SageMaker). */
  requestBytes: (imageBytes: number) => number;
}

/** Smallest long side we downscale to before giving up: below this the model cannot read a form. */
export const MIN_LONG_SIDE = 256;
const MAX_ATTEMPTS = 8;

export async function prepareImage(input: ImageInput, options: PrepareOptions): Promise<PreparedImage> {
  return prepareChecked(await loadImage(input), options);
}

export async function prepareChecked(image: CheckedImage, options: PrepareOptions): Promise<PreparedImage> {
  const original = displayedSize(image);
  const fitsBytes = options.requestBytes(image.bytes.length) <= options.maxRequestBytes;
  const fitsPixels = image.width * image.height <= MAX_PIXELS;
  if (fitsBytes && fitsPixels) {
    return { bytes: image.bytes, contentType: image.contentType, original, downscaled: false, label: image.label };
  }
  return downscale(image, original, options);
}

async function downscale(
  image: CheckedImage,
  original: { width: number; height: number },
  options: PrepareOptions,
): Promise<PreparedImage> {
  const { default: sharp } = await import('sharp');
  const longSide = Math.max(original.width, original.height);
  // Start under the pixel cap, then shrink by the square root of how much too big the last try was.
  let scale = Math.min(1, Math.sqrt(MAX_PIXELS / (original.width * original.height)));
  let size = options.requestBytes(image.bytes.length);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    scale = Math.min(scale, scale * Math.sqrt(options.maxRequestBytes / size) * 0.95);
    const target = Math.floor(longSide * scale);
    if (target < MIN_LONG_SIDE) break;
    const resized = sharp(image.bytes, { limitInputPixels: false })
      .autoOrient()
      .resize({ width: target, height: target, fit: 'inside', withoutEnlargement: true });
    const bytes = await encode(resized, image.format).toBuffer();
    size = options.requestBytes(bytes.length);
    if (size <= options.maxRequestBytes) {
      checkImage(bytes, image.label);
      return { bytes, contentType: image.contentType, original, downscaled: true, label: image.label };
    }
  }
  throw refuse(
    'payload_too_large',
    `${image.label} (${original.width}×${original.height}, ${image.bytes.length} bytes) does not fit the ` +
      `${options.maxRequestBytes}-byte request limit even downscaled to ${MIN_LONG_SIDE} px; ` +
      'send a smaller or more compressible image (e.g. a JPEG of the page)',
  );
}

function encode(pipeline: import('sharp').Sharp, format: ImageFormat): import('sharp').Sharp {
  switch (format) {
    case 'png':
      return pipeline.png({ compressionLevel: 9 });
    case 'jpeg':
      return pipeline.jpeg({ quality: 90 });
    case 'webp':
      return pipeline.webp({ quality: 90 });
  }
}
