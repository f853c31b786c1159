/** The one error type every DetectorClient throws: the server's JSON error code, or a client-side one. */
import { ERROR_STATUS, type ErrorCode } from '../../inference-container/src/contract';

/**
 * Codes beyond the container's own (`ErrorCode`), for failures that happen before or around the container:
 * - `unauthorized` / `forbidden`: the platform refused the credentials (401 / 403);
 * - `throttled`: the platform itself throttled the call (e.g. SageMaker's ThrottlingException);
 * - `platform_error`: the platform answered with an error that carries no container error code;
 * - `invalid_response`: a 2xx answer that is not a DetectionResult;
 * - `deadline_exceeded`: the client's overall deadline passed (including retries);
 * - `network_error`: no HTTP answer at all (DNS, refused connection, reset socket).
 */
export type ClientErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'throttled'
  | 'platform_error'
  | 'invalid_response'
  | 'deadline_exceeded'
  | 'network_error';

export type DetectorErrorCode = ErrorCode | ClientErrorCode;

/** Where the error was decided: before sending, by the platform in front, or by the container. */
export type DetectorErrorSource = 'client' | 'platform' | 'container';

export interface DetectorErrorOptions {
  /** HTTP status of the answer (the container's original status when the platform wrapped it). */
  status?: number;
  source: DetectorErrorSource;
  /** Whether sending the same request again later may succeed. Defaults from the code. */
  retryable?: boolean;
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
]);

export class DetectorError extends Error {
  readonly code: DetectorErrorCode;
  readonly status: number | undefined;
  readonly source: DetectorErrorSource;
  readonly retryable: boolean;

  constructor(code: DetectorErrorCode, message: string, options: DetectorErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DetectorError';
    this.code = code;
    this.status = options.status;
    this.source = options.source;
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(code);
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
  code: 'invalid_image' | 'invalid_request' | 'payload_too_large',
  message: string,
): DetectorError {
  return new DetectorError(code, message, { source: 'client', retryable: false });
}

/**
 * Turns an error answer into a DetectorError. The container's JSON error `{"error": {"code", "message"}}` wins;
 * otherwise (a gateway's HTML, Google's `{"error": {"code": 401, "status": ...}}`, an empty body) the status
 * decides the code and the body's text, cut short, becomes the message.
 */
export function errorFromResponse(status: number, bodyText: string, what: string): DetectorError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown; status?: unknown } } | undefined)?.error;
  const message = typeof error?.message === 'string' ? error.message : undefined;
  if (error && isContainerErrorCode(error.code)) {
    return new DetectorError(error.code, message ?? error.code, { status, source: 'container' });
  }
  const detail = message ?? (typeof parsed === 'string' ? parsed : bodyText.trim().slice(0, 500));
  const text = `${what} answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
  return new DetectorError(codeForStatus(status), text, {
    status,
    source: 'platform',
    retryable: status === 429 || status >= 500,
  });
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
