import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { drawOverlay } from '../../lib/client';
import { runCli, type DetectionRecord } from '../../lib/client/cli/run-cli';
import { formatSummaryTable } from '../../lib/client/cli/summary-table';
import { containerError, makeImage, resultFor, startScriptedServer } from './helpers';

type Server = Awaited<ReturnType<typeof startScriptedServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function sink(isTTY = false) {
  const chunks: string[] = [];
  return { isTTY, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}, tty = false) {
  const stdout = sink();
  const stderr = sink(tty);
  const code = await runCli(argv, { stdout, stderr, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A stand-in Azure scoring route that answers with boxes sized to the image it received. */
async function azureStandIn(boxes: Array<[number, number, number, number]> = [[100, 200, 500, 250]]) {
  return startScriptedServer(async (request) => {
    const { image_base64 } = JSON.parse(request.body.toString()) as { image_base64: string };
    const meta = await sharp(Buffer.from(image_base64, 'base64')).metadata();
    return { status: 200, body: resultFor(meta.width, meta.height, boxes) };
  });
}

async function scans(files: Record<string, Buffer | string>) {
  const dir = await mkdtemp(join(tmpdir(), 'form-detect-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

describe('form-detect CLI', () => {
  it('--help prints usage with an example per cloud and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/form-detect --cloud aws .*--endpoint form-detector/);
    expect(stdout).toMatch(/form-detect --cloud gcp/);
    expect(stdout).toMatch(/form-detect --cloud azure/);
    expect(stdout).toMatch(/--cold-start-timeout <seconds>/);
    expect(stdout).toMatch(/warming up: <reason>, waited Ns \(limit Ms\)…/);
  });

  it('exits 2 naming every usage problem', async () => {
    const { code, stderr } = await run(['--cloud', 'ibm', '--concurrency', '0']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--cloud must be aws, gcp or azure, got "ibm"/);
    expect(stderr).toMatch(/--endpoint is required/);
    expect(stderr).toMatch(/--image is required/);
    expect(stderr).toMatch(/--concurrency must be an integer ≥ 1/);
    expect((await run(['--bogus'])).stderr).toMatch(/Unknown option '--bogus'/);
    expect(
      (await run(['--cloud', 'aws', '--endpoint', 'e', '--image', 'x.png', '--cold-start-timeout', 'soon'])).stderr,
    ).toMatch(/--cold-start-timeout must be a number of seconds ≥ 0 \(0 = do not wait\), got "soon"/);
    const azureWithoutKey = await run(['--cloud', 'azure', '--endpoint', 'https://x/score', '--image', '/tmp']);
    expect(azureWithoutKey.stderr).toMatch(/azure needs credentials: --key \(or AZURE_ML_KEY\)/);
  });

  it('prints JSON records on stdout and a summary table on stderr, exit 0 when every image succeeded', async () => {
    server = await azureStandIn();
    const dir = await scans({ 'a.png': await makeImage(40, 20), 'b.jpg': await makeImage(30, 30, 'jpeg') });
    const { code, stdout, stderr } = await run(
      [
        '--cloud',
        'azure',
        '--endpoint',
        `${server.url}/score`,
        '--image',
        join(dir, 'a.png'),
        '--image',
        join(dir, 'b.jpg'),
      ],
      { AZURE_ML_KEY: 'env-key' },
    );
    expect(code).toBe(0);
    const records = JSON.parse(stdout) as DetectionRecord[];
    expect(records.map((record) => [record.file, record.ok])).toEqual([
      [join(dir, 'a.png'), true],
      [join(dir, 'b.jpg'), true],
    ]);
    expect(records[0]).toMatchObject({ result: { count: 1, image_size: { width: 40, height: 20 } } });
    expect(server.requests.every((request) => request.headers.authorization === 'Bearer env-key')).toBe(true);
    expect(stderr).toMatch(/file\s+boxes\s+ms\s+status/);
    expect(stderr).toMatch(/a\.png\s+1\s+\d+\s+ok/);
    expect(stderr).toMatch(/\[2\/2\]/);
  });

  it('takes a directory, writes JSONL, and exits 1 with the reason per failed file', async () => {
    server = await azureStandIn();
    const dir = await scans({
      'p1.png': await makeImage(20, 20),
      'p2.webp': await makeImage(20, 20, 'webp'),
      'broken.png': 'this is not a PNG',
      'notes.txt': 'ignored: not an image extension',
    });
    const out = join(dir, 'boxes.jsonl');
    const { code, stdout, stderr } = await run([
      '--cloud',
      'azure',
      '--endpoint',
      `${server.url}/score`,
      '--key',
      'k',
      '--image',
      dir,
      '--out',
      out,
      '--concurrency',
      '2',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as DetectionRecord)
      .sort((a, b) => a.file.localeCompare(b.file)); // lines come in the order inputs finish
    expect(lines.map((record) => record.file)).toEqual(
      ['broken.png', 'p1.png', 'p2.webp'].map((name) => join(dir, name)),
    );
    expect(lines[0]).toMatchObject({ ok: false, error: { code: 'invalid_image' } });
    expect(lines[1]).toMatchObject({ ok: true, result: { count: 1 } });
    expect(server.requests).toHaveLength(2);
    expect(stderr).toMatch(
      /broken\.png\s+-\s+\d+\s+failed: invalid_image: .*is not an image we can read; send a PNG, JPEG or WebP/,
    );
    expect(stderr).toMatch(/1 of 3 input\(s\) failed/);
  });

  it('writes a JSON array with --out file.json and reports a server error per file', async () => {
    server = await startScriptedServer([containerError(400, 'invalid_image', 'image_base64: over 50 megapixels')]);
    const dir = await scans({ 'a.png': await makeImage(10, 10) });
    const out = join(dir, 'out.json');
    const { code } = await run([
      '--cloud',
      'azure',
      '--endpoint',
      `${server.url}/score`,
      '--key',
      'k',
      '--image',
      dir,
      '--out',
      out,
    ]);
    expect(code).toBe(1);
    const records = JSON.parse(await readFile(out, 'utf8')) as DetectionRecord[];
    expect(records).toEqual([
      expect.objectContaining({
        ok: false,
        error: { code: 'invalid_image', message: 'image_base64: over 50 megapixels', status: 400 },
      }),
    ]);
  });

  it('draws a progress bar (count, rate, ETA) when stderr is a terminal', async () => {
    server = await azureStandIn();
    const dir = await scans({ 'a.png': await makeImage(10, 10), 'b.png': await makeImage(10, 10) });
    const { stderr } = await run(
      ['--cloud', 'azure', '--endpoint', `${server.url}/score`, '--key', 'k', '--image', dir],
      {},
      true,
    );
    expect(stderr).toContain(`${'░'.repeat(24)} 0/2 | -/min | ETA`);
    expect(stderr).toMatch(/█{24} 2\/2 \| [\d.]+\/min \| ETA 0s/);
  });

  it('--overlay writes each image, same size, with the boxes drawn', async () => {
    server = await azureStandIn([[100, 200, 500, 600]]);
    const dir = await scans({ 'form.png': await makeImage(400, 300) });
    const overlays = join(dir, 'overlays');
    const { code } = await run([
      '--cloud',
      'azure',
      '--endpoint',
      `${server.url}/score`,
      '--key',
      'k',
      '--image',
      join(dir, 'form.png'),
      '--overlay',
      overlays,
    ]);
    expect(code).toBe(0);
    expect(await readdir(overlays)).toEqual(['form.overlay.png']);
    const { data, info } = await sharp(join(overlays, 'form.overlay.png'))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([400, 300]);
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    // Box [100,200,500,600] on 400×300 → pixels x 40..200, y 60..180. A point on its left edge is red…
    expect(pixel(40, 120)).toEqual([255, 0, 0]);
    expect(pixel(200, 100)).toEqual([255, 0, 0]);
    // …the box's inside and a point far from it keep the background.
    expect(pixel(120, 120)).toEqual([240, 240, 240]);
    expect(pixel(350, 280)).toEqual([240, 240, 240]);
  });
});

describe('overlay', () => {
  it('draws in the displayed (EXIF-rotated) frame', async () => {
    // Stored 60×30 with orientation 6: displayed 30×60.
    const jpeg = await makeImage(60, 30, 'jpeg', { orientation: 6 });
    const png = await drawOverlay(jpeg, resultFor(30, 60, [[0, 0, 1000, 1000]]));
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([30, 60]);
  });
});

describe('summary table', () => {
  it('aligns columns and keeps the status whole', () => {
    const table = formatSummaryTable([
      { file: 'a.png', boxes: 12, ms: 5, status: 'ok' },
      { file: 'long-name.png', boxes: undefined, ms: 1200, status: 'failed: timeout: too slow' },
    ]);
    expect(table.split('\n')).toEqual([
      'file           boxes    ms  status',
      '-------------  -----  ----  -------------------------',
      'a.png             12     5  ok',
      'long-name.png      -  1200  failed: timeout: too slow',
      '',
    ]);
  });
});
