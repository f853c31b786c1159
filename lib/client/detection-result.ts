/** Checks an answer is a DetectionResult, and restates it in the frame of the image the caller gave. */
import { z } from 'zod';
import type { DetectedBox, DetectionResult } from '../../inference-container/src/contract';
import { DetectorError } from './detector-error';

const box = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const detectionResultSchema = z.object({
  bboxes: z.array(z.object({ bbox_normalized: box, bbox_pixel: box })),
  count: z.number().int().nonnegative(),
  raw_output: z.string(),
  image_size: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
}) satisfies z.ZodType<DetectionResult>;

/** Parses one DetectionResult, or throws `invalid_response` naming what was wrong. */
export function parseDetectionResult(value: unknown, what: string): DetectionResult {
  const parsed = detectionResultSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new DetectorError(
    'invalid_response',
    `${what} answered with something that is not a DetectionResult (${issue.path.join('.') || 'body'}: ${issue.message})`,
    { source: 'platform', retryable: false },
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
