/**
 * STAND-IN model vision, for tests only: finds the solid rectangles of one colour in an image and returns their
 * bounding boxes in 0–1000 of the image (rounded), the way the detector answers. Tests draw fields as magenta
 * rectangles into PDFs; whatever the pipeline does to the page (crop, rotation, scaling) shows in where they are found.
 */
import sharp from 'sharp';

export type Box = [number, number, number, number];

/** Pixels within `tolerance` (per channel) of `rgb` belong to a rectangle; components smaller than `minPixels` are noise. */
export async function findColouredBoxes(
  image: Buffer,
  rgb: [number, number, number] = [255, 0, 255],
  tolerance = 80,
  minPixels = 9,
): Promise<Box[]> {
  const { data, info } = await sharp(image).autoOrient().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const hit = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const r = data[i * 3];
    const g = data[i * 3 + 1];
    const b = data[i * 3 + 2];
    if (Math.abs(r - rgb[0]) <= tolerance && Math.abs(g - rgb[1]) <= tolerance && Math.abs(b - rgb[2]) <= tolerance) {
      hit[i] = 1;
    }
  }
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < hit.length; start++) {
    if (hit[start] !== 1) continue;
    let [x1, y1, x2, y2, count] = [width, height, 0, 0, 0];
    hit[start] = 2;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i - x) / width;
      count++;
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x + 1);
      y2 = Math.max(y2, y + 1);
      for (const j of [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width]) {
        if (j >= 0 && j < hit.length && hit[j] === 1) {
          hit[j] = 2;
          stack.push(j);
        }
      }
    }
    if (count >= minPixels) {
      boxes.push([
        Math.round((x1 / width) * 1000),
        Math.round((y1 / height) * 1000),
        Math.round((x2 / width) * 1000),
        Math.round((y2 / height) * 1000),
      ]);
    }
  }
  return boxes;
}
