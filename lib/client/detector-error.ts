/** The one error type every DetectorClient throws: the server's JSON error code, or a client-side one. */
import { ERROR_STATUS, type ErrorCode } from '../../inference-container/src/contract';

/**
 * Codes beyond the container's own (`ErrorCode`), for failures that happen before or around the container:
 * - `unauthorized` / `forbidden`: the platform refused the credentials (401 / 403);
 * - `throttled`: the platform itself throttled the call (e.g. SageMaker's ThrottlingException);
 * - `platform_error`: the platform answered with an error that carries no container error code;
 * - `invalid_response`: a 2xx answer that is not a DetectionResult;
 * - `deadline_exceeded`: the client's deadline for an attempt passed (including its retries);
 * - `network_error`: no HTTP answer at all (DNS, refused connection, reset socket);
 * - `no_capacity`: the platform has nothing running to take the call — an on-demand deployment scaled to zero
 *   (SageMaker inference component without copies, Cloud Run "no available instance");
 * - `cold_start_timeout`: the endpoint was still warming up when `coldStartTimeoutMs` ran out;
 * - `invalid_pdf`: a PDF that cannot be read — corrupt, truncated, no pages — or whose pages could not be rendered;
 * - `encrypted_pdf`: a password-protected PDF (or, for a fillable PDF, any encrypted one).
 */
export type ClientErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'throttled'
  | 'platform_error'
  | 'invalid_response'
  | 'deadline_exceeded'
  | 'network_error'
  | 'no_capacity'
  | 'cold_start_timeout'
  | 'invalid_pdf'
  | 'encrypted_pdf';

export type DetectorErrorCode = ErrorCode | ClientErrorCode;

/** Where the error was decided: before sending, by the platform in front, or by the container. */
export type DetectorErrorSource = 'client' | 'platform' | 'container';

export interface DetectorErrorOptions {
  /** HTTP status of the answer (the container's original status when the platform wrapped it). */
  status?: number;
  source: DetectorErrorSource;
  /** Whether sending the same request again later may succeed. Defaults from the code. */
  retryable?: boolean;
  /** How long the answer asked the caller to wait (its Retry-After), in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

const RETRYABLE_CODES: ReadonlySet<DetectorErrorCode> = new Set<DetectorErrorCode>([
  'overloaded',
  'not_ready',
  'throttled',
  'timeout',
  'upstream_error',
  'deadline_exceeded',
  'network_error',
  'no_capacity',
  'cold_start_timeout',
]);

export class DetectorError extends Error {
  readonly code: DetectorErrorCode;
  readonly status: number | undefined;
  readonly source: DetectorErrorSource;
  readonly retryable: boolean;
  /** The answer's Retry-After in milliseconds, when it had one (SageMaker strips the container's). */
  readonly retryAfterMs: number | undefined;

  constructor(code: DetectorErrorCode, message: string, options: DetectorErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DetectorError';
    this.code = code;
    this.status = options.status;
    this.source = options.source;
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(code);
    this.retryAfterMs = options.retryAfterMs;
  }

  toJSON(): { code: DetectorErrorCode; message: string; status?: number; source: DetectorErrorSource } {
    return { code: this.code, message: this.message, status: this.status, source: this.source };
  }
}

/** True for a code the container itself sends in `{"error": {"code"}}`. */
export function isContainerErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, code);
}

/** A client-side refusal: nothing was sent. */
export function refuse(
  code: 'invalid_image' | 'invalid_request' | 'payload_too_large' | 'invalid_pdf' | 'encrypted_pdf',
  message: string,
): DetectorError {
  return new DetectorError(code, message, { source: 'client', retryable: false });
}

/**
 * Turns an error answer into a DetectorError. The container's JSON error `{"error": {"code", "message"}}` wins;
 * otherwise (a gateway's HTML, Google's `{"error": {"code": 401, "status": ...}}`, an empty body) the status
 * decides the code and the body's text, cut short, becomes the message — except a platform's "no available
 * instance" / "no capacity" text (Cloud Run scaled to zero), which is `no_capacity` whatever the status.
 */
export function errorFromResponse(
  status: number,
  bodyText: string,
  what: string,
  retryAfterMs?: number,
): DetectorError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown; status?: unknown } } | undefined)?.error;
  const message = typeof error?.message === 'string' ? error.message : undefined;
  if (error && isContainerErrorCode(error.code)) {
    return new DetectorError(error.code, message ?? error.code, { status, source: 'container', retryAfterMs });
  }
  const detail = message ?? (typeof parsed === 'string' ? parsed : bodyText.trim().slice(0, 500));
  const text = `${what} answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
  const noCapacity = isNoCapacityMessage(detail);
  return new DetectorError(noCapacity ? 'no_capacity' : codeForStatus(status), text, {
    status,
    source: 'platform',
    retryable: noCapacity || status === 429 || status >= 500,
    retryAfterMs,
  });
}

/**
 * True for a platform's "nothing is running to take this request" text: SageMaker's "Inference Component has no
 * capacity to process this request" and Cloud Run's "The request was aborted because there was no available
 * instance" (sources in cold-start.ts).
 */
export function isNoCapacityMessage(text: string | undefined): boolean {
  return /no capacity to process|no available instance/i.test(text ?? '');
}

/** The code for a status when the body names none. */
export function codeForStatus(status: number): DetectorErrorCode {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 408:
      return 'timeout';
    case 413:
      return 'payload_too_large';
    case 429:
      return 'throttled';
    case 503:
      return 'not_ready';
    case 504:
      return 'timeout';
    default:
      return 'platform_error';
  }
}
