/**
 * A/B end to end: the real controller in front of the stand-in vLLM, which answers one set of boxes for the adapter
 * and another for the base model; the SDK asks for each (`adapter: false` for the base), the records are scored
 * against JSONL truth, and the comparison shows both models and the difference, with figures computed by hand.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AzureMlDetectorClient,
  compareReports,
  evaluate,
  formatComparisonMarkdown,
  loadTruth,
  parseDetectionRecords,
  type DetectorClient,
} from '../../lib/client';
import { makeImage } from '../client/helpers';
import { startController, type ControllerProcess } from '../container/helpers/controller-process';

const BASE = 'Qwen/Qwen3-VL-8B-Instruct';
const ADAPTER = 'pdfme-form-field-detector-lora';
const TRUTH = [
  [100, 100, 400, 150],
  [100, 200, 400, 250],
  [100, 300, 400, 350],
  [500, 100, 900, 150],
];
const answer = (boxes: number[][]) => JSON.stringify({ applicant_fields: boxes.map((bbox) => ({ bbox })) });
// Adapter: three of the four fields exactly, one missed, one extra.
const ADAPTER_BOXES = [...TRUTH.slice(0, 3), [600, 800, 700, 850]];
// Base: one field shifted by half its width (IoU 1/3), two boxes that are not fields.
const BASE_BOXES = [
  [250, 100, 550, 150],
  [0, 900, 100, 950],
  [900, 900, 1000, 1000],
];

let ctl: ControllerProcess;
beforeAll(async () => {
  ctl = await startController({
    env: { STANDIN_OUTPUT_BY_MODEL: JSON.stringify({ [ADAPTER]: answer(ADAPTER_BOXES), [BASE]: answer(BASE_BOXES) }) },
  });
});
afterAll(async () => {
  await ctl?.stop();
});

/** What form-detect --out writes per image, for every image, through the SDK. */
async function records(client: DetectorClient, files: string[], adapter?: boolean) {
  const lines = [];
  for (const file of files) {
    const result = await client.detect(file, adapter === undefined ? {} : { adapter });
    lines.push(JSON.stringify({ file, ok: true, ms: 1, result }));
  }
  return lines.join('\n');
}

it('the stand-in answers differently for the adapter and the base model; the comparison shows both', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eval-ab-'));
  const files = ['page-1.png', 'page-2.png'].map((name) => join(dir, name));
  for (const file of files) await writeFile(file, await makeImage(1240, 1754));
  await writeFile(
    join(dir, 'truth.jsonl'),
    ['page-1.png', 'page-2.png']
      .map((file) => JSON.stringify({ file, boxes: TRUTH.map((bbox) => ({ bbox, type: 'text' })) }))
      .join('\n'),
  );
  const truth = await loadTruth(join(dir, 'truth.jsonl'));
  const client = new AzureMlDetectorClient({ scoringUri: `${ctl.url}/score`, auth: { key: 'unused' } });
  try {
    const adapter = evaluate(truth, parseDetectionRecords(await records(client, files))).report;
    const base = evaluate(truth, parseDetectionRecords(await records(client, files, false))).report;
    expect(adapter.models).toEqual([ADAPTER]);
    expect(base.models).toEqual([BASE]);
    // Adapter, over both pages: 8 truth, 8 predicted, 6 matched at every threshold.
    expect(adapter.overall.iou50).toEqual({
      precision: 0.75,
      recall: 0.75,
      f1: 0.75,
      meanIou: 1,
      truth: 8,
      predicted: 8,
      matched: 6,
    });
    // Base: 8 truth, 6 predicted; the shifted box matches at 0.3 only.
    expect(base.overall.iou50).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
      meanIou: null,
      truth: 8,
      predicted: 6,
      matched: 0,
    });
    expect(base.overall.iou30).toMatchObject({ matched: 2, precision: 1 / 3, recall: 0.25 });
    expect(base.overall.iou30.meanIou).toBeCloseTo(1 / 3, 12);

    const comparison = compareReports(adapter, base);
    expect(comparison.adapter.models).toEqual([ADAPTER]);
    expect(comparison.base.models).toEqual([BASE]);
    expect(comparison.difference.iou50).toEqual({ precision: 0.75, recall: 0.75, f1: 0.75, meanIou: null });
    expect(comparison.difference.iou30.recall).toBeCloseTo(0.5, 12);
    const markdown = formatComparisonMarkdown(comparison);
    expect(markdown).toContain(`Adapter: \`${ADAPTER}\`; base: \`${BASE}\`.`);
    expect(markdown).toContain('| IoU ≥ 0.5 | recall | 75.0 % | 0.0 % | +75.0 pt |');
  } finally {
    await client.close();
  }
});
