/** The geometry between the model's 0–1000 boxes, pdfme's millimetres and PDF user space; fields' merge and order. */
import {
  MERGE_IOU,
  mmToNormalized,
  normalizedToMm,
  normalizedToUserSpace,
  userSpaceToNormalized,
  type NormalizedBox,
  type PageGeometry,
} from '../../lib/client';
import { fieldName, iou, mergeBoxes, pageFields, readingOrder } from '../../lib/client/pdf/field-boxes';
import { widgetPlacement } from '../../lib/client/pdf/fillable-pdf';
import { normalizeRotation } from '../../lib/client/pdf/page-geometry';
import { fontSizeFor } from '../../lib/client/pdf/pdfme-template';

const MM = 25.4 / 72;
// A visible box at (100, 200), 400 × 600 pt.
const visible = { x: 100, y: 200, width: 400, height: 600 };
const page = (rotation: 0 | 90 | 180 | 270): PageGeometry => ({ visible, rotation });

describe('normalizedToUserSpace', () => {
  // The box [0, 0, 250, 100]: the top-left quarter-width, tenth-height strip of the page as displayed.
  const box: NormalizedBox = [0, 0, 250, 100];
  it.each([
    // Upright: the displayed top-left is (left, top) of the visible box: x 100..200, y 740..800.
    [0, { x: 100, y: 740, width: 100, height: 60 }],
    // Turned 90° clockwise: shown 600 wide × 400 tall; its top-left is (left, bottom); u runs up, v runs right.
    [90, { x: 100, y: 200, width: 40, height: 150 }],
    // Upside down: the displayed top-left is (right, bottom).
    [180, { x: 400, y: 200, width: 100, height: 60 }],
    // Turned 270°: shown 600 × 400; its top-left is (right, top); u runs down, v runs left.
    [270, { x: 460, y: 650, width: 40, height: 150 }],
  ] as const)('/Rotate %i', (rotation, expected) => {
    const rect = normalizedToUserSpace(box, page(rotation));
    expect(rect.x).toBeCloseTo(expected.x, 6);
    expect(rect.y).toBeCloseTo(expected.y, 6);
    expect(rect.width).toBeCloseTo(expected.width, 6);
    expect(rect.height).toBeCloseTo(expected.height, 6);
    userSpaceToNormalized(rect, page(rotation)).forEach((n, i) => expect(n).toBeCloseTo(box[i], 6));
  });
});

describe('normalizedToMm', () => {
  it('measures from the displayed page: width and height swap at 90° and 270°', () => {
    expect(normalizedToMm([500, 250, 1000, 500], page(0))).toEqual({
      x: 200 * MM,
      y: 150 * MM,
      width: 200 * MM,
      height: 150 * MM,
    });
    const turned = normalizedToMm([500, 250, 1000, 500], page(90));
    expect(turned.x).toBeCloseTo(300 * MM, 9);
    expect(turned.y).toBeCloseTo(100 * MM, 9);
    mmToNormalized(turned, page(90)).forEach((n, i) => expect(n).toBeCloseTo([500, 250, 1000, 500][i], 9));
  });

  it('normalises /Rotate as readers do', () => {
    expect([0, 90, 180, 270, 360, -90, 450, -180].map(normalizeRotation)).toEqual([0, 90, 180, 270, 0, 270, 90, 180]);
  });
});

describe('widgetPlacement', () => {
  it('gives pdf-lib the anchor and sides that make the widget land on the rectangle', () => {
    // pdf-lib rotateRectangle: 90 → {x − h, y, h, w}; 180 → {x − w, y − h, w, h}; 270 → {x, y − w, h, w}.
    const rect = { x: 10, y: 20, width: 30, height: 40 };
    expect(widgetPlacement(rect, 0)).toEqual(rect);
    expect(widgetPlacement(rect, 90)).toEqual({ x: 40, y: 20, width: 40, height: 30 });
    expect(widgetPlacement(rect, 180)).toEqual({ x: 40, y: 60, width: 30, height: 40 });
    expect(widgetPlacement(rect, 270)).toEqual({ x: 10, y: 60, width: 40, height: 30 });
  });
});

describe('fields', () => {
  it(`merges boxes with IoU ≥ ${MERGE_IOU}, keeping the larger, and keeps neighbours apart`, () => {
    const a: NormalizedBox = [100, 100, 300, 150];
    const nearTwin: NormalizedBox = [100, 100, 302, 151]; // IoU 0.97
    const neighbour: NormalizedBox = [300, 100, 500, 150]; // touches a
    expect(iou(a, nearTwin)).toBeGreaterThan(0.9);
    expect(mergeBoxes([a, nearTwin, neighbour])).toEqual([nearTwin, neighbour]);
    // Clamped to 0–1000, corners put in order, empty boxes dropped.
    expect(
      mergeBoxes([
        [-5, 20, 1200, 10],
        [10, 10, 10, 50],
      ]),
    ).toEqual([[0, 10, 1000, 20]]);
    // Shifted by a tenth of its width: IoU 0.82, two fields.
    expect(mergeBoxes([a, [120, 100, 320, 150]])).toHaveLength(2);
  });

  it('orders rows top to bottom with a tolerance of half a box height, then left to right', () => {
    const right: NormalizedBox = [600, 102, 800, 142];
    const left: NormalizedBox = [100, 110, 300, 150]; // 8 units lower: the same line
    const below: NormalizedBox = [50, 200, 250, 240];
    expect(readingOrder([below, right, left])).toEqual([left, right, below]);
    expect(pageFields(2, [below, right, left]).map((field) => field.name)).toEqual([
      'p2_field_001',
      'p2_field_002',
      'p2_field_003',
    ]);
    expect(fieldName(1, 1233)).toBe('p1_field_1234');
  });

  it("sizes text to the box height within pdfme's range", () => {
    expect([3, 4, 6, 10].map(fontSizeFor)).toEqual([6, 7, 11, 13]);
  });
});
