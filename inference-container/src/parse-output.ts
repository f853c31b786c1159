/**
 * Turns the model's text into boxes.
 *
 * Tried in order (the original deploy parser's order, plus what src/evaluate.py recovered):
 * 1. the trained format `{"applicant_fields": [{"bbox": [x1, y1, x2, y2]}, ...], "count": N}`;
 * 2. what the base model emits by itself: a list of objects with a key containing "bbox" (`bbox_2d`,
 *    `bbox_0100`, ...), a bare list of boxes, or any object holding such lists;
 * 3. JSON cut off by the token limit, or not JSON at all: every complete `"...bbox...": [a, b, c, d]`, and
 *    failing those every `[a, b, c, d]` in the text.
 * Code fences are stripped first. Each box is rounded to integers, clamped to 0–1000 and ordered so that
 * x1 ≤ x2 and y1 ≤ y2; boxes with no area are dropped.
 */

export type Box = [number, number, number, number];

const NUMBER = String.raw`-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const QUAD = String.raw`\[\s*(${NUMBER})\s*,\s*(${NUMBER})\s*,\s*(${NUMBER})\s*,\s*(${NUMBER})\s*\]`;
const KEYED_QUAD = new RegExp(String.raw`"[^"\n]*bbox[^"\n]*"\s*:\s*${QUAD}`, 'gi');
const BARE_QUAD = new RegExp(QUAD, 'g');
const FENCE_OPEN = /```[a-zA-Z0-9_-]*[ \t]*\r?\n?/;

/** The text inside the first code fence; an unclosed fence (truncated output) runs to the end. */
export function stripCodeFence(text: string): string {
  const open = FENCE_OPEN.exec(text);
  if (!open) return text;
  const start = open.index + open[0].length;
  const end = text.indexOf('```', start);
  return end === -1 ? text.slice(start) : text.slice(start, end);
}

function toCoordinate(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

function asQuad(value: unknown): Box | null {
  if (!Array.isArray(value) || value.length !== 4) return null;
  const coords = value.map(toCoordinate);
  return coords.every((c): c is number => c !== null) ? (coords as Box) : null;
}

function bboxOfObject(item: Record<string, unknown>): Box | null {
  if ('bbox' in item) return asQuad(item.bbox);
  for (const [key, value] of Object.entries(item)) {
    if (key.toLowerCase().includes('bbox')) return asQuad(value);
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Boxes from one list: each entry a box, or an object with a bbox-like key. */
function boxesOfList(list: unknown[]): Box[] {
  const boxes: Box[] = [];
  for (const entry of list) {
    const box = isRecord(entry) ? bboxOfObject(entry) : asQuad(entry);
    if (box) boxes.push(box);
  }
  return boxes;
}

/** Boxes from parsed JSON, trying the trained shape first. */
function boxesOfJson(value: unknown): Box[] {
  if (isRecord(value) && Array.isArray(value.applicant_fields)) return boxesOfList(value.applicant_fields);
  if (Array.isArray(value)) {
    const single = asQuad(value);
    return single ? [single] : boxesOfList(value);
  }
  if (isRecord(value)) {
    const own = bboxOfObject(value);
    if (own) return [own];
    // e.g. {"fields": [{"bbox_2d": [...]}, ...]}: take the first list that yields boxes.
    for (const child of Object.values(value)) {
      const boxes = Array.isArray(child) ? boxesOfList(child) : isRecord(child) ? boxesOfJson(child) : [];
      if (boxes.length > 0) return boxes;
    }
  }
  return [];
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Parses the JSON in the text: the whole text, else the span from the first `{`/`[` to the last `}`/`]`. */
function parseEmbeddedJson(text: string): unknown {
  const whole = tryJson(text.trim());
  if (whole !== undefined) return whole;
  const start = text.search(/[[{]/);
  const end = Math.max(text.lastIndexOf('}'), text.lastIndexOf(']'));
  return start !== -1 && end > start ? tryJson(text.slice(start, end + 1)) : undefined;
}

function quadsOf(regex: RegExp, text: string): Box[] {
  return [...text.matchAll(regex)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as Box);
}

const clamp = (n: number) => Math.min(1000, Math.max(0, Math.round(n)));

/** Integers in 0–1000, x1 ≤ x2 and y1 ≤ y2; null when the box has no area. */
export function normalizeBox([a, b, c, d]: Box): Box | null {
  const [x1, x2] = [clamp(a), clamp(c)].sort((p, q) => p - q);
  const [y1, y2] = [clamp(b), clamp(d)].sort((p, q) => p - q);
  return x1 < x2 && y1 < y2 ? [x1, y1, x2, y2] : null;
}

/** Every box the model's text holds, normalized, in the model's order. */
export function parseModelOutput(raw: string): Box[] {
  const text = stripCodeFence(raw);
  const parsed = parseEmbeddedJson(text);
  let boxes = parsed === undefined ? [] : boxesOfJson(parsed);
  if (boxes.length === 0) boxes = quadsOf(KEYED_QUAD, text);
  if (boxes.length === 0) boxes = quadsOf(BARE_QUAD, text);
  return boxes.map(normalizeBox).filter((box): box is Box => box !== null);
}
