/**
 * `form-detect eval`, offline (records written by `form-detect --out` scored against JSONL truth: report.json, the
 * Markdown summary, overlays, the base-model comparison) and against an endpoint (a scripted Azure stand-in: the
 * truth's inputs detected into records, --resume, --compare-base, a failed input, a PDF form and its overlays), and
 * usage errors.
 */
import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadPdf } from '../../lib/client/pdf/pdf-pages';
import { runCli } from '../../lib/client/cli/run-cli';
import { REPO } from '../container/helpers/controller-process';
import { makeImage, resultFor, startScriptedServer } from './helpers';

type Server = Awaited<ReturnType<typeof startScriptedServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(argv: string[]) {
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  const sink = (into: string[]) => ({ isTTY: false, write: (text: string) => into.push(text) });
  const code = await runCli(argv, { stdout: sink(chunks.stdout), stderr: sink(chunks.stderr), env: {} });
  return { code, stdout: chunks.stdout.join(''), stderr: chunks.stderr.join('') };
}

const TRUTH = [
  [100, 100, 400, 150],
  [100, 200, 400, 250],
];

/** Two scans, truth for both, and form-detect's own records of a stand-in that finds one field of two plus an extra. */
async function setUp(model: string, boxes: Array<[number, number, number, number]>, into?: string) {
  const dir = into ?? (await mkdtemp(join(tmpdir(), 'form-detect-eval-')));
  for (const name of ['a.png', 'b.png']) await writeFile(join(dir, name), await makeImage(400, 300));
  await writeFile(
    join(dir, 'truth.jsonl'),
    ['a.png', 'b.png'].map((file) => JSON.stringify({ file, boxes: TRUTH.map((bbox) => ({ bbox })) })).join('\n'),
  );
  server = await startScriptedServer(async () => ({ status: 200, body: { ...resultFor(400, 300, boxes), model } }));
  const records = join(dir, `${model.replace(/\W/g, '-')}.jsonl`);
  const detect = await run([
    '--cloud',
    'azure',
    '--endpoint',
    `${server.url}/score`,
    '--key',
    'k',
    '--image',
    join(dir, 'a.png'),
    '--image',
    join(dir, 'b.png'),
    '--out',
    records,
  ]);
  expect(detect.code).toBe(0);
  await server.close();
  server = undefined;
  return { dir, records };
}

describe('form-detect eval', () => {
  it('scores form-detect records against JSONL truth: Markdown, report.json and overlays', async () => {
    const { dir, records } = await setUp('lora', [
      [100, 100, 400, 150],
      [600, 600, 700, 700],
    ]);
    const out = join(dir, 'report.json');
    const overlays = join(dir, 'overlays');
    const { code, stdout, stderr } = await run([
      'eval',
      '--predictions',
      records,
      '--truth',
      join(dir, 'truth.jsonl'),
      '--out',
      out,
      '--overlay',
      overlays,
    ]);
    expect({ code, stderr: stderr.replace(/Overlays in .*\n/, '') }).toEqual({ code: 0, stderr: '' });
    // 4 truth, 4 predicted, 2 matched over both images.
    expect(stdout).toContain('| IoU ≥ 0.5 | 50.0 % | 50.0 % | 50.0 % | 1.000 | 4 | 4 | 2 |');
    expect(stdout).toContain('Model: `lora`');
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.overall.iou50).toEqual({
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
      meanIou: 1,
      truth: 4,
      predicted: 4,
      matched: 2,
    });
    expect(Object.keys(report.overall)).toEqual(['iou30', 'iou50', 'iou70']);
    expect(report.files.map((f: { file: string }) => f.file)).toEqual([join(dir, 'a.png'), join(dir, 'b.png')]);
    expect((await readdir(overlays)).sort()).toEqual(['a.eval.png', 'b.eval.png']);
    expect(await sharp(join(overlays, 'a.eval.png')).metadata()).toMatchObject({ width: 400, height: 300 });
  });

  it('--base-predictions shows both models and the difference, and writes all three to --out', async () => {
    const adapter = await setUp('lora', [
      [100, 100, 400, 150],
      [100, 200, 400, 250],
    ]);
    // The same two images, asked for the base model.
    const base = await setUp('Qwen/Qwen3-VL-8B-Instruct', [[100, 100, 400, 150]], adapter.dir);
    const out = join(adapter.dir, 'report.json');
    const again = await run([
      'eval',
      '--predictions',
      adapter.records,
      '--base-predictions',
      base.records,
      '--truth',
      join(adapter.dir, 'truth.jsonl'),
      '--out',
      out,
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('## Adapter versus base model (same deployment)');
    expect(again.stdout).toContain('| IoU ≥ 0.5 | recall | 100.0 % | 50.0 % | +50.0 pt |');
    const written = JSON.parse(await readFile(out, 'utf8'));
    expect(Object.keys(written)).toEqual(['adapter', 'base', 'comparison']);
    expect(written.base.models).toEqual(['Qwen/Qwen3-VL-8B-Instruct']);
    expect(written.comparison.difference.iou50.recall).toBe(0.5);
  });

  it('exits 1 and lists the truth pages it could not score', async () => {
    const { dir, records } = await setUp('lora', [[100, 100, 400, 150]]);
    // In a directory, truth.jsonl and *.truth.jsonl are truth; the records beside them are not.
    await writeFile(join(dir, 'more.truth.jsonl'), JSON.stringify({ file: 'c.png', boxes: [] }));
    const { code, stdout } = await run(['eval', '--predictions', records, '--truth', dir]);
    expect(code).toBe(1);
    expect(stdout).toContain(`- ${join(dir, 'c.png')}: no detection record for this file`);
  });

  it('usage errors name every problem and exit 2; bad truth names the file and line', async () => {
    const missing = await run(['eval', '--out', 'x.txt']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--truth is required');
    expect(missing.stderr).toContain('--out must name a .json file');
    expect(missing.stderr).toContain('give --cloud and --endpoint to run detection against a deployment');
    const dir = await mkdtemp(join(tmpdir(), 'form-detect-eval-'));
    await writeFile(join(dir, 'truth.jsonl'), '{"file": "a.png", "boxes": [{"bbox": [1, 2]}]}');
    await writeFile(join(dir, 'records.jsonl'), '');
    const bad = await run(['eval', '--predictions', join(dir, 'records.jsonl'), '--truth', join(dir, 'truth.jsonl')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('truth.jsonl: the truth cannot be read');
    expect(bad.stderr).toContain('line 1: boxes[0].bbox must be [x1, y1, x2, y2] in 0–1000');
    const help = (await run(['eval', '--help'])).stdout;
    expect(help).toContain('form-detect eval --truth <file or dir> --cloud aws|gcp|azure --endpoint <endpoint>');
    expect(help).toContain('form-detect eval --truth <file or dir> --predictions <records.jsonl>');
    expect(help).toContain('--compare-base');
    expect(help).toContain('--resume                       skip the inputs --records already holds as done');
  });

  it('refuses offline and endpoint options mixed, and bad endpoint options, naming each', async () => {
    const mixed = await run(['eval', '--truth', 't.jsonl', '--predictions', 'r.jsonl', '--cloud', 'aws', '--resume']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(
      '--predictions scores saved records offline; --cloud, --resume belong to running detection',
    );
    const offline = await run('eval --truth t.jsonl --predictions r.jsonl --compare-base --records x.jsonl'.split(' '));
    expect(offline.stderr).toContain('--records applies when eval runs detection');
    expect(offline.stderr).toContain(
      '--compare-base runs detection twice; offline, give the base model records as --base-predictions',
    );
    const endpoint = await run(
      'eval --truth t.jsonl --cloud azure --concurrency 0 --records r.json --base-predictions b.jsonl'.split(' '),
    );
    expect(endpoint.code).toBe(2);
    expect(endpoint.stderr).toContain('--endpoint is required');
    expect(endpoint.stderr).toContain('azure needs credentials');
    expect(endpoint.stderr).toContain('--concurrency must be an integer ≥ 1, got "0"');
    expect(endpoint.stderr).toContain('--records must name a .jsonl file');
    expect(endpoint.stderr).toContain('--base-predictions goes with --predictions');
  });
});

/** Two scans of different sizes (so the stand-in can tell them apart at any concurrency) and JSONL truth for both. */
async function scansWithTruth() {
  const dir = await mkdtemp(join(tmpdir(), 'form-detect-eval-endpoint-'));
  await writeFile(join(dir, 'a.png'), await makeImage(400, 300));
  await writeFile(join(dir, 'b.png'), await makeImage(300, 400));
  await writeFile(
    join(dir, 'truth.jsonl'),
    ['a.png', 'b.png'].map((file) => JSON.stringify({ file, boxes: TRUTH.map((bbox) => ({ bbox })) })).join('\n'),
  );
  return dir;
}

/** The Azure request body: the image and the options the client sent with it. */
async function requestOf(body: Buffer) {
  const { image_base64, parameters } = JSON.parse(body.toString()) as {
    image_base64: string;
    parameters?: { adapter?: boolean };
  };
  const { width, height } = await sharp(Buffer.from(image_base64, 'base64')).metadata();
  return { width: width!, height: height!, adapter: parameters?.adapter };
}

describe('form-detect eval against an endpoint', () => {
  const endpoint = (url: string) => ['--cloud', 'azure', '--endpoint', `${url}/score`, '--key', 'k'];

  it('detects every input the truth names, keeps the records beside the report, and scores them', async () => {
    const dir = await scansWithTruth();
    // a.png: one field found, one missed, one box that is no field; b.png: one field exact, one shifted by a fifth
    // of its width (IoU 240/360 = 2/3: a match at 0.3 and 0.5, not at 0.7).
    server = await startScriptedServer(async (request) => {
      const { width, height } = await requestOf(request.body);
      const boxes: Array<[number, number, number, number]> =
        width === 400
          ? [
              [100, 100, 400, 150],
              [600, 600, 700, 700],
            ]
          : [
              [160, 100, 460, 150],
              [100, 200, 400, 250],
            ];
      return { status: 200, body: { ...resultFor(width, height, boxes), model: 'lora' } };
    });
    const out = join(dir, 'report.json');
    const args = ['eval', '--truth', join(dir, 'truth.jsonl'), ...endpoint(server.url), '--out', out];
    const first = await run(args);
    expect(first.stderr).toContain(`records in ${join(dir, 'report.records.jsonl')}`);
    expect(first.code).toBe(0);
    expect(server.requests).toHaveLength(2);
    // Over both images: 4 truth, 4 predicted; at 0.5, 3 matched (IoU 1, 1, 2/3); at 0.7, 2 (IoU 1, 1).
    expect(first.stdout).toContain('| IoU ≥ 0.5 | 75.0 % | 75.0 % | 75.0 % | 0.889 | 4 | 4 | 3 |');
    expect(first.stdout).toContain('| IoU ≥ 0.7 | 50.0 % | 50.0 % | 50.0 % | 1.000 | 4 | 4 | 2 |');
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.overall.iou50).toMatchObject({
      precision: 0.75,
      recall: 0.75,
      f1: 0.75,
      truth: 4,
      predicted: 4,
      matched: 3,
    });
    expect(report.overall.iou50.meanIou).toBeCloseTo(8 / 9, 12);
    expect(
      report.files.map((f: { file: string; overall: { iou50: { matched: number } } }) => [
        f.file,
        f.overall.iou50.matched,
      ]),
    ).toEqual([
      [join(dir, 'a.png'), 1],
      [join(dir, 'b.png'), 2],
    ]);
    const records = (await readFile(join(dir, 'report.records.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => [r.file, r.ok, r.result.model]).sort()).toEqual([
      [join(dir, 'a.png'), true, 'lora'],
      [join(dir, 'b.png'), true, 'lora'],
    ]);

    // Run again with --resume: everything is recorded, so nothing is sent, and the report is the same.
    const again = await run([...args, '--resume']);
    expect(again.code).toBe(0);
    expect(server.requests).toHaveLength(2);
    expect(again.stderr).toContain('2 input(s) skipped: done by an earlier run (--resume)');
    expect(JSON.parse(await readFile(out, 'utf8')).overall).toEqual(report.overall);
  });

  it('--compare-base asks for the adapter, then the base model, into separate records, and reports both', async () => {
    const dir = await scansWithTruth();
    server = await startScriptedServer(async (request) => {
      const { width, height, adapter } = await requestOf(request.body);
      return adapter === false
        ? {
            status: 200,
            body: { ...resultFor(width, height, [[100, 100, 400, 150]]), model: 'Qwen/Qwen3-VL-8B-Instruct' },
          }
        : {
            status: 200,
            body: { ...resultFor(width, height, TRUTH as Array<[number, number, number, number]>), model: 'lora' },
          };
    });
    const out = join(dir, 'ab.json');
    const records = join(dir, 'runs.jsonl');
    const { code, stdout } = await run([
      'eval',
      '--truth',
      join(dir, 'truth.jsonl'),
      ...endpoint(server.url),
      '--compare-base',
      '--records',
      records,
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    const sent = await Promise.all(server.requests.map((r) => requestOf(r.body)));
    // Every input with "adapter": true first, then every input with "adapter": false.
    expect(sent.map((r) => r.adapter)).toEqual([true, true, false, false]);
    expect(stdout).toContain('## Adapter versus base model (same deployment)');
    expect(stdout).toContain('| IoU ≥ 0.5 | recall | 100.0 % | 50.0 % | +50.0 pt |');
    expect(stdout).toContain('| IoU ≥ 0.5 | precision | 100.0 % | 100.0 % | +0.0 pt |');
    const written = JSON.parse(await readFile(out, 'utf8'));
    expect(written.adapter.models).toEqual(['lora']);
    expect(written.base.models).toEqual(['Qwen/Qwen3-VL-8B-Instruct']);
    expect(written.comparison.difference.iou50).toEqual({ precision: 0, recall: 0.5, f1: 1 - 2 / 3, meanIou: 0 });
    const modelsIn = async (path: string) =>
      (await readFile(path, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).result.model);
    expect(await modelsIn(records)).toEqual(['lora', 'lora']);
    expect(await modelsIn(join(dir, 'runs.base.jsonl'))).toEqual([
      'Qwen/Qwen3-VL-8B-Instruct',
      'Qwen/Qwen3-VL-8B-Instruct',
    ]);
  });

  it('a failed input is named, its truth listed as not scored, and the status is 1', async () => {
    const dir = await scansWithTruth();
    // A pdfme template on a blank page, with no source.pdf beside it: there is no form to send.
    await mkdir(join(dir, 'blank'));
    await writeFile(
      join(dir, 'blank', 'template.json'),
      JSON.stringify({
        basePdf: { width: 210, height: 297, padding: [0, 0, 0, 0] },
        schemas: [[{ name: 'a', type: 'text', position: { x: 10, y: 10 }, width: 50, height: 8 }]],
      }),
    );
    server = await startScriptedServer(async (request) => {
      const { width, height } = await requestOf(request.body);
      return {
        status: 200,
        body: { ...resultFor(width, height, TRUTH as Array<[number, number, number, number]>), model: 'lora' },
      };
    });
    const { code, stdout, stderr } = await run([
      'eval',
      '--truth',
      dir,
      ...endpoint(server.url),
      '--out',
      join(dir, 'r.json'),
    ]);
    expect(code).toBe(1);
    expect(server.requests).toHaveLength(2);
    expect(stderr).toMatch(
      /failed: invalid_request: .*blank\/template\.json: its basePdf is a blank page and no source\.pdf is beside it/,
    );
    expect(stdout).toContain(`- ${join(dir, 'blank', 'template.json')} page 1: detection failed: invalid_request:`);
    expect(stdout).toContain('| IoU ≥ 0.5 | 100.0 % | 100.0 % | 100.0 % | 1.000 | 4 | 4 | 4 |');
  });

  it('a pdfme template with its form as basePdf: every page rendered and sent; overlays drawn on the rendered pages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'form-detect-eval-pdf-'));
    const form = join(REPO, 'test/fixtures/forms/mhlw-clinical-information-referral-form-besshi11');
    // The template alone: its basePdf (a data URI) is the form.
    await copyFile(join(form, 'template.json'), join(dir, 'template.json'));
    const template = JSON.parse(await readFile(join(form, 'template.json'), 'utf8')) as {
      schemas: Array<Array<{ position: { x: number; y: number }; width: number; height: number }>>;
    };
    const { pages } = await loadPdf(await readFile(join(form, 'source.pdf')), 'source.pdf');
    const { widthMm, heightMm } = pages[0].size;
    const first = template.schemas[0][0];
    const firstBox: [number, number, number, number] = [
      Math.round((first.position.x / widthMm) * 1000),
      Math.round((first.position.y / heightMm) * 1000),
      Math.round(((first.position.x + first.width) / widthMm) * 1000),
      Math.round(((first.position.y + first.height) / heightMm) * 1000),
    ];
    // Every page is answered with page 1's first field.
    server = await startScriptedServer(async (request) => {
      const { width, height } = await requestOf(request.body);
      return { status: 200, body: { ...resultFor(width, height, [firstBox]), model: 'lora' } };
    });
    const overlays = join(dir, 'overlays');
    const { code, stdout } = await run([
      'eval',
      '--truth',
      join(dir, 'template.json'),
      ...endpoint(server.url),
      '--out',
      join(dir, 'r.json'),
      '--overlay',
      overlays,
    ]);
    expect(code).toBe(0);
    expect(server.requests).toHaveLength(2);
    // The model saw rendered pages: 2048 px on the long side.
    expect((await requestOf(server.requests[0].body)).height).toBe(2048);
    expect(stdout).toContain(`| ${join(dir, 'template.json')} | 2 |`);
    expect((await readdir(overlays)).sort()).toEqual(['template-p1.eval.png', 'template-p2.eval.png']);
    const image = sharp(join(overlays, 'template-p1.eval.png'));
    const { width, height } = await image.metadata();
    expect(height).toBe(2048);
    expect(Math.abs(width! - (2048 * widthMm) / heightMm)).toBeLessThan(1);
    // The matched field's left edge, half-way down, is drawn in the true-positive green.
    const raw = await image.raw().toBuffer({ resolveWithObject: true });
    const x = Math.round((firstBox[0] / 1000) * width!);
    const y = Math.round(((firstBox[1] + firstBox[3]) / 2 / 1000) * height!);
    const at = (y * raw.info.width + x) * raw.info.channels;
    expect([...raw.data.subarray(at, at + 3)]).toEqual([0x1a, 0x96, 0x41]);
  });
});
