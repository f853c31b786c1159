/**
 * Ground truth and saved predictions: pdfme templates (the four playground forms in test/fixtures/forms, MIT, see
 * LICENSE-pdfme.md there), page geometry of generated PDFs, JSONL boxes, detection records, and overlays.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PDFDocument, PDFName, PDFNumber } from 'pdf-lib';
import sharp from 'sharp';
import {
  EVALUATION_OVERLAY_COLORS,
  MM_PER_POINT,
  TruthError,
  drawEvaluationOverlay,
  evaluate,
  loadPdfmeTruth,
  loadTruth,
  parseDetectionRecords,
  parseTruthJsonl,
  readDetectionRecords,
  type PredictedDocument,
  type TruthDocument,
} from '../../lib/client';
import { fromNormalized, pdfPageSizesMm, scorePage } from '../../lib/client/eval';

const FORMS = resolve(__dirname, '../fixtures/forms');
const tmp = () => mkdtemp(join(tmpdir(), 'eval-truth-'));

/** A PDF with pages of the given MediaBox (points), optional CropBox and /Rotate. */
async function pdfWith(
  pages: Array<{ media: [number, number, number, number]; crop?: [number, number, number, number]; rotate?: number }>,
) {
  const doc = await PDFDocument.create();
  for (const spec of pages) {
    const page = doc.addPage([100, 100]);
    page.setMediaBox(spec.media[0], spec.media[1], spec.media[2] - spec.media[0], spec.media[3] - spec.media[1]);
    if (spec.crop)
      page.setCropBox(spec.crop[0], spec.crop[1], spec.crop[2] - spec.crop[0], spec.crop[3] - spec.crop[1]);
    if (spec.rotate !== undefined) page.node.set(PDFName.of('Rotate'), PDFNumber.of(spec.rotate));
  }
  return { doc, bytes: await doc.save() };
}

describe('visible page size of a PDF', () => {
  it('is the CropBox clipped to the MediaBox, turned by /Rotate, in millimetres', async () => {
    const { bytes } = await pdfWith([
      { media: [0, 0, 595, 842] }, // A4 portrait
      { media: [0, 0, 842, 595] }, // landscape
      { media: [0, 0, 595, 842], rotate: 90 }, // shown landscape
      { media: [0, 0, 595, 842], rotate: -270 }, // the same turn, written negative
      { media: [0, 0, 600, 800], crop: [50, 100, 350, 500] }, // 300 × 400 pt visible
      { media: [0, 0, 600, 800], crop: [500, 700, 900, 1000] }, // crop beyond the media: 100 × 100 pt visible
      { media: [-10, -20, 190, 80], rotate: 180 }, // offset origin: 200 × 100 pt
    ]);
    const mm = (points: number) => points * MM_PER_POINT;
    const sizes = await pdfPageSizesMm(bytes);
    const expected = [
      [595, 842],
      [842, 595],
      [842, 595],
      [842, 595],
      [300, 400],
      [100, 100],
      [200, 100],
    ];
    sizes.forEach((size, index) => {
      expect(size.width).toBeCloseTo(mm(expected[index][0]), 9);
      expect(size.height).toBeCloseTo(mm(expected[index][1]), 9);
    });
  });

  it('inherits /Rotate from the page tree', async () => {
    const { doc } = await pdfWith([{ media: [0, 0, 200, 100] }]);
    doc.catalog.Pages().set(PDFName.of('Rotate'), PDFNumber.of(270));
    const [size] = await pdfPageSizesMm(await doc.save());
    expect([size.width, size.height].map((v) => v / MM_PER_POINT)).toEqual([
      expect.closeTo(100, 9),
      expect.closeTo(200, 9),
    ]);
  });
});

describe('pdfme templates as truth', () => {
  it('reads the four playground forms: their pages, and fields by type as published', async () => {
    const documents = await loadTruth(FORMS);
    const counts = documents.map((doc) => {
      const byType: Record<string, number> = {};
      for (const page of doc.pages) for (const { type } of page.boxes) byType[type] = (byType[type] ?? 0) + 1;
      return [doc.file.slice(FORMS.length + 1), doc.pages.length, byType];
    });
    // The counts in test/fixtures/forms/README.md.
    expect(counts).toEqual([
      ['hihokensha-shikaku-shutoku-todoke/source.pdf', 1, { text: 104 }],
      ['mhlw-clinical-information-referral-form-besshi11/source.pdf', 2, { text: 48, circleMark: 4, checkbox: 7 }],
      ['mhlw-kaigo-shujii-ikensho/source.pdf', 2, { text: 66, circleMark: 11, checkbox: 187 }],
      ['mhlw-regular-health-check-report/source.pdf', 2, { text: 73 }],
    ]);
    for (const doc of documents) {
      expect(doc.source).toBe(join(doc.file, '..', 'template.json'));
      for (const page of doc.pages) {
        for (const { box } of page.boxes) {
          expect(box[0]).toBeGreaterThanOrEqual(0);
          expect(box[2]).toBeLessThanOrEqual(1);
          expect(box[2]).toBeGreaterThan(box[0]);
          expect(box[3]).toBeGreaterThan(box[1]);
        }
      }
    }
  });

  it('turns a field in millimetres into fractions of the visible page', async () => {
    const truth = await loadPdfmeTruth(join(FORMS, 'hihokensha-shikaku-shutoku-todoke/template.json'));
    // The PDF's MediaBox is 595.1995697 × 841.6804303 pt; the first field is at (33.33, 26.6) mm, 8.47 × 6.35 mm.
    const [page] = truth.pages;
    expect(page.sizeMm!.width).toBeCloseTo(595.1995697 * MM_PER_POINT, 6);
    expect(page.sizeMm!.height).toBeCloseTo(841.6804303 * MM_PER_POINT, 6);
    const [first] = page.boxes;
    expect(first).toMatchObject({ name: 'refrenceCode1', type: 'text' });
    const expected = [33.33 / 209.973, 26.6 / 296.927, (33.33 + 8.47) / 209.973, (26.6 + 6.35) / 296.927];
    first.box.forEach((value, index) => expect(value).toBeCloseTo(expected[index], 4));
    expect(truth.pdf?.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('a template whose basePdf is a path or blank, with or without source.pdf beside it', async () => {
    const dir = await tmp();
    const { bytes } = await pdfWith([{ media: [0, 0, 595.28, 841.89] }]);
    await writeFile(join(dir, 'form.pdf'), bytes);
    const field = (extra: object = {}) => ({
      name: 'f',
      type: 'text',
      position: { x: 21, y: 29.7 },
      width: 42,
      height: 29.7,
      ...extra,
    });
    await writeFile(join(dir, 'template.json'), JSON.stringify({ basePdf: 'form.pdf', schemas: [[field()]] }));
    const byPath = await loadPdfmeTruth(join(dir, 'template.json'));
    expect(byPath.file).toBe(join(dir, 'template.json')); // no source.pdf beside it: the template names the input
    byPath.pages[0].boxes[0].box.forEach((v, i) => expect(v).toBeCloseTo([0.1, 0.1, 0.3, 0.2][i], 3));

    // Blank basePdf alone: its own size (mm); rotated fields count by the box around them; readOnly left out.
    await writeFile(
      join(dir, 'template.json'),
      JSON.stringify({
        basePdf: { width: 200, height: 100, padding: [0, 0, 0, 0] },
        schemas: [
          [field({ position: { x: 40, y: 40 }, width: 40, height: 20, rotate: 90 }), field({ readOnly: true })],
        ],
      }),
    );
    const blank = await loadPdfmeTruth(join(dir, 'template.json'));
    expect(blank.pdf).toBeNull();
    expect(blank.pages[0].sizeMm).toEqual({ width: 200, height: 100 });
    // Centre (60, 50); turned 90° the 40 × 20 box spans 20 × 40: x 50–70, y 30–70.
    blank.pages[0].boxes.forEach(({ box }) =>
      box.forEach((v, i) => expect(v).toBeCloseTo([0.25, 0.3, 0.35, 0.7][i], 9)),
    );
    expect(blank.pages[0].boxes).toHaveLength(1);

    // Blank basePdf with source.pdf beside it: the PDF gives the size, and is the input.
    await writeFile(join(dir, 'source.pdf'), bytes);
    const beside = await loadPdfmeTruth(join(dir, 'template.json'));
    expect(beside.file).toBe(join(dir, 'source.pdf'));
    expect(beside.pages[0].sizeMm!.width).toBeCloseTo(210, 1);
  });

  it('names every bad field in one error', async () => {
    const dir = await tmp();
    await writeFile(
      join(dir, 'template.json'),
      JSON.stringify({
        basePdf: { width: 210, height: 297 },
        schemas: [
          [
            { name: 'a', type: 'text', position: { x: 1 }, width: 5, height: 5 },
            { name: 'b', type: 'text', position: { x: 1, y: 1 }, width: 0, height: 5 },
          ],
        ],
      }),
    );
    const error = await loadPdfmeTruth(join(dir, 'template.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TruthError);
    expect((error as TruthError).problems).toEqual([
      expect.stringMatching(/^schemas\[0\]\[0\] \(a\): needs position \{x, y\}/),
      expect.stringMatching(/^schemas\[0\]\[1\] \(b\): needs position/),
    ]);
    await writeFile(join(dir, 'template.json'), JSON.stringify({ basePdf: 42, schemas: [] }));
    await expect(loadPdfmeTruth(join(dir, 'template.json'))).rejects.toThrow(/"basePdf" is neither a PDF/);
  });
});

describe('JSONL boxes as truth', () => {
  it('reads {file, page, boxes: [{bbox, type}]} in 0–1000, files relative to the JSONL', () => {
    const docs = parseTruthJsonl(
      [
        '{"file": "scans/a.png", "boxes": [{"bbox": [100, 200, 500, 250], "type": "text"}, {"bbox": [0, 0, 10, 10]}]}',
        '',
        '{"file": "b.pdf", "page": 2, "boxes": []}',
        '{"file": "b.pdf", "page": 1, "boxes": [{"bbox": [500, 500, 400, 600], "type": "checkbox"}]}',
      ].join('\n'),
      '/data/truth.jsonl',
    );
    expect(docs).toEqual([
      {
        file: '/data/scans/a.png',
        source: '/data/truth.jsonl',
        pages: [
          {
            page: 1,
            boxes: [
              { box: [0.1, 0.2, 0.5, 0.25], type: 'text' },
              { box: [0, 0, 0.01, 0.01], type: 'field' },
            ],
          },
        ],
      },
      {
        file: '/data/b.pdf',
        source: '/data/truth.jsonl',
        pages: [
          { page: 1, boxes: [{ box: [0.4, 0.5, 0.5, 0.6], type: 'checkbox' }] },
          { page: 2, boxes: [] },
        ],
      },
    ]);
  });

  it('names every bad line in one error', () => {
    const error = (() => {
      try {
        parseTruthJsonl(
          [
            'not json',
            '{"boxes": []}',
            '{"file": "a.png", "page": 0, "boxes": []}',
            '{"file": "a.png", "boxes": [{"bbox": [0, 0, 1001, 5]}, {"bbox": [5, 5, 5, 9]}, {"bbox": [1, 1, 2, 2], "type": 3}]}',
            '{"file": "c.png", "boxes": []}',
            '{"file": "c.png", "page": 1, "boxes": []}',
          ].join('\n'),
          '/data/truth.jsonl',
        );
      } catch (e) {
        return e as TruthError;
      }
      throw new Error('expected a TruthError');
    })();
    expect(error.problems).toEqual([
      expect.stringMatching(/^line 1: not JSON/),
      expect.stringMatching(/^line 2: expected \{"file"/),
      expect.stringMatching(/^line 3: "page" must be a whole number from 1/),
      'line 4: boxes[0].bbox must be [x1, y1, x2, y2] in 0–1000',
      'line 4: boxes[1].bbox [5,5,5,9] has no area',
      'line 4: boxes[2].type must be a non-empty string',
      'line 6: c.png page 1 is given twice',
    ]);
    expect(error.message).toMatch(/^\/data\/truth\.jsonl: the truth cannot be read/);
  });
});

describe('detection records as predictions', () => {
  const result = (boxes: number[][], model = 'pdfme-form-field-detector-lora') => ({
    bboxes: boxes.map((b) => ({ bbox_normalized: b, bbox_pixel: b })),
    count: boxes.length,
    raw_output: '',
    image_size: { width: 1000, height: 1000 },
    model,
  });

  it('reads image records, per-page records, records with pages, failures, and a resumed success', () => {
    const jsonl = [
      { file: 'a.png', ok: true, ms: 5, result: result([[100, 200, 500, 250]]) },
      { file: 'b.pdf', page: 1, ok: true, ms: 5, result: result([[0, 0, 100, 100]]) },
      { file: 'b.pdf', page: 2, ok: false, ms: 5, error: { code: 'timeout', message: 'too slow' } },
      { file: 'c.pdf', ok: true, ms: 9, pages: [{ result: result([]) }, { page: 2, result: result([[1, 2, 3, 4]]) }] },
      { file: 'd.png', ok: false, ms: 1, error: { code: 'network_error', message: 'refused' } },
      { file: 'e.png', ok: false, ms: 1, error: { code: 'overloaded', message: 'busy' } },
      { file: 'e.png', ok: true, ms: 1, result: result([], 'Qwen/Qwen3-VL-8B-Instruct') },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const docs = parseDetectionRecords(jsonl, { baseDir: '/runs' });
    expect(docs).toEqual([
      {
        file: '/runs/a.png',
        failures: [],
        pages: [{ page: 1, boxes: [[0.1, 0.2, 0.5, 0.25]], model: 'pdfme-form-field-detector-lora' }],
      },
      {
        file: '/runs/b.pdf',
        failures: [{ page: 2, reason: 'timeout: too slow' }],
        pages: [{ page: 1, boxes: [[0, 0, 0.1, 0.1]], model: 'pdfme-form-field-detector-lora' }],
      },
      {
        file: '/runs/c.pdf',
        failures: [],
        pages: [
          { page: 1, boxes: [], model: 'pdfme-form-field-detector-lora' },
          { page: 2, boxes: [[0.001, 0.002, 0.003, 0.004]], model: 'pdfme-form-field-detector-lora' },
        ],
      },
      { file: '/runs/d.png', failures: [{ reason: 'network_error: refused' }], pages: [] },
      { file: '/runs/e.png', failures: [], pages: [{ page: 1, boxes: [], model: 'Qwen/Qwen3-VL-8B-Instruct' }] },
    ]);
    // The same records as a JSON array (form-detect --out x.json) read the same.
    expect(parseDetectionRecords(`[${jsonl.split('\n').join(',')}]`, { baseDir: '/runs' })).toEqual(docs);
  });

  it('names every bad record in one error', () => {
    const text = ['{"file": "a.png", "ok": true, "result": {"bboxes": 3}}', '{"ok": true}', '{'].join('\n');
    expect(() => parseDetectionRecords(text, { what: 'boxes.jsonl' })).toThrow(/boxes\.jsonl line 3: not JSON/);
    const error = (() => {
      try {
        parseDetectionRecords(text.split('\n').slice(0, 2).join('\n'), { what: 'boxes.jsonl' });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toContain('boxes.jsonl line 1 (a.png, page 1): result is not a DetectionResult (bboxes: not a list)');
    expect(error).toContain('boxes.jsonl line 2: not a record with a "file" string');
  });
});

describe('a form end to end, offline: the truth with known changes as records, scored exactly', () => {
  it('dropped, added and shifted boxes give the figures computed by hand', async () => {
    const dir = await tmp();
    const template = join(FORMS, 'hihokensha-shikaku-shutoku-todoke/template.json');
    const [truth] = (await loadTruth(template)) as TruthDocument[];
    const boxes = truth.pages[0].boxes.map(({ box }) => box.map((v) => v * 1000)); // 104 text fields
    // Drop 4, shift 10 by half their width (IoU 1/3: matched at 0.3 only), add 6 far from every field.
    const kept = boxes.slice(4);
    const shifted = kept.map((b, i) => (i < 10 ? [b[0] + (b[2] - b[0]) / 2, b[1], b[2] + (b[2] - b[0]) / 2, b[3]] : b));
    const added = Array.from({ length: 6 }, (_, i) => [i * 10, 995, i * 10 + 5, 1000]);
    const record = {
      file: truth.file,
      ok: true,
      ms: 1,
      result: {
        bboxes: [...shifted, ...added].map((b) => ({ bbox_normalized: b, bbox_pixel: b.map(Math.floor) })),
        count: 106,
        raw_output: '',
        image_size: { width: 1240, height: 1754 },
        model: 'pdfme-form-field-detector-lora',
      },
    };
    await writeFile(join(dir, 'records.jsonl'), `${JSON.stringify(record)}\n`);
    const { report } = evaluate([truth], await readDetectionRecords(join(dir, 'records.jsonl')));
    // At 0.5 and 0.7: 90 matched exactly; at 0.3 the 10 shifted ones match too (IoU 1/3).
    expect(report.overall.iou50).toMatchObject({
      truth: 104,
      predicted: 106,
      matched: 90,
      meanIou: expect.closeTo(1, 9),
    });
    expect(report.overall.iou50.precision).toBeCloseTo(90 / 106, 12);
    expect(report.overall.iou50.recall).toBeCloseTo(90 / 104, 12);
    expect(report.overall.iou50.f1).toBeCloseTo(180 / 210, 12);
    expect(report.overall.iou70.matched).toBe(90);
    expect(report.overall.iou30.matched).toBe(100);
    expect(report.overall.iou30.meanIou).toBeCloseTo((90 + 10 / 3) / 100, 6);
    expect(report.types.text.iou50).toMatchObject({ truth: 104, matched: 90 });
    expect(report.models).toEqual(['pdfme-form-field-detector-lora']);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report); // report.json round-trips
  });
});

describe('evaluation overlays', () => {
  it('draws true positives green, false positives red and misses blue', async () => {
    const image = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const truthBox = (x1: number, y1: number, x2: number, y2: number) => ({
      box: fromNormalized([x1, y1, x2, y2]),
      type: 'text',
    });
    const score = scorePage(
      '/a.png',
      { page: 1, boxes: [truthBox(100, 100, 300, 400), truthBox(600, 100, 800, 400)] },
      { page: 1, boxes: [fromNormalized([100, 100, 300, 400]), fromNormalized([100, 600, 300, 900])] },
    );
    const png = await drawEvaluationOverlay(image, score, { strokeWidth: 2 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => {
      const at = (y * info.width + x) * info.channels;
      return `#${[0, 1, 2].map((c) => data[at + c].toString(16).padStart(2, '0')).join('')}`;
    };
    expect([info.width, info.height]).toEqual([200, 100]);
    expect(pixel(20, 25)).toBe(EVALUATION_OVERLAY_COLORS.truePositive); // left edge of the matched box, x = 20
    expect(pixel(20, 75)).toBe(EVALUATION_OVERLAY_COLORS.falsePositive); // left edge of the extra box, y 60–90
    expect(pixel(122, 10)).toBe(EVALUATION_OVERLAY_COLORS.miss); // top edge of the missed box, y = 10 (dashed)
    expect(pixel(100, 50)).toBe('#ffffff');
  });
});

it('reads its own fixtures byte for byte from test/fixtures/forms', async () => {
  // The README and licence travel with the forms.
  expect(await readFile(join(FORMS, 'LICENSE-pdfme.md'), 'utf8')).toMatch(/^MIT License/);
  const predictions: PredictedDocument[] = [];
  const { report } = evaluate(await loadTruth(join(FORMS, 'mhlw-regular-health-check-report')), predictions);
  expect(report.unscored).toEqual([
    { file: join(FORMS, 'mhlw-regular-health-check-report/source.pdf'), reason: 'no detection record for this file' },
  ]);
});
