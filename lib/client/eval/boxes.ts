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

const area = ([x1, y1, x2, y2]: PageBox) => Math.max(0, x2 - x1) * Math.max(0, y2 - y1);

/** Intersection over union; 0 when the union is empty (two empty boxes do not overlap). */
export function iou(a: PageBox, b: PageBox): number {
  const width = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const height = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  const intersection = width > 0 && height > 0 ? width * height : 0;
  const union = area(a) + area(b) - intersection;
  return union > 0 ? intersection / union : 0;
}
