/**
 * Ground truth for scoring: pdfme templates and JSONL boxes, as page fractions with a field type.
 *
 * pdfme template (`template.json`): `{ basePdf, schemas }`, `schemas` one array of fields per page, each field
 * `{ name, type, position: { x, y }, width, height, rotate?, readOnly? }` in millimetres from the page's top-left
 * (pdfme packages/common/src/schema.ts; fields of pdfme 3 and older, an object per page keyed by name, are read too).
 * - Page sizes come from the PDF: `basePdf` as a data URI (or bare base64, or a path relative to the template), else
 *   a `source.pdf` beside the template. A blank `basePdf` (`{ width, height, padding }`, millimetres) without a
 *   `source.pdf` gives every page that size.
 * - Fields with `readOnly: true` are left out: they are content printed by the template (labels, shapes), not fields
 *   a person fills in, which is what the detector finds.
 * - A rotated field (`rotate`, degrees) counts as the axis-aligned box around it: pdfme turns a field about its
 *   centre (packages/schemas/src/utils.ts `convertForPdfLayoutProps`: "The UI performs rotation around the objects
 *   center point").
 * - The file the predictions must be for: `source.pdf` beside the template when there is one, else the template.
 *
 * JSONL boxes, one line per image or page (any `*.jsonl` given as a file; in a directory, `truth.jsonl` and
 * `*.truth.jsonl` only, so detection records kept beside the truth are not taken for it):
 *   {"file": "scan.png", "page": 1, "boxes": [{"bbox": [x1, y1, x2, y2], "type": "text"}]}
 * - `file`: the input the predictions are for, relative to the JSONL file's directory (or absolute);
 * - `page`: 1-based, default 1 (images have one page);
 * - `bbox`: 0–1000 of the page's width and height from its top-left, as the model answers; `type` optional
 *   (default `field`). A page with `"boxes": []` is a page known to have no fields. A file and page given twice
 *   is refused.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fromNormalized, fromRect, type PageBox } from './boxes';
import { isPdf } from '../pdf/pdf-pages';
import { pdfPageSizesMm, type PageSizeMm } from './pdf-page-sizes';
import type { TruthBox, TruthDocument, TruthPage } from './score';

/** The type a truth box gets when its source names none. */
export const DEFAULT_FIELD_TYPE = 'field';

export class TruthError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    const shown = problems.slice(0, 20);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : '';
    super(`${source}: the truth cannot be read:\n  ${shown.join('\n  ')}${more}`);
    this.name = 'TruthError';
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The axis-aligned box around a rectangle turned by `degrees` about its centre. */
function boundingBoxOfRotated(x: number, y: number, width: number, height: number, degrees: number) {
  const radians = (degrees * Math.PI) / 180;
  const cos = Math.abs(Math.cos(radians));
  const sin = Math.abs(Math.sin(radians));
  const halfWidth = (width * cos + height * sin) / 2;
  const halfHeight = (width * sin + height * cos) / 2;
  const cx = x + width / 2;
  const cy = y + height / 2;
  return { x: cx - halfWidth, y: cy - halfHeight, width: 2 * halfWidth, height: 2 * halfHeight };
}

/** The fields of one page, from pdfme's array form or its older keyed-object form. */
function fieldsOf(page: unknown): Json[] | null {
  if (Array.isArray(page)) return page as Json[];
  if (isObject(page)) return Object.entries(page).map(([name, field]) => ({ name, ...(isObject(field) ? field : {}) }));
  return null;
}

/** PDF bytes from pdfme's `basePdf` string: a data URI, bare base64, or a path relative to the template. */
async function basePdfBytes(basePdf: string, templateDir: string): Promise<Uint8Array> {
  const dataUri = /^data:application\/pdf;base64,/i.exec(basePdf);
  if (dataUri) return Buffer.from(basePdf.slice(dataUri[0].length), 'base64');
  if (/\.pdf$/i.test(basePdf.trim())) return readFile(resolve(templateDir, basePdf.trim()));
  const bytes = Buffer.from(basePdf, 'base64');
  if (!isPdf(bytes)) {
    throw new Error('basePdf is neither a PDF data URI, base64 of a PDF, nor a path to a .pdf file');
  }
  return bytes;
}

const exists = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * Truth boxes from a parsed pdfme template, on pages of the given sizes (one per page, millimetres).
 * @throws TruthError naming every bad field
 */
export function truthFromPdfmeSchemas(
  template: unknown,
  pageSizes: PageSizeMm[],
  where: { file: string; source: string },
): TruthDocument {
  const problems: string[] = [];
  const schemas = isObject(template) ? template.schemas : undefined;
  if (!Array.isArray(schemas)) throw new TruthError(where.source, ['"schemas" is not a list of pages']);
  if (schemas.length > pageSizes.length) {
    problems.push(`"schemas" has ${schemas.length} pages but the PDF has ${pageSizes.length}`);
  }
  const pages: TruthPage[] = pageSizes.map((size, index) => {
    const fields = index < schemas.length ? fieldsOf(schemas[index]) : [];
    if (fields === null) {
      problems.push(`schemas[${index}] is not a list of fields`);
      return { page: index + 1, boxes: [], sizeMm: size };
    }
    const boxes: TruthBox[] = [];
    fields.forEach((field, position) => {
      const label = `schemas[${index}][${position}]${typeof field?.name === 'string' ? ` (${field.name})` : ''}`;
      if (!isObject(field)) return void problems.push(`${label} is not an object`);
      if (field.readOnly === true) return;
      const { x, y } = isObject(field.position) ? field.position : {};
      const { width, height } = field;
      if (!isNumber(x) || !isNumber(y) || !isNumber(width) || !isNumber(height) || width <= 0 || height <= 0) {
        return void problems.push(
          `${label}: needs position {x, y} and width, height > 0 in millimetres, got ${JSON.stringify({ position: field.position, width, height })}`,
        );
      }
      const rotate = isNumber(field.rotate) ? field.rotate : 0;
      const rect = rotate % 360 === 0 ? { x, y, width, height } : boundingBoxOfRotated(x, y, width, height, rotate);
      boxes.push({
        box: fromRect(rect, size.width, size.height),
        type: typeof field.type === 'string' && field.type !== '' ? field.type : DEFAULT_FIELD_TYPE,
        ...(typeof field.name === 'string' ? { name: field.name } : {}),
      });
    });
    return { page: index + 1, boxes, sizeMm: size };
  });
  if (problems.length > 0) throw new TruthError(where.source, problems);
  return { file: where.file, source: where.source, pages };
}

export interface PdfmeTruth extends TruthDocument {
  /** The PDF the template describes (its basePdf or the source.pdf beside it); null for a blank basePdf alone. */
  pdf: Uint8Array | null;
}

/** Truth from a pdfme template.json (see the module comment for basePdf and source.pdf). */
export async function loadPdfmeTruth(templatePath: string): Promise<PdfmeTruth> {
  const source = resolve(templatePath);
  const dir = dirname(source);
  let template: unknown;
  try {
    template = JSON.parse(await readFile(source, 'utf8'));
  } catch (error) {
    throw new TruthError(source, [`not a readable JSON file (${(error as Error).message})`]);
  }
  const basePdf = isObject(template) ? template.basePdf : undefined;
  const besidePath = join(dir, 'source.pdf');
  const beside = await exists(besidePath);
  let pdf: Uint8Array | null = null;
  try {
    if (typeof basePdf === 'string') pdf = await basePdfBytes(basePdf, dir);
    else if (beside) pdf = await readFile(besidePath);
  } catch (error) {
    throw new TruthError(source, [`basePdf: ${(error as Error).message}`]);
  }
  let sizes: PageSizeMm[];
  if (pdf) {
    try {
      sizes = await pdfPageSizesMm(pdf);
    } catch (error) {
      throw new TruthError(source, [`its PDF cannot be read (${(error as Error).message})`]);
    }
  } else if (isObject(basePdf) && isNumber(basePdf.width) && isNumber(basePdf.height)) {
    const schemas = isObject(template) && Array.isArray(template.schemas) ? template.schemas : [];
    sizes = schemas.map(() => ({ width: basePdf.width as number, height: basePdf.height as number }));
  } else {
    throw new TruthError(source, [
      '"basePdf" is neither a PDF (data URI, base64 or path) nor a blank page {width, height}, and no source.pdf is beside it',
    ]);
  }
  const file = beside ? besidePath : source;
  return { ...truthFromPdfmeSchemas(template, sizes, { file, source }), pdf };
}

/**
 * Truth from JSONL boxes (see the module comment for the schema).
 * @throws TruthError naming every bad line
 */
export function parseTruthJsonl(text: string, source: string): TruthDocument[] {
  const baseDir = dirname(resolve(source));
  const problems: string[] = [];
  const documents = new Map<string, Map<number, TruthPage>>();
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `line ${index + 1}`;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch (error) {
      return void problems.push(`${where}: not JSON (${(error as Error).message})`);
    }
    if (!isObject(entry) || typeof entry.file !== 'string' || entry.file === '') {
      return void problems.push(
        `${where}: expected {"file": "<input>", "page"?: 1, "boxes": [{"bbox": [x1, y1, x2, y2], "type"?: "text"}]}`,
      );
    }
    const page = entry.page ?? 1;
    if (!(Number.isInteger(page) && (page as number) >= 1)) {
      return void problems.push(`${where}: "page" must be a whole number from 1, got ${JSON.stringify(entry.page)}`);
    }
    if (!Array.isArray(entry.boxes))
      return void problems.push(`${where}: "boxes" must be a list (empty for no fields)`);
    const boxes: TruthBox[] = [];
    entry.boxes.forEach((item, position) => {
      const bbox = isObject(item) ? item.bbox : undefined;
      if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((n) => isNumber(n) && n >= 0 && n <= 1000)) {
        return void problems.push(`${where}: boxes[${position}].bbox must be [x1, y1, x2, y2] in 0–1000`);
      }
      const box: PageBox = fromNormalized(bbox as number[]);
      if (box[2] <= box[0] || box[3] <= box[1]) {
        return void problems.push(`${where}: boxes[${position}].bbox ${JSON.stringify(bbox)} has no area`);
      }
      const type = (item as Json).type;
      if (type !== undefined && (typeof type !== 'string' || type === '')) {
        return void problems.push(`${where}: boxes[${position}].type must be a non-empty string`);
      }
      boxes.push({ box, type: (type as string | undefined) ?? DEFAULT_FIELD_TYPE });
    });
    const file = isAbsolute(entry.file) ? entry.file : resolve(baseDir, entry.file);
    const pages = documents.get(file) ?? new Map<number, TruthPage>();
    documents.set(file, pages);
    if (pages.has(page as number)) return void problems.push(`${where}: ${entry.file} page ${page} is given twice`);
    pages.set(page as number, { page: page as number, boxes });
  });
  if (problems.length > 0) throw new TruthError(source, problems);
  return [...documents].map(([file, pages]) => ({
    file,
    source: resolve(source),
    pages: [...pages.values()].sort((a, b) => a.page - b.page),
  }));
}

/** Whether a file in a truth directory is truth: `template.json`, `truth.jsonl` or `*.truth.jsonl`. */
const isTruthFileName = (name: string) =>
  name === 'template.json' || name === 'truth.jsonl' || name.endsWith('.truth.jsonl');

/** Every truth file under a directory, at any depth, in path order. */
async function findTruthFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string) => {
    const entries = (await readdir(current, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') await walk(path);
      else if (entry.isFile() && isTruthFileName(entry.name)) found.push(path);
    }
  };
  await walk(dir);
  return found;
}

/**
 * Truth from a pdfme template (`*.json`), a JSONL boxes file (`*.jsonl`), or a directory holding any number of
 * `template.json`, `truth.jsonl` and `*.truth.jsonl` files.
 * @throws TruthError naming the file and every problem in it
 */
export async function loadTruth(path: string): Promise<Array<TruthDocument & { pdf?: Uint8Array | null }>> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => null);
  if (!info) throw new TruthError(absolute, ['no such file or directory']);
  const files = info.isDirectory() ? await findTruthFiles(absolute) : [absolute];
  if (files.length === 0) {
    throw new TruthError(absolute, [
      'holds no template.json (pdfme) and no truth.jsonl or *.truth.jsonl (boxes) to use as truth',
    ]);
  }
  const documents: Array<TruthDocument & { pdf?: Uint8Array | null }> = [];
  for (const file of files) {
    if (file.endsWith('.jsonl')) documents.push(...parseTruthJsonl(await readFile(file, 'utf8'), file));
    else if (file.endsWith('.json')) documents.push(await loadPdfmeTruth(file));
    else throw new TruthError(file, [`${basename(file)}: give a pdfme template (.json) or JSONL boxes (.jsonl)`]);
  }
  return documents;
}
