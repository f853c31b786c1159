/**
 * Image intake: base64 decoding, a header sniff that never decodes pixels (image-size), and the downscale to
 * MAX_IMAGE_SIDE with EXIF orientation applied (sharp) only when one of them is needed. Otherwise the client's
 * bytes (its very base64 string when it sent base64) go to the model unchanged.
 */
import { imageSize } from 'image-size';
import sharp from 'sharp';
import { MAX_IMAGE_PIXELS } from './contract';
import { invalidImage, invalidRequest } from './errors';

// One libvips thread per image: libuv already runs up to four resizes side by side, and more threads than cores
// starve the event loop that answers health checks.
sharp.concurrency(1);

export type ImageType = 'png' | 'jpeg' | 'webp';

const MIME: Record<ImageType, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };
const SNIFFED_TYPES: Record<string, ImageType> = { png: 'png', jpg: 'jpeg', webp: 'webp' };
const SEND_INSTEAD = 'send a PNG, JPEG or WebP image';

export interface DecodedBase64 {
  bytes: Buffer;
  /** Standard base64 of `bytes`, ready to splice into a data URI. */
  base64: string;
}

/**
 * Decodes base64 that may carry a `data:image/...;base64,` prefix and line breaks; URL-safe base64 is
 * accepted too. `field` names the field in error messages.
 */
export function decodeBase64Image(value: string, field: string): DecodedBase64 {
  let text = value;
  if (text.startsWith('data:')) {
    const comma = text.indexOf(',');
    if (comma === -1 || !text.slice(0, comma).endsWith(';base64')) {
      throw invalidRequest(`${field} is a data URI without ";base64,": send data:image/png;base64,<base64>`);
    }
    text = text.slice(comma + 1);
  }
  return decodeStandardBase64(text) ?? decodeLenientBase64(text, field);
}

/**
 * The fast path for what clients almost always send: padded standard base64, no line breaks. Node's decoder
 * skips characters outside the alphabet, so a string decodes to exactly 3/4 of its length (less padding) only
 * if every character is valid; the alphabet's URL-safe letters and misplaced padding are ruled out by indexOf.
 * One decode and a few memchr-speed scans instead of regular expressions over a megabyte string.
 */
function decodeStandardBase64(text: string): DecodedBase64 | undefined {
  const length = text.length;
  if (length === 0 || length % 4 !== 0 || text.includes('-') || text.includes('_')) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const firstPad = text.indexOf('=');
  if (firstPad !== -1 && firstPad < length - padding) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== (length / 4) * 3 - padding) return undefined;
  return { bytes, base64: text };
}

/** Line breaks, URL-safe or unpadded base64, and every error, with a message that says where. */
function decodeLenientBase64(value: string, field: string): DecodedBase64 {
  const text = /\s/.test(value) ? value.replace(/\s+/g, '') : value;
  if (text.length === 0) throw invalidRequest(`${field} is empty: send the image as base64`);
  const firstPad = text.indexOf('=');
  const badChar = /[^A-Za-z0-9+/=_-]/.exec(text);
  if (badChar || (firstPad !== -1 && !/^=+$/.test(text.slice(firstPad))) || text.length % 4 === 1) {
    const where = badChar ? ` (character ${JSON.stringify(badChar[0])} at position ${badChar.index})` : '';
    throw invalidRequest(`${field} is not valid base64${where}: send the image bytes encoded as standard base64`);
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) throw invalidRequest(`${field} decodes to no bytes: send the image as base64`);
  // URL-safe or unpadded input is re-encoded so the data URI holds standard base64.
  const standard = /[-_]/.test(text) || text.length % 4 !== 0 ? bytes.toString('base64') : text;
  return { bytes, base64: standard };
}

export interface InspectedImage {
  bytes: Buffer;
  /** The client's standard base64 of `bytes`, when it sent base64. */
  base64?: string;
  type: ImageType;
  /** EXIF orientation (1 = as stored). */
  orientation: number;
  /** Size as displayed, i.e. after EXIF orientation: the frame of `bbox_pixel`. */
  width: number;
  height: number;
}

/** A PNG/JPEG/WebP whose end is missing was cut short: checked from its end markers, without decoding. */
function looksComplete(bytes: Buffer, type: ImageType): boolean {
  switch (type) {
    case 'png':
      // The IEND chunk closes every PNG (a few trailing bytes after it are tolerated).
      return bytes.subarray(Math.max(0, bytes.length - 64)).includes('IEND');
    case 'jpeg':
      // The EOI marker (FF D9); some cameras append trailers, so look within the last 4 KiB.
      return bytes.subarray(Math.max(0, bytes.length - 4096)).includes(Buffer.from([0xff, 0xd9]));
    case 'webp':
      // The RIFF header states the file length.
      return bytes.length >= 12 && bytes.readUInt32LE(4) + 8 <= bytes.length;
  }
}

/** The Orientation tag (0x0112) of IFD0 in a TIFF-structured EXIF block (an `Exif\0\0` prefix is skipped). */
export function exifOrientation(exif: Buffer): number | undefined {
  const tiff = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  if (tiff.length < 8) return undefined;
  const marker = tiff.toString('latin1', 0, 2);
  if (marker !== 'II' && marker !== 'MM') return undefined;
  const little = marker === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const entries = u16(ifd);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return undefined;
    if (u16(entry) === 0x0112) return u16(entry + 8);
  }
  return undefined;
}

/**
 * The EXIF block of a PNG (`eXIf` chunk) or WebP (`EXIF` chunk), found by walking the chunk headers (no pixel
 * data is read). image-size reads EXIF orientation from JPEGs only; sharp and browsers honour it in all three.
 */
function exifOf(bytes: Buffer, type: ImageType): Buffer | undefined {
  if (type === 'png') {
    for (let at = 8; at + 8 <= bytes.length;) {
      const length = bytes.readUInt32BE(at);
      const chunk = bytes.toString('latin1', at + 4, at + 8);
      if (chunk === 'eXIf') return bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length));
      if (chunk === 'IEND') return undefined;
      at += 12 + length;
    }
  } else if (type === 'webp') {
    for (let at = 12; at + 8 <= bytes.length;) {
      const chunk = bytes.toString('latin1', at, at + 4);
      const length = bytes.readUInt32LE(at + 4);
      if (chunk === 'EXIF') return bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length));
      at += 8 + length + (length % 2);
    }
  }
  return undefined;
}

function orientationOf(bytes: Buffer, type: ImageType, sniffed: number | undefined): number {
  let orientation = sniffed;
  if (type !== 'jpeg') {
    const exif = exifOf(bytes, type);
    orientation = exif ? exifOrientation(exif) : undefined;
  }
  return orientation && orientation >= 1 && orientation <= 8 ? orientation : 1;
}

/** Reads type and size from the header; refuses non-images, empty, truncated and over-50-megapixel images. */
export function inspectImage(bytes: Buffer, base64?: string): InspectedImage {
  let info: ReturnType<typeof imageSize>;
  try {
    info = imageSize(bytes);
  } catch {
    throw invalidImage(`the bytes are not a readable PNG, JPEG or WebP image: ${SEND_INSTEAD}`);
  }
  const type = SNIFFED_TYPES[info.type ?? ''];
  if (!type) throw invalidImage(`the image is ${info.type ?? 'of an unknown type'}: ${SEND_INSTEAD}`);
  const storedWidth = info.width ?? 0;
  const storedHeight = info.height ?? 0;
  if (storedWidth <= 0 || storedHeight <= 0) {
    throw invalidImage(`the image is zero-sized (${storedWidth}×${storedHeight}): ${SEND_INSTEAD} with pixels`);
  }
  if (storedWidth * storedHeight > MAX_IMAGE_PIXELS) {
    const mp = ((storedWidth * storedHeight) / 1e6).toFixed(1);
    throw invalidImage(
      `the image is ${storedWidth}×${storedHeight} (${mp} megapixels), over the ${MAX_IMAGE_PIXELS / 1e6}-megapixel limit: downscale it first`,
    );
  }
  if (!looksComplete(bytes, type)) {
    throw invalidImage(`the ${type.toUpperCase()} data is truncated (its end is missing): send the whole file`);
  }
  const orientation = orientationOf(bytes, type, info.orientation);
  const swapped = orientation >= 5;
  return {
    bytes,
    base64,
    type,
    orientation,
    width: swapped ? storedHeight : storedWidth,
    height: swapped ? storedWidth : storedHeight,
  };
}

export interface ModelImage {
  /** e.g. image/png: the data URI's media type. */
  mimeType: string;
  /** Standard base64 of the image (kept apart from the `data:` prefix so it is never copied into a joined string). */
  base64: string;
  /** Whether sharp re-encoded the image (downscale and/or EXIF rotation). */
  transformed: boolean;
}

/** The image as the model gets it: at most `maxSide` px on its long side, upright, base64-encoded. */
export async function toModelImage(image: InspectedImage, maxSide: number): Promise<ModelImage> {
  const needsResize = Math.max(image.width, image.height) > maxSide;
  const needsRotation = image.orientation > 1;
  if (!needsResize && !needsRotation) {
    const base64 = image.base64 ?? image.bytes.toString('base64');
    return { mimeType: MIME[image.type], base64, transformed: false };
  }
  let pipeline = sharp(image.bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' })
    .rotate()
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
  pipeline =
    image.type === 'jpeg'
      ? pipeline.jpeg({ quality: 92 })
      : image.type === 'webp'
        ? pipeline.webp({ quality: 92 })
        : pipeline.png({ compressionLevel: 3 });
  let output: Buffer;
  try {
    output = await pipeline.toBuffer();
  } catch (error) {
    throw invalidImage(`the image could not be decoded (${(error as Error).message}): ${SEND_INSTEAD}`);
  }
  return { mimeType: MIME[image.type], base64: output.toString('base64'), transformed: true };
}
