/**
 * Known answers for the matcher and the metrics, computed by hand on small cases. Boxes are written in 0–1000 (as
 * the model answers) and compared as page fractions.
 */
import {
  compareReports,
  evaluate,
  formatComparisonMarkdown,
  formatReportMarkdown,
  matchBoxes,
  metricsOf,
  type PageBox,
  type PredictedDocument,
  type TruthDocument,
} from '../../lib/client';
import { fromNormalized } from '../../lib/client/eval';
import { iou } from '../../lib/client/pdf/field-boxes';

const box = (x1: number, y1: number, x2: number, y2: number): PageBox => fromNormalized([x1, y1, x2, y2]);
const A = box(0, 0, 100, 100);
const B = box(200, 200, 400, 300);
const C = box(600, 600, 700, 800);

/** One file, one page per entry: truth boxes (all of type text unless given) and predicted boxes. */
function scored(pages: Array<{ truth: Array<PageBox | [PageBox, string]>; predicted: PageBox[] }>) {
  const truth: TruthDocument[] = [
    {
      file: '/forms/a.pdf',
      source: '/forms/truth.jsonl',
      pages: pages.map((p, index) => ({
        page: index + 1,
        boxes: p.truth.map((t) =>
          typeof t[1] === 'string' ? { box: t[0] as PageBox, type: t[1] } : { box: t as PageBox, type: 'text' },
        ),
      })),
    },
  ];
  const predictions: PredictedDocument[] = [
    { file: '/forms/a.pdf', failures: [], pages: pages.map((p, index) => ({ page: index + 1, boxes: p.predicted })) },
  ];
  return evaluate(truth, predictions).report;
}

describe('IoU', () => {
  it('is intersection over union, the same in any per-axis scale', () => {
    expect(iou(box(0, 0, 100, 100), box(50, 0, 150, 100))).toBeCloseTo(1 / 3, 12); // 5000 / 15000
    expect(iou(box(0, 0, 100, 100), box(20, 0, 120, 100))).toBeCloseTo(2 / 3, 12); // 8000 / 12000
    expect(iou(A, B)).toBe(0);
    expect(iou(A, A)).toBe(1);
    // The same two boxes in millimetres of a 210 × 297 mm page, as fractions: the same IoU.
    const mm = (x1: number, y1: number, x2: number, y2: number): PageBox => [x1 / 210, y1 / 297, x2 / 210, y2 / 297];
    expect(iou(mm(0, 0, 21, 29.7), mm(10.5, 0, 31.5, 29.7))).toBeCloseTo(1 / 3, 12);
  });
});

describe('metrics: known answers', () => {
  it('perfect: every box found exactly', () => {
    const report = scored([{ truth: [A, B], predicted: [B, A] }]);
    for (const key of ['iou30', 'iou50', 'iou70']) {
      expect(report.overall[key]).toEqual({
        precision: 1,
        recall: 1,
        f1: 1,
        meanIou: 1,
        truth: 2,
        predicted: 2,
        matched: 2,
      });
    }
  });

  it('shifted: IoU 2/3 and 1/3 match at 0.3, one at 0.5, none at 0.7', () => {
    const report = scored([
      {
        truth: [box(0, 0, 100, 100), box(500, 500, 600, 600)],
        predicted: [box(20, 0, 120, 100), box(550, 500, 650, 600)],
      },
    ]);
    expect(report.overall.iou30).toMatchObject({ precision: 1, recall: 1, f1: 1, matched: 2 });
    expect(report.overall.iou30.meanIou).toBeCloseTo(0.5, 12); // (2/3 + 1/3) / 2
    expect(report.overall.iou50).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, matched: 1 });
    expect(report.overall.iou50.meanIou).toBeCloseTo(2 / 3, 12);
    expect(report.overall.iou70).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
      meanIou: null,
      truth: 2,
      predicted: 2,
      matched: 0,
    });
  });

  it('one extra box: precision 2/3, recall 1, F1 0.8', () => {
    const { iou50 } = scored([{ truth: [A, B], predicted: [A, B, C] }]).overall;
    expect(iou50).toEqual({ precision: 2 / 3, recall: 1, f1: 0.8, meanIou: 1, truth: 2, predicted: 3, matched: 2 });
  });

  it('one missed box: precision 1, recall 2/3, F1 0.8', () => {
    const { iou50 } = scored([{ truth: [A, B, C], predicted: [A, B] }]).overall;
    expect(iou50).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, meanIou: 1, truth: 3, predicted: 2, matched: 2 });
  });

  it('duplicates: a box predicted twice matches once; the copy is a false positive', () => {
    expect(scored([{ truth: [A], predicted: [A, A] }]).overall.iou50).toEqual({
      precision: 0.5,
      recall: 1,
      f1: 2 / 3,
      meanIou: 1,
      truth: 1,
      predicted: 2,
      matched: 1,
    });
    // Two truth boxes in one place and one prediction: one of them is missed.
    expect(scored([{ truth: [A, A], predicted: [A] }]).overall.iou50).toMatchObject({ precision: 1, recall: 0.5 });
  });

  it('no truth: predictions are all false positives; precision 0, recall 1 (nothing to find), F1 0', () => {
    expect(scored([{ truth: [], predicted: [A, B] }]).overall.iou50).toEqual({
      precision: 0,
      recall: 1,
      f1: 0,
      meanIou: null,
      truth: 0,
      predicted: 2,
      matched: 0,
    });
  });

  it('no predictions: precision 1 (nothing wrong predicted), recall 0, F1 0', () => {
    expect(scored([{ truth: [A, B], predicted: [] }]).overall.iou50).toEqual({
      precision: 1,
      recall: 0,
      f1: 0,
      meanIou: null,
      truth: 2,
      predicted: 0,
      matched: 0,
    });
  });

  it('both empty: a page without fields and without predictions is perfect; mean IoU stays null', () => {
    expect(scored([{ truth: [], predicted: [] }]).overall.iou50).toEqual({
      precision: 1,
      recall: 1,
      f1: 1,
      meanIou: null,
      truth: 0,
      predicted: 0,
      matched: 0,
    });
    expect(metricsOf({ truth: 0, predicted: 0, matched: 0, iouSum: 0 }).f1).toBe(1);
  });

  it('several pages: counts add up before dividing (micro-average), per page too', () => {
    const report = scored([
      { truth: [A, B], predicted: [A, B] }, // 2 truth, 2 predicted, 2 matched
      { truth: [A, B, C], predicted: [C] }, // 3, 1, 1
      { truth: [], predicted: [A, B] }, // 0, 2, 0
    ]);
    // 5 truth, 5 predicted, 3 matched. (The mean of the page precisions would be (1 + 1 + 0) / 3.)
    expect(report.overall.iou50).toEqual({
      precision: 0.6,
      recall: 0.6,
      f1: 0.6,
      meanIou: 1,
      truth: 5,
      predicted: 5,
      matched: 3,
    });
    const [file] = report.files;
    expect(file.overall.iou50).toEqual(report.overall.iou50);
    expect(file.pages.map((p) => [p.page, p.overall.iou50.precision, p.overall.iou50.recall])).toEqual([
      [1, 1, 1],
      [2, 1, 1 / 3],
      [3, 0, 1],
    ]);
  });

  it('per field type: recall and mean IoU of each type (predictions have no type, so no precision)', () => {
    const report = scored([
      {
        truth: [
          [A, 'text'],
          [B, 'text'],
          [C, 'checkbox'],
          [box(900, 900, 950, 950), 'circleMark'],
        ],
        predicted: [A, C, box(0, 500, 100, 600)],
      },
    ]);
    expect(report.types).toEqual({
      checkbox: {
        iou30: { truth: 1, matched: 1, recall: 1, meanIou: 1 },
        iou50: { truth: 1, matched: 1, recall: 1, meanIou: 1 },
        iou70: { truth: 1, matched: 1, recall: 1, meanIou: 1 },
      },
      circleMark: {
        iou30: { truth: 1, matched: 0, recall: 0, meanIou: null },
        iou50: { truth: 1, matched: 0, recall: 0, meanIou: null },
        iou70: { truth: 1, matched: 0, recall: 0, meanIou: null },
      },
      text: {
        iou30: { truth: 2, matched: 1, recall: 0.5, meanIou: 1 },
        iou50: { truth: 2, matched: 1, recall: 0.5, meanIou: 1 },
        iou70: { truth: 2, matched: 1, recall: 0.5, meanIou: 1 },
      },
    });
    expect(report.overall.iou50).toMatchObject({ truth: 4, predicted: 3, matched: 2 });
  });
});

describe('matching is optimal, not greedy', () => {
  // One row of boxes 100 high, so IoU is the overlap of the x intervals over their union.
  const strip = (x1: number, x2: number) => box(x1, 0, x2, 100);

  it('finds two matches where a greedy pass by IoU finds one', () => {
    const truth = [strip(0, 100), strip(100, 160)];
    // P1 overlaps T1 with 90/160 = 0.5625 and T2 with 60/150 = 0.4; P2 overlaps T1 only, with 45/100 = 0.45.
    const predicted = [strip(10, 160), strip(0, 45)];
    // Greedy takes P1–T1 (0.5625) first and leaves P2 and T2 unmatched; the optimum is P1–T2 and P2–T1.
    const match = matchBoxes(truth, predicted, 0.3);
    expect(match.pairs.map(({ truth: t, predicted: p }) => [t, p])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(match.pairs[0].iou).toBeCloseTo(0.45, 12);
    expect(match.pairs[1].iou).toBeCloseTo(0.4, 12);
    expect(match).toMatchObject({ missed: [], extra: [] });
  });

  it('among equally many matches takes the largest total IoU, whatever the order of the boxes', () => {
    const truth = [strip(0, 100)];
    for (const predicted of [
      [strip(0, 60), strip(0, 90)],
      [strip(0, 90), strip(0, 60)],
    ]) {
      const match = matchBoxes(truth, predicted, 0.5);
      expect(match.pairs).toHaveLength(1);
      expect(match.pairs[0].iou).toBeCloseTo(0.9, 12);
      expect(match.extra).toHaveLength(1);
    }
  });

  it('never pairs boxes under the threshold, even when the assignment has room', () => {
    const match = matchBoxes([strip(0, 100)], [strip(60, 160)], 0.5); // IoU 40/160 = 0.25
    expect(match).toEqual({ threshold: 0.5, pairs: [], missed: [0], extra: [0] });
  });

  it('refuses a threshold outside (0, 1]', () => {
    expect(() => matchBoxes([A], [A], 0)).toThrow(/\(0, 1\]/);
    expect(() => evaluate([], [], { thresholds: [1.5] })).toThrow(/IoU thresholds must be numbers in \(0, 1\]/);
  });
});

describe('pairing files and pages', () => {
  it('scores only truth pages; a missing record, a failed page and a missing page are listed as not scored', () => {
    const truth: TruthDocument[] = [
      { file: '/data/a.png', source: '/data/truth.jsonl', pages: [{ page: 1, boxes: [{ box: A, type: 'text' }] }] },
      {
        file: '/data/b.pdf',
        source: '/data/truth.jsonl',
        pages: [1, 2, 3].map((page) => ({ page, boxes: [{ box: B, type: 'text' }] })),
      },
      { file: '/data/c.png', source: '/data/truth.jsonl', pages: [{ page: 1, boxes: [] }] },
    ];
    const predictions: PredictedDocument[] = [
      // Recorded elsewhere: paired by its unique file name.
      { file: '/elsewhere/a.png', failures: [], pages: [{ page: 1, boxes: [A], model: 'lora' }] },
      {
        file: '/data/b.pdf',
        failures: [{ page: 2, reason: 'timeout: too slow' }],
        pages: [
          { page: 1, boxes: [B], model: 'lora' },
          { page: 4, boxes: [C], model: 'lora' },
        ],
      },
      { file: '/data/extra.png', failures: [], pages: [{ page: 1, boxes: [A] }] },
    ];
    const { report } = evaluate(truth, predictions);
    expect(report.overall.iou50).toMatchObject({ truth: 2, predicted: 2, matched: 2 });
    expect(report.models).toEqual(['lora']);
    expect(report.files.map((f) => [f.file, f.pages.map((p) => p.page)])).toEqual([
      ['/data/a.png', [1]],
      ['/data/b.pdf', [1]],
    ]);
    expect(report.unscored).toEqual([
      { file: '/data/b.pdf', page: 2, reason: 'detection failed: timeout: too slow' },
      { file: '/data/b.pdf', page: 3, reason: 'no prediction for this page' },
      { file: '/data/c.png', reason: 'no detection record for this file' },
      { file: '/data/extra.png', reason: 'no truth for this file: not scored' },
    ]);
  });
});

describe('Markdown and the adapter-versus-base comparison', () => {
  const adapter = scored([{ truth: [A, B, C], predicted: [A, B, box(0, 500, 50, 550)] }]); // 2 of 3, 2 of 3
  const base = scored([{ truth: [A, B, C], predicted: [A] }]); // 1 of 1, 1 of 3

  it('prints the overall table, per file and per type', () => {
    const markdown = formatReportMarkdown(adapter);
    expect(markdown).toContain('| IoU | precision | recall | F1 | mean IoU | truth | predicted | matched |');
    expect(markdown).toContain('| IoU ≥ 0.5 | 66.7 % | 66.7 % | 66.7 % | 1.000 | 3 | 3 | 2 |');
    expect(markdown).toContain('| /forms/a.pdf | 1 | 66.7 % | 66.7 % | 66.7 % | 1.000 | 3 | 3 | 2 |');
    expect(markdown).toContain('| text | 3 | 66.7 % | 66.7 % | 66.7 % | 1.000 |');
  });

  it('reports both models and adapter minus base', () => {
    const comparison = compareReports(adapter, base);
    expect(comparison.difference.iou50.precision).toBeCloseTo(2 / 3 - 1, 12);
    expect(comparison.difference.iou50.recall).toBeCloseTo(2 / 3 - 1 / 3, 12);
    expect(comparison.difference.iou50.f1).toBeCloseTo(2 / 3 - 0.5, 12); // base F1 = 2·1 / (3 + 1)
    expect(comparison.difference.iou50.meanIou).toBe(0);
    expect(comparison.typeRecallDifference.text.iou50).toBeCloseTo(1 / 3, 12);
    const markdown = formatComparisonMarkdown(comparison);
    expect(markdown).toContain('| IoU ≥ 0.5 | precision | 66.7 % | 100.0 % | −33.3 pt |');
    expect(markdown).toContain('| IoU ≥ 0.5 | recall | 66.7 % | 33.3 % | +33.3 pt |');
    expect(markdown).toContain('| IoU ≥ 0.5 | F1 | 66.7 % | 50.0 % | +16.7 pt |');
  });
});
