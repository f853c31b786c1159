/** Checks an answer is a DetectionResult, and restates it in the frame of the image the caller gave. */
import type { DetectedBox, DetectionResult } from '../../inference-container/src/contract';
import { DetectorError } from './detector-error';

// A hand-written check rather than zod: zod is not a runtime dependency of this package, and the shape is small.
const isBox = (value: unknown): value is [number, number, number, number] =>
  Array.isArray(value) && value.length === 4 && value.every((n) => typeof n === 'number' && Number.isFinite(n));
const isPositiveInteger = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value > 0;

/** What is wrong with a would-be DetectionResult, or undefined when it is one. */
export function detectionResultProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'body: not a JSON object';
  const result = value as Record<string, unknown>;
  if (!Array.isArray(result.bboxes)) return 'bboxes: not a list';
  for (const [index, box] of result.bboxes.entries()) {
    const { bbox_normalized, bbox_pixel } = (box ?? {}) as Record<string, unknown>;
    if (!isBox(bbox_normalized)) return `bboxes[${index}].bbox_normalized: not 4 numbers`;
    if (!isBox(bbox_pixel)) return `bboxes[${index}].bbox_pixel: not 4 numbers`;
  }
  if (typeof result.count !== 'number' || !Number.isInteger(result.count) || result.count < 0) {
    return 'count: not a non-negative integer';
  }
  if (typeof result.raw_output !== 'string') return 'raw_output: not a string';
  const size = result.image_size as Record<string, unknown> | undefined;
  if (!size || !isPositiveInteger(size.width) || !isPositiveInteger(size.height)) {
    return 'image_size: not {width, height} in positive integers';
  }
  // Containers built before `model` existed leave it out; when present it must name the model.
  if (result.model !== undefined && (typeof result.model !== 'string' || result.model === '')) {
    return 'model: not a non-empty string';
  }
  return undefined;
}

/** Returns the value as a DetectionResult, or throws `invalid_response` naming what was wrong. */
export function parseDetectionResult(value: unknown, what: string): DetectionResult {
  const problem = detectionResultProblem(value);
  if (problem === undefined) return value as DetectionResult;
  throw new DetectorError(
    'invalid_response',
    `${what} answered with something that is not a DetectionResult (${problem})`,
    {
      source: 'platform',
      retryable: false,
    },
  );
}

/**
 * bbox_normalized (0–1000) does not depend on the frame; bbox_pixel and image_size do. After a downscale the
 * server described the copy it got, so recompute them for the caller's image: floor(n × side / 1000).
 */
export function toOriginalFrame(result: DetectionResult, original: { width: number; height: number }): DetectionResult {
  const { width, height } = original;
  const bboxes: DetectedBox[] = result.bboxes.map(({ bbox_normalized: [x1, y1, x2, y2] }) => ({
    bbox_normalized: [x1, y1, x2, y2],
    bbox_pixel: [
      Math.floor((x1 * width) / 1000),
      Math.floor((y1 * height) / 1000),
      Math.floor((x2 * width) / 1000),
      Math.floor((y2 * height) / 1000),
    ],
  }));
  return { ...result, bboxes, count: bboxes.length, image_size: { width, height } };
}
