/**
 * form-detect on PDFs and images, in-process against a stand-in Azure scoring route that answers the magenta
 * rectangles it finds in the image it received: templates and fillable PDFs per input, overlays per page, and bad
 * PDFs (encrypted, truncated, no pages) failing one by one while the rest of the batch succeeds.
 */
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import type { PdfmeTemplate } from '../../lib/client';
import { runCli, type DetectionRecord } from '../../lib/client/cli/run-cli';
import { findColouredBoxes } from '../stand-ins/find-boxes';
import { resultFor, startScriptedServer } from './helpers';
import { makeEmptyPdf, makeEncryptedPdf, makePdf } from './pdf-helpers';

type Server = Awaited<ReturnType<typeof startScriptedServer>>;
let server: Server;
beforeAll(async () => {
  server = await startScriptedServer(async (request) => {
    const image = Buffer.from((JSON.parse(request.body.toString()) as { image_base64: string }).image_base64, 'base64');
    const meta = await sharp(image).metadata();
    return { status: 200, body: resultFor(meta.width!, meta.height!, await findColouredBoxes(image)) };
  });
});
afterAll(() => server.close());

function sink() {
  const chunks: string[] = [];
  return { isTTY: false, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

async function run(args: string[]) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(['--cloud', 'azure', '--endpoint', `${server.url}/score`, '--key', 'k', ...args], {
    stdout,
    stderr,
    env: {},
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const A4: [number, number, number, number] = [0, 0, 595.28, 841.89];

async function formsDir() {
  const dir = await mkdtemp(join(tmpdir(), 'pdf-cli-'));
  await writeFile(
    join(dir, 'two-pages.pdf'),
    await makePdf([
      { mediaBox: A4, rects: [{ x: 100, y: 700, width: 200, height: 30 }] },
      { mediaBox: A4, rotate: 90, rects: [{ x: 100, y: 600, width: 60, height: 150 }] },
    ]),
  );
  // A 400×300 scan with one magenta field: [100, 200, 300, 250] in 0–1000.
  const scan = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#ffffff' } })
    .composite([
      {
        input: await sharp({ create: { width: 80, height: 15, channels: 3, background: '#ff00ff' } })
          .png()
          .toBuffer(),
        left: 40,
        top: 60,
      },
    ])
    .png()
    .toBuffer();
  await writeFile(join(dir, 'scan.png'), scan);
  return dir;
}

describe('form-detect with PDFs', () => {
  it('json records carry pages for a PDF and a result for an image; overlays per PDF page', async () => {
    const dir = await formsDir();
    const before = server.requests.length;
    const { code, stdout } = await run(['--image', dir, '--overlay', join(dir, 'overlays')]);
    expect(code).toBe(0);
    const records = JSON.parse(stdout) as DetectionRecord[];
    expect(records.map((record) => record.file)).toEqual([join(dir, 'scan.png'), join(dir, 'two-pages.pdf')]);
    const [scan, pdf] = records as [
      Extract<DetectionRecord, { result: unknown }>,
      Extract<DetectionRecord, { pages: unknown }>,
    ];
    expect(scan.result.bboxes.map((box) => box.bbox_normalized)).toEqual([[100, 200, 300, 250]]);
    expect(pdf.pages.map((page) => [page.page, page.rotation, page.result.count])).toEqual([
      [1, 0, 1],
      [2, 90, 1],
    ]);
    expect(pdf.pages[1].size.widthMm).toBeCloseTo(297, 0);
    expect(server.requests.length - before).toBe(3);
    expect((await readdir(join(dir, 'overlays'))).sort()).toEqual([
      'scan.overlay.png',
      'two-pages-p1.overlay.png',
      'two-pages-p2.overlay.png',
    ]);
  });

  it('--format pdfme with several inputs writes <name>.template.json into the --out directory', async () => {
    const dir = await formsDir();
    const out = join(dir, 'templates');
    const { code, stderr } = await run(['--image', dir, '--format', 'pdfme', '--out', out]);
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['scan.template.json', 'two-pages.template.json']);
    expect(stderr).toMatch(/two-pages\.pdf\s+2\s+\d+\s+ok → .*two-pages\.template\.json/);
    // An image becomes the page: a one-page PDF showing it, 297 mm on its long side.
    const scan = JSON.parse(await readFile(join(out, 'scan.template.json'), 'utf8')) as PdfmeTemplate;
    const base = await PDFDocument.load(Buffer.from(scan.basePdf.split(',')[1], 'base64'));
    const { width, height } = base.getPage(0).getSize();
    expect([width * (25.4 / 72), height * (25.4 / 72)].map((n) => Math.round(n * 10) / 10)).toEqual([297, 222.8]);
    expect(scan.schemas).toHaveLength(1);
    expect(scan.schemas[0]).toEqual([
      expect.objectContaining({
        name: 'p1_field_001',
        type: 'text',
        position: { x: 29.7, y: 44.55 },
        width: 59.4,
        height: 11.14,
      }),
    ]);
  });

  it('--format fillable-pdf with one input writes the PDF with its fields to --out', async () => {
    const dir = await formsDir();
    const out = join(dir, 'form.fillable.pdf');
    const { code } = await run(['--image', join(dir, 'two-pages.pdf'), '--format', 'fillable-pdf', '--out', out]);
    expect(code).toBe(0);
    const fields = (await PDFDocument.load(await readFile(out))).getForm().getFields();
    expect(fields.map((field) => field.getName())).toEqual(['p1_field_001', 'p2_field_001']);
  });

  it('fails each bad PDF with a clear error and still does the rest of the batch', async () => {
    const dir = await formsDir();
    const good = await makePdf([{ mediaBox: A4, rects: [{ x: 100, y: 700, width: 200, height: 30 }] }]);
    await writeFile(join(dir, 'encrypted.pdf'), makeEncryptedPdf());
    await writeFile(join(dir, 'truncated.pdf'), good.subarray(0, Math.floor(good.length / 3)));
    await writeFile(join(dir, 'empty.pdf'), await makeEmptyPdf());
    await writeFile(join(dir, 'not-a-pdf.pdf'), 'just text');
    const out = join(dir, 'records.jsonl');
    const before = server.requests.length;
    const { code, stderr } = await run(['--image', dir, '--out', out]);
    expect(code).toBe(1);
    const records = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as DetectionRecord);
    const byName = Object.fromEntries(records.map((record) => [record.file.split('/').pop(), record]));
    expect(byName['encrypted.pdf']).toMatchObject({
      ok: false,
      error: { code: 'encrypted_pdf', message: expect.stringMatching(/is password-protected; send it decrypted/) },
    });
    expect(byName['truncated.pdf']).toMatchObject({
      ok: false,
      error: { code: 'invalid_pdf', message: expect.stringMatching(/is not a readable PDF \(corrupt or truncated/) },
    });
    expect(byName['empty.pdf']).toMatchObject({
      ok: false,
      error: { code: 'invalid_pdf', message: expect.stringMatching(/has no pages; send a PDF with at least one page/) },
    });
    expect(byName['not-a-pdf.pdf']).toMatchObject({
      ok: false,
      error: { code: 'invalid_pdf', message: expect.stringMatching(/is not a PDF \(no %PDF- header\)/) },
    });
    expect(byName['two-pages.pdf']).toMatchObject({ ok: true });
    expect(byName['scan.png']).toMatchObject({ ok: true });
    // Nothing was sent for the bad files: two pages and one scan.
    expect(server.requests.length - before).toBe(3);
    expect(stderr).toMatch(/4 of 6 input\(s\) failed/);
  });

  it('refuses --format fillable-pdf without --out, and --resume without --out', async () => {
    const { code, stderr } = await run(['--image', 'x.pdf', '--format', 'fillable-pdf', '--resume']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--format fillable-pdf needs --out/);
    expect(stderr).toMatch(/--resume needs --out/);
  });
});

describe('--resume', () => {
  it('with --format pdfme into a directory, skips inputs whose template exists and sends nothing for them', async () => {
    const dir = await formsDir();
    const out = join(dir, 'templates');
    await run(['--image', join(dir, 'scan.png'), '--format', 'pdfme', '--out', `${out}/`]);
    const before = server.requests.length;
    const { code, stderr } = await run(['--image', dir, '--format', 'pdfme', '--out', out, '--resume']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/1 input\(s\) skipped: done by an earlier run/);
    expect(server.requests.length - before).toBe(2); // the two PDF pages only
    expect((await readdir(out)).sort()).toEqual(['scan.template.json', 'two-pages.template.json']);
  });

  it('refuses to resume from a --out that is not a JSON array of records', async () => {
    const dir = await formsDir();
    await writeFile(join(dir, 'out.json'), 'not json');
    const { code, stderr } = await run(['--image', dir, '--out', join(dir, 'out.json'), '--resume']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--resume: .*out\.json is not a JSON array of records/);
  });
});
