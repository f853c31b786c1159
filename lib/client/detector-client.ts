/** The one interface every cloud's client implements. */
import type { DetectionResult } from '../../inference-container/src/contract';
import type { ImageInput } from './image-input';
import type { Cloud } from './payload-limits';

export interface DetectOptions {
  /** Cancels the call (and its retries). */
  signal?: AbortSignal;
}

export interface DetectorClient {
  readonly cloud: Cloud;
  /**
   * Sends one image and returns its boxes. `bbox_pixel` and `image_size` describe the image as given (EXIF
   * orientation applied), even when the client had to downscale it to fit the platform's payload limit.
   * @throws DetectorError
   */
  detect(image: ImageInput, options?: DetectOptions): Promise<DetectionResult>;
  /** Releases pooled connections. The client must not be used afterwards. */
  close(): Promise<void>;
}

/** Options every client takes. */
export interface DetectorClientOptions {
  /**
   * Retries after the first attempt on 429 / 503 (and platform throttling), with exponential backoff that honours
   * Retry-After when the platform passes it through.
   * @default 3
   */
  maxRetries?: number;
  /**
   * Overall deadline for one `detect` call, retries and waits included, in milliseconds.
   * @default 180000 (Azure ML's longest request timeout; SageMaker gives up at 60 s on its own)
   */
  deadlineMs?: number;
  /**
   * First backoff delay in milliseconds; each retry doubles it (with jitter on SageMaker).
   * @default 500
   */
  initialRetryDelayMs?: number;
  /**
   * Longest single wait between attempts, in milliseconds, including a Retry-After the server asked for.
   * @default 30000
   */
  maxRetryDelayMs?: number;
  /**
   * Largest request to send, in bytes; larger images are downscaled first.
   * @default the platform's limit (PAYLOAD_LIMIT_BYTES)
   */
  maxRequestBytes?: number;
}

export const CLIENT_DEFAULTS = {
  maxRetries: 3,
  deadlineMs: 180_000,
  initialRetryDelayMs: 500,
  maxRetryDelayMs: 30_000,
} as const;

export function resolveClientOptions(options: DetectorClientOptions) {
  return {
    maxRetries: options.maxRetries ?? CLIENT_DEFAULTS.maxRetries,
    deadlineMs: options.deadlineMs ?? CLIENT_DEFAULTS.deadlineMs,
    initialRetryDelayMs: options.initialRetryDelayMs ?? CLIENT_DEFAULTS.initialRetryDelayMs,
    maxRetryDelayMs: options.maxRetryDelayMs ?? CLIENT_DEFAULTS.maxRetryDelayMs,
  };
}
