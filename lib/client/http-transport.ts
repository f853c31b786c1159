/**
 * JSON over HTTPS for the Vertex and Azure clients: undici's RetryAgent retries 429 / 503 (and dropped
 * connections) with exponential backoff, honouring Retry-After; an AbortSignal bounds the whole call.
 */
import { Agent, RetryAgent, request, type RetryHandler } from 'undici';
import { DetectorError, errorFromResponse } from './detector-error';

export interface HttpTransportOptions {
  maxRetries: number;
  initialRetryDelayMs: number;
  maxRetryDelayMs: number;
  /** Names the far end in messages, e.g. "the Vertex AI endpoint". */
  what: string;
  /**
   * Statuses RetryAgent retries. Without 503 when a cold-start wait is on: a 503 (`not_ready`, a gateway with no
   * instance ready) is then left to that wait, which reports it and runs up to `coldStartTimeoutMs`.
   * @default RETRY_STATUS_CODES
   */
  retryStatusCodes?: number[];
}

/** Statuses worth another attempt: the container's `overloaded` and `not_ready`, and platform throttling. */
export const RETRY_STATUS_CODES = [429, 503];

/** What RetryAgent retries when a cold-start wait handles 503. */
export const RETRY_STATUS_CODES_WITH_COLD_START_WAIT = [429];

type RetryCallback = NonNullable<RetryHandler.RetryOptions['retry']>;

/**
 * undici's default retry policy, except that the wait between attempts ends when the request's signal aborts.
 * (The default's timer ignores the signal: a caller's deadline left the process alive for up to maxTimeout and the
 * request was sent again after the caller had given up.)
 */
const cancellableRetry: RetryCallback = (error, { state, opts }, callback) => {
  const { statusCode, code, headers } = error as Error & {
    statusCode?: number;
    code?: string;
    headers?: Record<string, string | string[] | undefined>;
  };
  const retry = opts.retryOptions ?? {};
  const signal = (opts as { signal?: AbortSignal }).signal;
  const retryable =
    !signal?.aborted &&
    (!code || code === 'UND_ERR_REQ_RETRY' || (retry.errorCodes ?? []).includes(code)) &&
    (statusCode === undefined || (retry.statusCodes ?? RETRY_STATUS_CODES).includes(statusCode)) &&
    state.counter <= (retry.maxRetries ?? 0);
  if (!retryable) return callback(error);
  const backoff = (retry.minTimeout ?? 500) * (retry.timeoutFactor ?? 2) ** (state.counter - 1);
  const delay = Math.min(retryAfterMs(headers?.['retry-after']) ?? backoff, retry.maxTimeout ?? 30_000);
  const onAbort = () => {
    clearTimeout(timer);
    callback(error);
  };
  const timer = setTimeout(() => {
    signal?.removeEventListener('abort', onAbort);
    callback(null);
  }, delay);
  signal?.addEventListener('abort', onAbort, { once: true });
};

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export class HttpTransport {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000 });
  private readonly dispatcher: RetryAgent;

  constructor(private readonly options: HttpTransportOptions) {
    this.dispatcher = new RetryAgent(this.agent, {
      maxRetries: options.maxRetries,
      minTimeout: options.initialRetryDelayMs,
      maxTimeout: options.maxRetryDelayMs,
      timeoutFactor: 2,
      retryAfter: true,
      // A detection has no side effects, so POST is safe to repeat.
      methods: ['POST'],
      statusCodes: options.retryStatusCodes ?? RETRY_STATUS_CODES,
      // Hand the last answer over once retries are spent, so its JSON error reaches the caller.
      throwOnError: false,
      retry: cancellableRetry,
    });
  }

  /**
   * POSTs a JSON body and returns the parsed JSON answer; error answers become DetectorErrors.
   * `deadline` aborts with `deadline_exceeded`; `signal` is the caller's own cancellation and rethrows its reason.
   */
  async postJson(
    url: string,
    body: string,
    headers: Record<string, string>,
    deadline: AbortSignal,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const { what } = this.options;
    const combined = signal ? AbortSignal.any([deadline, signal]) : deadline;
    let status: number;
    let text: string;
    let retryAfter: string | string[] | undefined;
    try {
      const response = await request(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        dispatcher: this.dispatcher,
        signal: combined,
      });
      status = response.statusCode;
      retryAfter = response.headers['retry-after'];
      text = await response.body.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (deadline.aborted) {
        throw new DetectorError('deadline_exceeded', `${what} did not answer within the client's deadline`, {
          source: 'client',
          cause: error,
        });
      }
      const reason = (error as Error).message;
      throw new DetectorError('network_error', `could not reach ${what} at ${url}: ${reason}`, {
        source: 'client',
        cause: error,
      });
    }
    if (status < 200 || status > 299) throw errorFromResponse(status, text, what, retryAfterMs(retryAfter));
    try {
      return JSON.parse(text);
    } catch {
      throw new DetectorError('invalid_response', `${what} answered HTTP ${status} with a body that is not JSON`, {
        status,
        source: 'platform',
        retryable: false,
      });
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
