/**
 * Real forms: four Japanese government forms with pdfme's hand-placed templates (test/fixtures/forms, MIT). The
 * stand-in vLLM answers each page with that template's fields as boxes in 0–1000 of the page — what a perfect model
 * would say — and `form-detect --format pdfme` (the built CLI, as a process) on `source.pdf` must give back every
 * field's position and size within 0.5 mm, in a template pdfme's own checker accepts.
 */
import { readFile, mkdtemp } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PdfmeTemplate } from '../../lib/client';
import { loadPdf } from '../../lib/client/pdf/pdf-pages';
import {
  REPO,
  controlStandIn,
  standInCount,
  startController,
  type ControllerProcess,
} from '../container/helpers/controller-process';
import { pdfmeCheckTemplate, runCliProcess } from './helpers';

const FORMS_DIR = join(REPO, 'test/fixtures/forms');
const FORMS = readdirSync(FORMS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

interface Field {
  name: string;
  position: { x: number; y: number };
  width: number;
  height: number;
}

let ctl: ControllerProcess;
beforeAll(async () => {
  ctl = await startController();
});
afterAll(async () => {
  await ctl?.stop();
});

it('has the four forms', () => {
  expect(FORMS).toHaveLength(4);
});

describe.each(FORMS)('%s', (form) => {
  it('form-detect --format pdfme reproduces every hand-placed field within 0.5 mm', async () => {
    const source = join(FORMS_DIR, form, 'source.pdf');
    const truth = JSON.parse(await readFile(join(FORMS_DIR, form, 'template.json'), 'utf8')) as { schemas: Field[][] };
    const { pages } = await loadPdf(await readFile(source), source);
    expect(pages).toHaveLength(truth.schemas.length);
    // The model's answer per page: each field as [x1, y1, x2, y2] in 0–1000 of the page (rounded, as the model
    // answers whole numbers). Pages go in order: --concurrency 1.
    const outputs = truth.schemas.map((fields, index) => {
      const { widthMm, heightMm } = pages[index].size;
      const boxes = fields.map(({ position: { x, y }, width, height }) => [
        Math.round((x / widthMm) * 1000),
        Math.round((y / heightMm) * 1000),
        Math.round(((x + width) / widthMm) * 1000),
        Math.round(((y + height) / heightMm) * 1000),
      ]);
      return JSON.stringify({ applicant_fields: boxes.map((bbox) => ({ bbox })), count: boxes.length });
    });
    await controlStandIn(ctl, { outputs, findColor: null });
    const before = await standInCount(ctl);

    const out = join(await mkdtemp(join(tmpdir(), 'pdf-forms-')), `${form}.template.json`);
    const run = await runCliProcess(
      [
        '--cloud',
        'azure',
        '--endpoint',
        `${ctl.url}/score`,
        '--key',
        'k',
        '--image',
        source,
        '--format',
        'pdfme',
        '--out',
        out,
        '--concurrency',
        '1',
      ],
      {},
    );
    expect(run.stderr).toMatch(/ok → /);
    expect(run.code).toBe(0);
    expect(await standInCount(ctl)).toBe(before + truth.schemas.length);

    const template = JSON.parse(await readFile(out, 'utf8')) as PdfmeTemplate;
    expect(await pdfmeCheckTemplate(out)).toBeUndefined();
    expect(template.basePdf).toBe(`data:application/pdf;base64,${(await readFile(source)).toString('base64')}`);
    expect(template.schemas).toHaveLength(truth.schemas.length);
    truth.schemas.forEach((fields, page) => {
      const produced = [...template.schemas[page]];
      expect(produced).toHaveLength(fields.length);
      for (const field of fields) {
        const match = produced.findIndex(
          (candidate) =>
            Math.abs(candidate.position.x - field.position.x) <= 0.5 &&
            Math.abs(candidate.position.y - field.position.y) <= 0.5 &&
            Math.abs(candidate.width - field.width) <= 0.5 &&
            Math.abs(candidate.height - field.height) <= 0.5,
        );
        if (match === -1) throw new Error(`page ${page + 1}: no field within 0.5 mm of ${field.name}`);
        produced.splice(match, 1);
      }
    });
    const names = template.schemas.flat().map((field) => field.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
