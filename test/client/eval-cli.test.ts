/**
 * `form-detect eval`, offline: records written by `form-detect --out` scored against JSONL truth, report.json,
 * the Markdown summary, overlays, the base-model comparison and usage errors.
 */
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../../lib/client/cli/run-cli';
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
    expect(missing.stderr).toContain('--predictions is required');
    expect(missing.stderr).toContain('--truth is required');
    expect(missing.stderr).toContain('--out must name a .json file');
    const dir = await mkdtemp(join(tmpdir(), 'form-detect-eval-'));
    await writeFile(join(dir, 'truth.jsonl'), '{"file": "a.png", "boxes": [{"bbox": [1, 2]}]}');
    await writeFile(join(dir, 'records.jsonl'), '');
    const bad = await run(['eval', '--predictions', join(dir, 'records.jsonl'), '--truth', join(dir, 'truth.jsonl')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('truth.jsonl: the truth cannot be read');
    expect(bad.stderr).toContain('line 1: boxes[0].bbox must be [x1, y1, x2, y2] in 0–1000');
    expect((await run(['eval', '--help'])).stdout).toContain('form-detect eval --predictions');
  });
});
