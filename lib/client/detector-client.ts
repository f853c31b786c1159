/** The one interface every cloud's client implements. */
import type { DetectionResult } from '../../inference-container/src/contract';
import type { ColdStartPolicy, WarmingUpInfo } from './cold-start';
import type { ImageInput } from './image-input';
import type { DetectOptions } from './detect-options';
import type { DetectPdfOptions, DetectedPage, DocumentInput } from './pdf/detected-page';
import type { Cloud } from './payload-limits';

export { requestParameters, type DetectOptions } from './detect-options';

export interface DetectorClient {
  readonly cloud: Cloud;
  /**
   * Sends one image and returns its boxes. `bbox_pixel` and `image_size` describe the image as given (EXIF
   * orientation applied), even when the client had to downscale it to fit the platform's payload limit.
   * @throws DetectorError
   */
  detect(image: ImageInput, options?: DetectOptions): Promise<DetectionResult>;
  /**
   * Renders every page of a PDF (in-process, PDFium) and detects on each page; pages come back in order with their
   * size in millimetres and points. Feed the result to `toPdfmeTemplate` or `toFillablePdf`.
   * @throws DetectorError — `invalid_pdf` / `encrypted_pdf` before anything is sent, else the first page's failure
   */
  detectPdf(pdf: DocumentInput, options?: DetectPdfOptions): Promise<DetectedPage[]>;
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
   * Deadline for one attempt — a request and its retries on transient errors — in milliseconds. Waiting out a cold
   * start is bounded by `coldStartTimeoutMs` instead: each attempt after such a wait gets a fresh deadline.
   * @default 180000 (Azure ML's longest request timeout; SageMaker gives up at 60 s on its own)
   */
  deadlineMs?: number;
  /**
   * How long to keep waiting, in milliseconds, while an on-demand deployment scaled to zero starts up: the platform
   * answers "no capacity" (SageMaker inference component without copies, Cloud Run "no available instance"), the
   * container answers 503 `not_ready` (model loading), or the gateway answers 503/504 (Container Apps). Counted
   * from the first such answer; then `cold_start_timeout`. The waits back off like retries (Retry-After wins),
   * separately from `maxRetries`. 0 disables waiting: those answers are then ordinary retries under `maxRetries`.
   * @default per target (COLD_START_TIMEOUT_MS): 15 min for a SageMaker inference component, 10 min for Cloud
   * Run (`*.run.app`), 12 min for Container Apps (`*.azurecontainerapps.io`); 0 for always-on endpoints
   */
  coldStartTimeoutMs?: number;
  /** Called before each cold-start wait, e.g. to show "warming up…" to a person. */
  onWarmingUp?: (info: WarmingUpInfo) => void;
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

/**
 * Default `coldStartTimeoutMs` per target: at least the longest cold start lib/core estimates for it
 * (COLD_STARTS: SageMaker inference component 6–15 min, Cloud Run GPU 2–8 min, Container Apps GPU 3–10 min).
 */
export const COLD_START_TIMEOUT_MS = {
  sagemakerInferenceComponent: 15 * 60_000,
  cloudRun: 10 * 60_000,
  containerApps: 12 * 60_000,
  alwaysOn: 0,
} as const;

export type ColdStartTarget = keyof typeof COLD_START_TIMEOUT_MS;

/** Which on-demand platform a URL points at, judged by its host; `alwaysOn` when none is recognised. */
export function coldStartTargetOfUrl(url: string): ColdStartTarget {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return 'alwaysOn';
  }
  if (host.endsWith('.run.app')) return 'cloudRun';
  if (host.endsWith('.azurecontainerapps.io')) return 'containerApps';
  return 'alwaysOn';
}

export function resolveClientOptions(options: DetectorClientOptions, target: ColdStartTarget = 'alwaysOn') {
  const initialRetryDelayMs = options.initialRetryDelayMs ?? CLIENT_DEFAULTS.initialRetryDelayMs;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? CLIENT_DEFAULTS.maxRetryDelayMs;
  return {
    maxRetries: options.maxRetries ?? CLIENT_DEFAULTS.maxRetries,
    deadlineMs: options.deadlineMs ?? CLIENT_DEFAULTS.deadlineMs,
    initialRetryDelayMs,
    maxRetryDelayMs,
    coldStart: {
      limitMs: options.coldStartTimeoutMs ?? COLD_START_TIMEOUT_MS[target],
      initialDelayMs: initialRetryDelayMs,
      maxDelayMs: maxRetryDelayMs,
      onWarmingUp: options.onWarmingUp,
    } satisfies Omit<ColdStartPolicy, 'what'>,
  };
}
