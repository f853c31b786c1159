/**
 * `form-detect eval` against a deployment, end to end: the built CLI as a process → the SageMaker runtime stand-in →
 * the real controller → the stand-in vLLM, which answers with the truth changed on purpose (boxes dropped, added,
 * shifted). The report must show exactly the figures worked out here by hand — counts and ratios from the changes
 * made; mean IoU from the boxes sent, by a small IoU written below, never by the library under test.
 *
 * - a real form (test/fixtures/forms, its pdfme template alone: the basePdf data URI is the form, rendered page by
 *   page) and two scans with JSONL truth, in one truth directory;
 * - adapter versus base model: the stand-in answers each model differently; --compare-base shows both and the
 *   difference, and SageMaker carried `adapter=true` / `adapter=false` as the custom attribute;
 * - resume: a --compare-base run stopped by SIGINT during the base model's run, then resumed, sends nothing for what
 *   either run recorded (requests counted at the stand-in vLLM).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadPdf } from '../../lib/client/pdf/pdf-pages';
import { makeImage } from '../client/helpers';
import {
  REPO,
  controlStandIn,
  standInCount,
  startController,
  waitFor,
  type ControllerProcess,
} from '../container/helpers/controller-process';
import { startSageMakerRuntimeStandIn, type SageMakerStandIn } from '../stand-ins/sagemaker-runtime';
import { STAND_IN_AWS_ENV, runCliProcess, startCliProcess } from './helpers';

type Box = [number, number, number, number];

const ADAPTER = 'pdfme-form-field-detector-lora';
const BASE = 'Qwen/Qwen3-VL-8B-Instruct';
const FORM = join(REPO, 'test/fixtures/forms/mhlw-clinical-information-referral-form-besshi11');

let ctl: ControllerProcess;
let sagemaker: SageMakerStandIn;
let env: Record<string, string>;
beforeAll(async () => {
  ctl = await startController();
  sagemaker = await startSageMakerRuntimeStandIn({ upstream: ctl.url });
  env = { ...STAND_IN_AWS_ENV, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sagemaker.url };
});
afterAll(async () => {
  await sagemaker?.close();
  await ctl?.stop();
});
beforeEach(async () => {
  await controlStandIn(ctl, { outputs: [], outputByModel: {}, delayMs: 0, findColor: null });
});

const ENDPOINT = ['--cloud', 'aws', '--endpoint', 'form-detector'];
const answer = (boxes: Box[]) => JSON.stringify({ applicant_fields: boxes.map((bbox) => ({ bbox })) });

/** Intersection over union of two [x1, y1, x2, y2] boxes: the test's own, so expected mean IoUs do not come from the library. */
function overlap(a: readonly number[], b: readonly number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const area = (r: readonly number[]) => (r[2] - r[0]) * (r[3] - r[1]);
  return (w * h) / (area(a) + area(b) - w * h);
}

// Four fields per scan, in 0–1000 of the image (whole numbers: a box sent back unchanged has IoU exactly 1).
const SCAN_TRUTH: Box[] = [
  [100, 100, 400, 150],
  [100, 200, 400, 250],
  [100, 300, 400, 350],
  [500, 100, 900, 150],
];

async function scans(dir: string, names: string[]) {
  await mkdir(dir, { recursive: true });
  for (const name of names) await writeFile(join(dir, name), await makeImage(1240, 1754));
  await writeFile(
    join(dir, 'truth.jsonl'),
    names.map((file) => JSON.stringify({ file, boxes: SCAN_TRUTH.map((bbox) => ({ bbox, type: 'text' })) })).join('\n'),
  );
}

interface Field {
  type: string;
  position: { x: number; y: number };
  width: number;
  height: number;
}

it('a real form (rendered from its template) and two scans: the report shows exactly the changes made', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eval-e2e-'));
  await mkdir(join(dir, 'truth', 'form'), { recursive: true });
  await copyFile(join(FORM, 'template.json'), join(dir, 'truth', 'form', 'template.json'));
  await scans(join(dir, 'truth', 'scans'), ['a.png', 'b.png']);

  // The form's fields in page fractions, and as the model answers them: whole numbers in 0–1000 of the page.
  const template = JSON.parse(await readFile(join(FORM, 'template.json'), 'utf8')) as { schemas: Field[][] };
  const { pages } = await loadPdf(await readFile(join(FORM, 'source.pdf')), 'source.pdf');
  const fractions = template.schemas.map((fields, page) => {
    const { widthMm, heightMm } = pages[page].size;
    return fields.map(({ position: { x, y }, width, height }) => [
      x / widthMm,
      y / heightMm,
      (x + width) / widthMm,
      (y + height) / heightMm,
    ]);
  });
  const sent = fractions.map((boxes) => boxes.map((box) => box.map((v) => Math.round(v * 1000)) as Box));
  const type = (page: number, index: number) => template.schemas[page][index].type;
  expect([type(0, 3), type(0, 11), type(0, 19), type(1, 0), type(1, 8), type(1, 9)]).toEqual([
    'text',
    'circleMark',
    'text',
    'text',
    'checkbox',
    'checkbox',
  ]);

  // Page 1 (26 fields): two dropped (a text, a circleMark), one text moved down by a quarter of its height (IoU about
  // 0.6: a match at 0.3 and 0.5, not at 0.7), one box added in the empty top-left margin.
  const p1 = sent[0].map((box) => [...box] as Box);
  const [x1, y1, x2, y2] = p1[19];
  const quarter = Math.round((y2 - y1) / 4);
  p1[19] = [x1, y1 + quarter, x2, y2 + quarter];
  const page1 = [...p1.filter((_, i) => i !== 3 && i !== 11), [10, 10, 40, 40] as Box];
  // Page 2 (33 fields): two checkboxes dropped; one text moved to the empty bottom margin (a miss and a false
  // positive); two boxes added in empty corners.
  const p2 = sent[1].map((box) => [...box] as Box);
  p2[0] = [300, 960, 600, 980];
  const page2 = [...p2.filter((_, i) => i !== 8 && i !== 9), [10, 10, 40, 40] as Box, [960, 960, 990, 990] as Box];
  const added = [
    [10, 10, 40, 40],
    [960, 960, 990, 990],
    [300, 960, 600, 980],
  ];
  for (const box of added) {
    for (const truth of fractions.flat())
      expect(
        overlap(
          box,
          truth.map((v) => v * 1000),
        ),
      ).toBe(0);
  }
  const shiftedIou = overlap(
    p1[19],
    fractions[0][19].map((v) => v * 1000),
  );
  expect(shiftedIou).toBeGreaterThan(0.5);
  expect(shiftedIou).toBeLessThan(0.7);

  // Scan a: one field dropped, one box added. Scan b: one field moved right by a fifth of its width (IoU 2/3).
  const scanA = [...SCAN_TRUTH.filter((_, i) => i !== 2), [600, 800, 700, 850] as Box];
  const scanB = SCAN_TRUTH.map((box, i) => (i === 1 ? ([160, 200, 460, 250] as Box) : box));
  // Inputs go in truth order (form/, then scans/), one at a time, a PDF's pages in order.
  await controlStandIn(ctl, { outputs: [answer(page1), answer(page2), answer(scanA), answer(scanB)] });
  const before = await standInCount(ctl);

  const out = join(dir, 'report.json');
  const overlays = join(dir, 'overlays');
  const run = await runCliProcess(
    ['eval', '--truth', join(dir, 'truth'), ...ENDPOINT, '--concurrency', '1', '--out', out, '--overlay', overlays],
    env,
  );
  expect(run.stderr).toMatch(/template\.json\s+58\s+\d+\s+ok/);
  expect(run.code).toBe(0);
  expect(await standInCount(ctl)).toBe(before + 4);

  // Matched pairs at 0.5: the form's 54 (every field sent back but the 4 dropped or moved away, and the one moved
  // down), scan a's 3 and scan b's 4. At 0.7 the two shifted boxes drop out.
  const form50 = [
    ...fractions[0]
      .map((truth, i) =>
        i === 3 || i === 11
          ? null
          : overlap(
              p1[i],
              truth.map((v) => v * 1000),
            ),
      )
      .filter((v): v is number => v !== null),
    ...fractions[1]
      .map((truth, i) =>
        i === 0 || i === 8 || i === 9
          ? null
          : overlap(
              p2[i],
              truth.map((v) => v * 1000),
            ),
      )
      .filter((v): v is number => v !== null),
  ];
  expect(form50).toHaveLength(54);
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const report = JSON.parse(await readFile(out, 'utf8'));
  const templatePath = join(dir, 'truth', 'form', 'template.json');
  const [form, a, b] = report.files;
  expect([form.file, a.file, b.file]).toEqual([
    templatePath,
    join(dir, 'truth', 'scans', 'a.png'),
    join(dir, 'truth', 'scans', 'b.png'),
  ]);
  expect(form.overall.iou50).toMatchObject({
    truth: 59,
    predicted: 58,
    matched: 54,
    precision: 54 / 58,
    recall: 54 / 59,
  });
  expect(form.overall.iou50.meanIou).toBeCloseTo(sum(form50) / 54, 12);
  expect(form.overall.iou70).toMatchObject({ matched: 53 });
  expect(form.pages.map((p: { overall: { iou50: object } }) => p.overall.iou50)).toEqual([
    expect.objectContaining({ truth: 26, predicted: 25, matched: 24 }),
    expect.objectContaining({ truth: 33, predicted: 33, matched: 30 }),
  ]);
  expect(a.overall.iou50).toEqual({
    precision: 0.75,
    recall: 0.75,
    f1: 0.75,
    meanIou: 1,
    truth: 4,
    predicted: 4,
    matched: 3,
  });
  expect(b.overall.iou50).toMatchObject({ precision: 1, recall: 1, f1: 1, truth: 4, predicted: 4, matched: 4 });
  expect(b.overall.iou50.meanIou).toBeCloseTo((3 + 2 / 3) / 4, 12);
  expect(b.overall.iou70).toMatchObject({ matched: 3, meanIou: 1 });

  // Overall: 67 truth, 66 predicted; 61 matched at 0.3 and 0.5, 59 at 0.7.
  expect(report.overall.iou50).toMatchObject({
    truth: 67,
    predicted: 66,
    matched: 61,
    precision: 61 / 66,
    recall: 61 / 67,
    f1: 122 / 133,
  });
  expect(report.overall.iou50.meanIou).toBeCloseTo((sum(form50) + 3 + 3 + 2 / 3) / 61, 12);
  expect(report.overall.iou30).toMatchObject({ matched: 61 });
  expect(report.overall.iou70).toMatchObject({ matched: 59, precision: 59 / 66, recall: 59 / 67 });
  // Per type: text 48 on the form + 8 on the scans, 2 + 1 missed; at 0.7 also the two shifted texts.
  expect(report.types.text.iou50).toMatchObject({ truth: 56, matched: 53, recall: 53 / 56 });
  expect(report.types.text.iou70).toMatchObject({ truth: 56, matched: 51 });
  expect(report.types.circleMark.iou50).toMatchObject({ truth: 4, matched: 3, recall: 0.75 });
  expect(report.types.checkbox.iou50).toMatchObject({ truth: 7, matched: 5, recall: 5 / 7 });
  expect(report.models).toEqual([ADAPTER]);
  expect(report.unscored).toEqual([]);

  // The same figures on stdout: 61/66 = 92.4 %, 61/67 = 91.0 %, 122/133 = 91.7 %.
  expect(run.stdout).toContain('Model: `pdfme-form-field-detector-lora`');
  expect(run.stdout).toMatch(/\| IoU ≥ 0\.5 \| 92\.4 % \| 91\.0 % \| 91\.7 % \| 0\.\d{3} \| 67 \| 66 \| 61 \|/);
  expect(run.stdout).toContain(`| ${templatePath} | 2 | 93.1 % | 91.5 % | 92.3 % |`);

  // Overlays: each PDF page as rendered for detection, each scan as it is.
  expect((await readdir(overlays)).sort()).toEqual([
    'a.eval.png',
    'b.eval.png',
    'template-p1.eval.png',
    'template-p2.eval.png',
  ]);
  expect((await sharp(join(overlays, 'template-p1.eval.png')).metadata()).height).toBe(2048);
  expect((await sharp(join(overlays, 'a.eval.png')).metadata()).width).toBe(1240);
});

// The adapter finds three of the four fields and adds one box; the base model finds one field shifted by half its
// width (IoU 1/3: a match at 0.3 only) and two boxes that are no fields.
const ADAPTER_BOXES: Box[] = [...SCAN_TRUTH.slice(0, 3), [600, 800, 700, 850]];
const BASE_BOXES: Box[] = [
  [250, 100, 550, 150],
  [0, 900, 100, 950],
  [900, 900, 1000, 1000],
];

it('--compare-base: the same deployment asked with and without its adapter; both reports and the difference', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eval-e2e-ab-'));
  await scans(dir, ['page-1.png', 'page-2.png']);
  await controlStandIn(ctl, { outputByModel: { [ADAPTER]: answer(ADAPTER_BOXES), [BASE]: answer(BASE_BOXES) } });
  const first = sagemaker.requests.length;
  const out = join(dir, 'ab.json');
  const run = await runCliProcess(
    ['eval', '--truth', join(dir, 'truth.jsonl'), ...ENDPOINT, '--compare-base', '--out', out],
    env,
  );
  expect(run.code).toBe(0);
  // SageMaker carried the choice to the container as the custom attribute, adapter run first.
  expect(sagemaker.requests.slice(first).map((r) => r.headers['x-amzn-sagemaker-custom-attributes'])).toEqual([
    'adapter=true',
    'adapter=true',
    'adapter=false',
    'adapter=false',
  ]);
  const written = JSON.parse(await readFile(out, 'utf8'));
  expect(written.adapter.models).toEqual([ADAPTER]);
  expect(written.base.models).toEqual([BASE]);
  // Adapter, over both scans: 8 truth, 8 predicted, 6 matched (IoU 1) at every threshold.
  expect(written.adapter.overall.iou50).toEqual({
    precision: 0.75,
    recall: 0.75,
    f1: 0.75,
    meanIou: 1,
    truth: 8,
    predicted: 8,
    matched: 6,
  });
  // Base: 8 truth, 6 predicted, nothing at 0.5; the two shifted boxes at 0.3.
  expect(written.base.overall.iou50).toEqual({
    precision: 0,
    recall: 0,
    f1: 0,
    meanIou: null,
    truth: 8,
    predicted: 6,
    matched: 0,
  });
  expect(written.base.overall.iou30).toMatchObject({ matched: 2, precision: 1 / 3, recall: 0.25, f1: 4 / 14 });
  expect(written.base.overall.iou30.meanIou).toBeCloseTo(1 / 3, 12);
  expect(written.comparison.difference.iou50).toEqual({ precision: 0.75, recall: 0.75, f1: 0.75, meanIou: null });
  expect(written.comparison.difference.iou30.recall).toBeCloseTo(0.5, 12);
  expect(written.comparison.difference.iou30.meanIou).toBeCloseTo(2 / 3, 12);

  expect(run.stdout).toContain('## Adapter');
  expect(run.stdout).toContain('## Base model');
  expect(run.stdout).toContain(`Adapter: \`${ADAPTER}\`; base: \`${BASE}\`.`);
  expect(run.stdout).toContain('| IoU ≥ 0.5 | recall | 75.0 % | 0.0 % | +75.0 pt |');
  expect(run.stdout).toContain('| IoU ≥ 0.3 | recall | 75.0 % | 25.0 % | +50.0 pt |');
  expect(run.stdout).toContain('| IoU ≥ 0.3 | mean IoU | 1.000 | 0.333 | +0.667 |');
  // Each run kept its own records beside the report.
  const models = async (path: string) =>
    (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).result.model);
  expect(await models(join(dir, 'ab.records.jsonl'))).toEqual([ADAPTER, ADAPTER]);
  expect(await models(join(dir, 'ab.records.base.jsonl'))).toEqual([BASE, BASE]);
});

it('stopped by SIGINT during the base run, then --resume: nothing recorded by either run is sent again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eval-e2e-resume-'));
  const names = Array.from({ length: 5 }, (_, i) => `scan-${i + 1}.png`);
  await scans(dir, names);
  await controlStandIn(ctl, {
    outputByModel: { [ADAPTER]: answer(ADAPTER_BOXES), [BASE]: answer(BASE_BOXES) },
    delayMs: 300,
  });
  const out = join(dir, 'report.json');
  const adapterRecords = join(dir, 'report.records.jsonl');
  const baseRecords = join(dir, 'report.records.base.jsonl');
  const args = ['eval', '--truth', join(dir, 'truth.jsonl'), ...ENDPOINT, '--compare-base', '--out', out];
  const lines = async (path: string) =>
    existsSync(path)
      ? (await readFile(path, 'utf8'))
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as { file: string; ok: boolean })
      : [];
  const before = await standInCount(ctl);

  const started = startCliProcess([...args, '--concurrency', '1'], env);
  // The adapter run is done and the base run has recorded two of five inputs (each takes 300 ms): stop.
  await waitFor('two base-model records on disk', async () => (await lines(baseRecords)).length >= 2, 30_000);
  started.child.kill('SIGINT');
  const stopped = await started.done;
  expect(stopped.code).toBe(130);
  expect(stopped.stderr).toContain('No report: the truth is not all detected yet.');
  expect(existsSync(out)).toBe(false);
  const adapterDone = await lines(adapterRecords);
  const baseDone = await lines(baseRecords);
  expect(adapterDone).toHaveLength(5);
  expect(baseDone.length).toBeGreaterThanOrEqual(2);
  expect(baseDone.length).toBeLessThan(5);
  // Everything sent finished and is recorded (the input in flight was let finish).
  expect(await standInCount(ctl)).toBe(before + 5 + baseDone.length);

  await controlStandIn(ctl, { delayMs: 0 });
  const resumed = await runCliProcess([...args, '--resume'], env);
  expect(resumed.code).toBe(0);
  expect(resumed.stderr).toContain('5 input(s) skipped: done by an earlier run (--resume)');
  expect(resumed.stderr).toContain(`${baseDone.length} input(s) skipped: done by an earlier run (--resume)`);
  // Only the base model's unfinished inputs were sent.
  expect(await standInCount(ctl)).toBe(before + 10);
  expect((await lines(baseRecords)).map((r) => r.file).sort()).toEqual(names.map((n) => join(dir, n)).sort());
  // The report covers all five scans: 20 truth; the adapter matched 15, the base model none at 0.5.
  const written = JSON.parse(await readFile(out, 'utf8'));
  expect(written.adapter.overall.iou50).toMatchObject({ truth: 20, predicted: 20, matched: 15 });
  expect(written.base.overall.iou50).toMatchObject({ truth: 20, predicted: 15, matched: 0 });
  expect(written.base.overall.iou30).toMatchObject({ matched: 5 });
});
