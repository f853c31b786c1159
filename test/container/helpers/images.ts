/** Test images of known sizes, made with sharp; crafted header-only PNGs for the limits (no pixel buffers). */
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

export function solid(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: { r: 250, g: 250, b: 250 } } });
}

export const png = (width: number, height: number) => solid(width, height).png().toBuffer();
export const jpeg = (width: number, height: number) => solid(width, height).jpeg().toBuffer();
export const webp = (width: number, height: number) => solid(width, height).webp().toBuffer();

/** A JPEG stored `width`×`height` whose EXIF says "rotate 90° clockwise" (orientation 6). */
export const jpegWithOrientation6 = (width: number, height: number) =>
  solid(width, height).jpeg().withMetadata({ orientation: 6 }).toBuffer();

/** A PNG or WebP stored `width`×`height` whose EXIF (eXIf / EXIF chunk) says orientation 6. */
export const withOrientation6 = (format: 'png' | 'webp', width: number, height: number) =>
  solid(width, height)[format]().withMetadata({ orientation: 6 }).toBuffer();

/** A PNG signature and IHDR only: claims `width`×`height` without any pixel data. */
export function headerOnlyPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // truecolour
  const type = Buffer.from('IHDR');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(ihdr.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, ihdr])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), length, type, ihdr, crc]);
}

/** A PNG of about `bytes` bytes (noise does not compress), for benchmarks and body limits. */
export async function noisyPng(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}
