/**
 * PDF pages end to end: PDFs made here with pdf-lib (portrait, landscape, /Rotate 90 and 270, a CropBox offset, a
 * MediaBox not at the origin) with magenta rectangles at known places → detectPdf (pages rendered by PDFium) → the
 * real controller's /score → the stand-in vLLM, which answers the magenta rectangles it finds in the image it
 * received. So a renderer that ignored the CropBox or the rotation would put the fields elsewhere, and fail here.
 * The template's fields must lie within 0.5 mm of the rectangles, the fillable PDF's widgets within 1 pt.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Template } from '@pdfme/common';
import { PDFDocument, PDFName, PDFNumber, type PDFDict } from 'pdf-lib';
import { AzureMlDetectorClient, toFillablePdf, toPdfmeTemplate, type DetectedPage } from '../../lib/client';
import { startController, controlStandIn, type ControllerProcess } from '../container/helpers/controller-process';
import { MAGENTA, makePdf, type TestPage, type TestRect } from '../client/pdf-helpers';
import { pdfmeCheckTemplate } from './helpers';

const MM = 25.4 / 72;

/**
 * Each page, and where its rectangles are on the page as displayed: [u, v, width, height] in points from the
 * displayed page's top-left — worked out by hand from the user-space rectangle, the visible box and /Rotate.
 */
const PAGES: Array<TestPage & { displayed: [number, number]; expected: Array<[number, number, number, number]> }> = [
  {
    // Portrait A4: v = 841.89 − (y + height).
    mediaBox: [0, 0, 595.28, 841.89],
    rects: [
      { x: 100, y: 700, width: 200, height: 30 },
      { x: 300, y: 100, width: 150, height: 40 },
    ],
    displayed: [595.28, 841.89],
    expected: [
      [100, 111.89, 200, 30],
      [300, 701.89, 150, 40],
    ],
  },
  {
    // Landscape A4.
    mediaBox: [0, 0, 841.89, 595.28],
    rects: [{ x: 50, y: 500, width: 300, height: 25 }],
    displayed: [841.89, 595.28],
    expected: [[50, 70.28, 300, 25]],
  },
  {
    // /Rotate 90: shown 841.89 wide; the user-space origin is the displayed top-left, u = y, v = x.
    mediaBox: [0, 0, 595.28, 841.89],
    rotate: 90,
    rects: [{ x: 100, y: 600, width: 60, height: 150 }],
    displayed: [841.89, 595.28],
    expected: [[600, 100, 150, 60]],
  },
  {
    // CropBox x 50..500, y 100..600 on a Letter MediaBox: u = x − 50, v = 600 − (y + height). The rectangle at
    // (10, 10) lies outside the CropBox and must not be seen.
    mediaBox: [0, 0, 612, 792],
    cropBox: [50, 100, 450, 500],
    rects: [
      { x: 150, y: 450, width: 100, height: 40 },
      { x: 10, y: 10, width: 30, height: 30 },
    ],
    displayed: [450, 500],
    expected: [[100, 110, 100, 40]],
  },
  {
    // MediaBox from (−20, 30), CropBox x 100..400, y 100..600, /Rotate 270: shown 500 wide × 300 tall; the
    // displayed top-left is user (400, 600); u = 600 − y, v = 400 − x.
    mediaBox: [-20, 30, 620, 770],
    cropBox: [100, 100, 300, 500],
    rotate: 270,
    rects: [{ x: 150, y: 500, width: 100, height: 50 }],
    displayed: [500, 300],
    expected: [[50, 150, 50, 100]],
  },
];

let ctl: ControllerProcess;
let client: AzureMlDetectorClient;
let pdf: Uint8Array;
let pages: DetectedPage[];

beforeAll(async () => {
  // The stand-in sees the page at 2048 px (no downscale), so where it finds a rectangle is exact to 0.1 mm.
  ctl = await startController({ env: { MAX_IMAGE_SIDE: '2048' } });
  await controlStandIn(ctl, { findColor: MAGENTA });
  client = new AzureMlDetectorClient({ scoringUri: `${ctl.url}/score`, auth: { key: 'k' } });
  pdf = await makePdf(PAGES);
  pages = await client.detectPdf(pdf);
});
afterAll(async () => {
  await client?.close();
  await ctl?.stop();
});

describe('detectPdf', () => {
  it('answers every page in order with its displayed size in points and millimetres', () => {
    expect(pages.map((page) => page.page)).toEqual([1, 2, 3, 4, 5]);
    pages.forEach((page, index) => {
      const [width, height] = PAGES[index].displayed;
      expect(page.size.widthPt).toBeCloseTo(width, 1);
      expect(page.size.heightPt).toBeCloseTo(height, 1);
      expect(page.size.widthMm).toBeCloseTo(width * MM, 2);
      expect(page.size.heightMm).toBeCloseTo(height * MM, 2);
      expect(page.rotation).toBe(PAGES[index].rotate ?? 0);
      // Rendered with the long side 2048 px, in the page's proportions.
      const { width: w, height: h } = page.result.image_size;
      expect(Math.max(w, h)).toBe(2048);
      expect(w / h).toBeCloseTo(width / height, 2);
    });
  });
});

describe('--format pdfme geometry', () => {
  it('puts every field within 0.5 mm of its rectangle, and pdfme accepts the template', async () => {
    const template = await toPdfmeTemplate(pdf, pages);
    // Our type is pdfme's Template: `npm run build` type-checks this line against @pdfme/common.
    const asPdfme: Template = template;
    expect(asPdfme.schemas).toBe(template.schemas);
    expect(template.basePdf).toBe(`data:application/pdf;base64,${Buffer.from(pdf).toString('base64')}`);
    expect(template.schemas).toHaveLength(PAGES.length);
    template.schemas.forEach((fields, index) => {
      const expected = PAGES[index].expected.map(([u, v, w, h]) => [u * MM, v * MM, w * MM, h * MM]);
      expect(fields).toHaveLength(expected.length);
      for (const [x, y, width, height] of expected) {
        const field = fields.find((f) => Math.abs(f.position.x - x) < 0.5 && Math.abs(f.position.y - y) < 0.5);
        expect(field).toBeDefined();
        expect(Math.abs(field!.width - width)).toBeLessThan(0.5);
        expect(Math.abs(field!.height - height)).toBeLessThan(0.5);
      }
    });
    // Names: page, then reading order (top to bottom).
    expect(template.schemas[0].map((field) => field.name)).toEqual(['p1_field_001', 'p1_field_002']);
    expect(template.schemas[0][0].position.y).toBeLessThan(template.schemas[0][1].position.y);
    const dir = await mkdtemp(join(tmpdir(), 'pdf-geometry-'));
    await writeFile(join(dir, 'template.json'), JSON.stringify(template));
    expect(await pdfmeCheckTemplate(join(dir, 'template.json'))).toBeUndefined();
  });
});

describe('--format fillable-pdf geometry', () => {
  it('adds a text field per rectangle whose widget lies within 1 pt of it, turned with the page', async () => {
    const reopened = await PDFDocument.load(await toFillablePdf(pdf, pages));
    const fields = reopened.getForm().getFields();
    expect(fields.map((field) => field.getName())).toEqual([
      'p1_field_001',
      'p1_field_002',
      'p2_field_001',
      'p3_field_001',
      'p4_field_001',
      'p5_field_001',
    ]);
    const drawn: Array<{ page: number; rect: TestRect }> = [
      { page: 0, rect: PAGES[0].rects[0] },
      { page: 0, rect: PAGES[0].rects[1] },
      { page: 1, rect: PAGES[1].rects[0] },
      { page: 2, rect: PAGES[2].rects[0] },
      { page: 3, rect: PAGES[3].rects[0] },
      { page: 4, rect: PAGES[4].rects[0] },
    ];
    const pageRefs = reopened.getPages().map((page) => page.ref);
    fields.forEach((field, index) => {
      const [widget] = field.acroField.getWidgets();
      const rect = widget.getRectangle();
      const expected = drawn[index].rect;
      expect(Math.abs(rect.x - expected.x)).toBeLessThan(1);
      expect(Math.abs(rect.y - expected.y)).toBeLessThan(1);
      expect(Math.abs(rect.width - expected.width)).toBeLessThan(1);
      expect(Math.abs(rect.height - expected.height)).toBeLessThan(1);
      expect(widget.P()).toBe(pageRefs[drawn[index].page]);
      const mk = widget.dict.lookup(PDFName.of('MK')) as PDFDict;
      expect((mk.lookup(PDFName.of('R')) as PDFNumber).asNumber()).toBe(PAGES[drawn[index].page].rotate ?? 0);
    });
  });
});
