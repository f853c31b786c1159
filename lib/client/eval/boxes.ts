/**
 * Boxes as fractions of their page, the one frame every comparison happens in.
 *
 * IoU is invariant under scaling each axis separately (intersection and union areas both scale by sx·sy), so a box
 * in 0–1000 of the image the model saw and a box in millimetres of the PDF page compare directly once both are
 * divided by their page's width and height — whatever the rendering resolution or the page's aspect ratio.
 */

/** [x1, y1, x2, y2] as fractions of the page's width and height, from its top-left; x1 ≤ x2, y1 ≤ y2. */
export type PageBox = readonly [number, number, number, number];

/** A 0–1000 box (the model's `bbox_normalized`) as a page fraction. */
export function fromNormalized([x1, y1, x2, y2]: readonly number[]): PageBox {
  return ordered([x1 / 1000, y1 / 1000, x2 / 1000, y2 / 1000]);
}

/** A box `{x, y, width, height}` in any unit, on a page of `pageWidth` × `pageHeight` in that unit. */
export function fromRect(
  rect: { x: number; y: number; width: number; height: number },
  pageWidth: number,
  pageHeight: number,
): PageBox {
  return ordered([
    rect.x / pageWidth,
    rect.y / pageHeight,
    (rect.x + rect.width) / pageWidth,
    (rect.y + rect.height) / pageHeight,
  ]);
}

/** The same corners with x1 ≤ x2 and y1 ≤ y2. */
export function ordered([x1, y1, x2, y2]: readonly number[]): PageBox {
  return [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
}

/** Intersection over union, the same measure that merges near-identical detections into one field. */
export { iou } from '../pdf/field-boxes';
