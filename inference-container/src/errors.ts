/** The contract's JSON error: `{"error": {"code", "message"}}` with the status of its code. */
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from './contract';

export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = ERROR_STATUS[code];
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export const invalidRequest = (message: string) => new ApiError('invalid_request', message);
export const invalidImage = (message: string) => new ApiError('invalid_image', message);
export const notReady = (message: string, retryAfterSeconds: number) =>
  new ApiError('not_ready', message, { 'retry-after': String(retryAfterSeconds) });
