/**
 * Where a box on a page is, in the three frames a form passes through:
 *
 * - **normalized**: 0–1000 of the rendered page image, origin top-left — what the model answers. The rendered image is
 *   exactly the visible page (CropBox ∩ MediaBox, turned by /Rotate), so x/1000 is a fraction of the visible width.
 * - **mm**: millimetres from the visible page's top-left — pdfme's `position {x, y}`, `width`, `height`
 *   (pdfme packages/common/src/schema.ts; its Designer shows the page as PDFium renders it, cropped and rotated).
 * - **user space**: PDF points from the origin of the page's coordinate system, y up, before /Rotate — where an
 *   AcroForm widget's /Rect lives (ISO 32000-1 §12.5.2 "Rect"; §7.7.3.3 "Rotate": the page is turned clockwise by
 *   that many degrees when displayed).
 *
 * /Rotate is a multiple of 90, so a box maps to an axis-aligned box in every frame.
 */

/** 1 PDF point = 1/72 inch = 25.4/72 mm (ISO 32000-1 §8.3.2.3, default user space unit). */
export const MM_PER_POINT = 25.4 / 72;

export type PageRotation = 0 | 90 | 180 | 270;

/** A rectangle in PDF user space: lower-left corner and size, in points. */
export interface PdfRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A box in 0–1000 of the rendered page: [x1, y1, x2, y2], origin top-left. */
export type NormalizedBox = [number, number, number, number];

/** A box in millimetres from the visible page's top-left, shaped as pdfme places a field. */
export interface MmBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What a page looks like on screen, and where that is in user space. */
export interface PageGeometry {
  /** The visible region in user space: CropBox ∩ MediaBox (ISO 32000-1 §14.11.2), before rotation. */
  visible: PdfRect;
  /** /Rotate, normalised to 0, 90, 180 or 270 (clockwise when displayed). */
  rotation: PageRotation;
}

/** The displayed page's size: rotation by 90° or 270° swaps width and height. */
export function displayedSizePt(page: PageGeometry): { width: number; height: number } {
  const { width, height } = page.visible;
  return page.rotation === 90 || page.rotation === 270 ? { width: height, height: width } : { width, height };
}

export function displayedSizeMm(page: PageGeometry): { width: number; height: number } {
  const { width, height } = displayedSizePt(page);
  return { width: width * MM_PER_POINT, height: height * MM_PER_POINT };
}

/** 0–1000 on the rendered page → mm from the visible page's top-left. */
export function normalizedToMm(box: NormalizedBox, page: PageGeometry): MmBox {
  const { width, height } = displayedSizeMm(page);
  const [x1, y1, x2, y2] = box;
  return {
    x: (x1 / 1000) * width,
    y: (y1 / 1000) * height,
    width: ((x2 - x1) / 1000) * width,
    height: ((y2 - y1) / 1000) * height,
  };
}

/** mm from the visible page's top-left → 0–1000 on the rendered page (not rounded). */
export function mmToNormalized(box: MmBox, page: PageGeometry): NormalizedBox {
  const { width, height } = displayedSizeMm(page);
  return [
    (box.x / width) * 1000,
    (box.y / height) * 1000,
    ((box.x + box.width) / width) * 1000,
    ((box.y + box.height) / height) * 1000,
  ];
}

/**
 * A point on the displayed page, in points from its top-left (u right, v down), → user space. The displayed page's
 * top-left is the visible box's lower-left corner turned: /Rotate 0 → (left, top), 90 → (left, bottom),
 * 180 → (right, bottom), 270 → (right, top).
 */
export function displayedToUserSpace(u: number, v: number, page: PageGeometry): { x: number; y: number } {
  const { x, y, width, height } = page.visible;
  switch (page.rotation) {
    case 0:
      return { x: x + u, y: y + height - v };
    case 90:
      return { x: x + v, y: y + u };
    case 180:
      return { x: x + width - u, y: y + v };
    case 270:
      return { x: x + width - v, y: y + height - u };
  }
}

/** The inverse of displayedToUserSpace. */
export function userSpaceToDisplayed(px: number, py: number, page: PageGeometry): { u: number; v: number } {
  const { x, y, width, height } = page.visible;
  switch (page.rotation) {
    case 0:
      return { u: px - x, v: y + height - py };
    case 90:
      return { u: py - y, v: px - x };
    case 180:
      return { u: x + width - px, v: py - y };
    case 270:
      return { u: y + height - py, v: x + width - px };
  }
}

/** 0–1000 on the rendered page → a rectangle in user space (an AcroForm widget's /Rect). */
export function normalizedToUserSpace(box: NormalizedBox, page: PageGeometry): PdfRect {
  const { width, height } = displayedSizePt(page);
  const [x1, y1, x2, y2] = box;
  const a = displayedToUserSpace((x1 / 1000) * width, (y1 / 1000) * height, page);
  const b = displayedToUserSpace((x2 / 1000) * width, (y2 / 1000) * height, page);
  return rectFromCorners(a.x, a.y, b.x, b.y);
}

/** A rectangle in user space → 0–1000 on the rendered page (not rounded). */
export function userSpaceToNormalized(rect: PdfRect, page: PageGeometry): NormalizedBox {
  const { width, height } = displayedSizePt(page);
  const a = userSpaceToDisplayed(rect.x, rect.y, page);
  const b = userSpaceToDisplayed(rect.x + rect.width, rect.y + rect.height, page);
  return [
    (Math.min(a.u, b.u) / width) * 1000,
    (Math.min(a.v, b.v) / height) * 1000,
    (Math.max(a.u, b.u) / width) * 1000,
    (Math.max(a.v, b.v) / height) * 1000,
  ];
}

/** The rectangle spanned by two opposite corners, in any order (PDF boxes may list them either way). */
export function rectFromCorners(x1: number, y1: number, x2: number, y2: number): PdfRect {
  return { x: Math.min(x1, x2), y: Math.min(y1, y2), width: Math.abs(x2 - x1), height: Math.abs(y2 - y1) };
}

/** The overlap of two rectangles, or undefined when they do not overlap with a positive area. */
export function intersectRects(a: PdfRect, b: PdfRect): PdfRect | undefined {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  return x2 > x1 && y2 > y1 ? { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } : undefined;
}

/** /Rotate as PDF readers apply it: whole quarter turns, negative values counted backwards (-90 → 270). */
export function normalizeRotation(degrees: number): PageRotation {
  const quarterTurns = Math.trunc(degrees / 90);
  return ((((quarterTurns % 4) + 4) % 4) * 90) as PageRotation;
}
