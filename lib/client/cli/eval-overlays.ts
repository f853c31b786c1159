/**
 * `form-detect eval --overlay`: each scored page drawn with its matching (drawEvaluationOverlay: true positives,
 * false positives, misses). An image input is drawn on the image; a PDF page on the page as detection renders it —
 * the PDF module's renderer (PDFium) at the same long side — so the boxes sit where the model saw them. Names follow
 * the detect command's overlays: `<name>.eval.png`, `<name>-p<N>.eval.png` per PDF page.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EVALUATION_OVERLAY_COLORS, drawEvaluationOverlay, type PageScore } from '../eval';
import { isPdf } from '../pdf/pdf-pages';
import { DEFAULT_RENDER_LONG_SIDE, openPdfForRendering } from '../pdf/pdf-renderer';
import type { TextSink } from './progress';
import { uniqueStems } from './input-names';

/**
 * Writes the overlays of `pages` into `dir`. `pdfs` holds the PDF of inputs that are not PDF files themselves (a pdfme
 * template whose basePdf is the form); every other input is read from its path. An input that cannot be read or
 * rendered gets no overlay, and a line on `stderr` says why. Returns the paths written.
 */
export async function writeEvaluationOverlays(
  dir: string,
  pages: readonly PageScore[],
  pdfs: ReadonlyMap<string, Uint8Array>,
  stderr: TextSink,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const byFile = new Map<string, PageScore[]>();
  for (const page of pages) byFile.set(page.file, [...(byFile.get(page.file) ?? []), page]);
  const names = uniqueStems([...byFile.keys()]);
  const written: string[] = [];
  for (const [file, scores] of byFile) {
    const name = names.get(file)!;
    try {
      const bytes = pdfs.get(file) ?? (await readFile(file));
      if (!isPdf(bytes)) {
        for (const score of scores) {
          const path = join(dir, `${name}${score.page === 1 ? '' : `-p${score.page}`}.eval.png`);
          await writeFile(path, await drawEvaluationOverlay(bytes, score));
          written.push(path);
        }
        continue;
      }
      const rendering = await openPdfForRendering(bytes, file);
      try {
        for (const score of scores) {
          if (score.page > rendering.pages.length) {
            throw new Error(`page ${score.page} is scored but the PDF has ${rendering.pages.length} page(s)`);
          }
          const { png } = await rendering.render(score.page - 1, DEFAULT_RENDER_LONG_SIDE);
          const path = join(dir, `${name}-p${score.page}.eval.png`);
          await writeFile(path, await drawEvaluationOverlay(png, score));
          written.push(path);
        }
      } finally {
        await rendering.close();
      }
    } catch (error) {
      stderr.write(`No overlay for ${file}: ${(error as Error).message}\n`);
    }
  }
  stderr.write(
    `Overlays in ${dir}: true positives ${EVALUATION_OVERLAY_COLORS.truePositive}, false positives ` +
      `${EVALUATION_OVERLAY_COLORS.falsePositive}, misses ${EVALUATION_OVERLAY_COLORS.miss} (dashed).\n`,
  );
  return written;
}
