/**
 * From the model's boxes on one page to the fields a template gets: clean, de-duplicated, in reading order, named.
 *
 * - **Clean:** coordinates are clamped to 0–1000 and put in order (x1 ≤ x2, y1 ≤ y2); boxes with no area are dropped.
 * - **Merge:** the model often answers the same field twice. Two boxes whose intersection over union is at least
 *   `MERGE_IOU` (0.9) are one field; the larger is kept (the first on a tie). 0.9 keeps neighbouring cells of a
 *   table — which touch but hardly overlap — apart, and merges repeats that differ by a few units of 1000.
 * - **Reading order:** top to bottom in rows, then left to right within a row. A box joins the current row when its
 *   vertical centre lies within half the height of the row's first box from that box's centre — boxes on one text
 *   line rarely line up to the unit, and a tolerance tied to the boxes' own height works for small and large fields.
 * - **Names:** `p<page>_field_<n>`, n counted from 1 in reading order on that page, zero-padded to three digits
 *   (`p1_field_001`), so names are unique across a document, sort in reading order, and are the same on every run
 *   for the same answer.
 */
import type { NormalizedBox } from './page-geometry';

/** Boxes at least this similar (intersection over union) are one field. */
export const MERGE_IOU = 0.9;

export interface FieldBox {
  name: string;
  box: NormalizedBox;
}

export function clampBox([a, b, c, d]: NormalizedBox): NormalizedBox {
  const clamp = (n: number) => Math.min(1000, Math.max(0, n));
  return [clamp(Math.min(a, c)), clamp(Math.min(b, d)), clamp(Math.max(a, c)), clamp(Math.max(b, d))];
}

const area = ([x1, y1, x2, y2]: Readonly<NormalizedBox>) => Math.max(0, x2 - x1) * Math.max(0, y2 - y1);

/** Intersection over union of two boxes in the same frame (0–1000, page fractions, …). */
export function iou(a: Readonly<NormalizedBox>, b: Readonly<NormalizedBox>): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Clamps, drops empty boxes and merges near-identical ones (IoU ≥ threshold), keeping the larger. */
export function mergeBoxes(boxes: NormalizedBox[], threshold = MERGE_IOU): NormalizedBox[] {
  const kept: NormalizedBox[] = [];
  for (const raw of boxes) {
    const box = clampBox(raw);
    if (area(box) === 0) continue;
    const twin = kept.findIndex((other) => iou(other, box) >= threshold);
    if (twin === -1) kept.push(box);
    else if (area(box) > area(kept[twin])) kept[twin] = box;
  }
  return kept;
}

/** Sorts boxes top to bottom in rows, then left to right (see the module comment for the row rule). */
export function readingOrder(boxes: NormalizedBox[]): NormalizedBox[] {
  const centreY = (b: NormalizedBox) => (b[1] + b[3]) / 2;
  const byCentre = [...boxes].sort((a, b) => centreY(a) - centreY(b) || a[0] - b[0]);
  const rows: NormalizedBox[][] = [];
  for (const box of byCentre) {
    const row = rows.at(-1);
    const first = row?.[0];
    if (row && first && centreY(box) - centreY(first) <= (first[3] - first[1]) / 2) row.push(box);
    else rows.push([box]);
  }
  return rows.flatMap((row) => row.sort((a, b) => a[0] - b[0] || a[1] - b[1]));
}

/** `p1_field_001`: page numbers count from 1. */
export function fieldName(page: number, index: number): string {
  return `p${page}_field_${String(index + 1).padStart(3, '0')}`;
}

/** The fields of one page: merged, in reading order, named. */
export function pageFields(page: number, boxes: NormalizedBox[], threshold = MERGE_IOU): FieldBox[] {
  return readingOrder(mergeBoxes(boxes, threshold)).map((box, index) => ({ name: fieldName(page, index), box }));
}
