/**
 * A small client for the parts of the Vertex AI REST API v1 the deploy step calls: JSON over HTTPS with an OAuth
 * access token, Google's error body turned into a readable error, and long-running operations waited for.
 * No cdktf import: the deploy command loads this at apply time.
 */
import { Agent, fetch, RetryAgent, type Dispatcher } from 'undici';
import { STORAGE_API_BASE_URL_ENV, VERTEX_API_BASE_URL_ENV } from './vertex-deploy-config';

/** Gives an OAuth 2 access token for the Cloud Platform scope. */
export type AccessTokenProvider = () => Promise<string>;

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * GOOGLE_OAUTH_ACCESS_TOKEN when set (the variable the Terraform google provider reads too), else Application
 * Default Credentials through google-auth-library (`gcloud auth application-default login`, a workload identity,
 * or GOOGLE_APPLICATION_CREDENTIALS).
 */
export function defaultAccessTokenProvider(env: NodeJS.ProcessEnv = process.env): AccessTokenProvider {
  const fixed = env.GOOGLE_OAUTH_ACCESS_TOKEN?.trim();
  if (fixed) return async () => fixed;
  let auth: { getAccessToken(): Promise<string | null | undefined> } | undefined;
  return async () => {
    if (!auth) {
      // Loaded on first use, so a run with a fixed token never touches ADC.
      const { GoogleAuth } = await import('google-auth-library');
      auth = new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
    }
    let token: string | null | undefined;
    try {
      token = await auth.getAccessToken();
    } catch (e) {
      throw new Error(
        `could not get Google credentials (${(e as Error).message}); run 'gcloud auth application-default login' ` +
          'or set GOOGLE_OAUTH_ACCESS_TOKEN',
        { cause: e },
      );
    }
    if (!token) throw new Error('Application Default Credentials returned no access token');
    return token;
  };
}

/** An error the API answered with, or an operation that finished with an error. */
export class VertexApiError extends Error {
  constructor(
    /** What was being done, e.g. `upload model` or `POST …/endpoints/123:deployModel`. */
    readonly action: string,
    /** HTTP status, or the google.rpc.Code number for a failed operation. */
    readonly httpStatus: number,
    /** google.rpc status name, e.g. PERMISSION_DENIED, RESOURCE_EXHAUSTED, NOT_FOUND. */
    readonly status: string,
    /** The API's own message, verbatim. */
    readonly apiMessage: string,
  ) {
    super(`${action} failed: ${httpStatus} ${status}: ${apiMessage}${hintFor(httpStatus, status, apiMessage)}`);
    this.name = 'VertexApiError';
  }
}

/** google.rpc.Code numbers → names, for operation errors (which carry only the number). */
const RPC_CODES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

function hintFor(httpStatus: number, status: string, message: string): string {
  if (status === 'RESOURCE_EXHAUSTED' || httpStatus === 429) {
    return (
      '\n  hint: a quota is exhausted — for GPUs, request more "Custom model serving" GPU quota for this ' +
      'accelerator in this region (console: IAM & Admin → Quotas), or choose another region or machine'
    );
  }
  if (status === 'PERMISSION_DENIED' || httpStatus === 403) {
    return (
      '\n  hint: the identity running the deploy (see `gcloud auth application-default print-access-token`) ' +
      'needs roles/aiplatform.user on the project and roles/iam.serviceAccountUser on the serving service account'
    );
  }
  if (status === 'UNAUTHENTICATED' || httpStatus === 401) {
    return "\n  hint: run 'gcloud auth application-default login', or refresh GOOGLE_OAUTH_ACCESS_TOKEN";
  }
  if (status === 'NOT_FOUND' || httpStatus === 404) {
    return /location|region/i.test(message)
      ? '\n  hint: check the region: Vertex AI must be offered there (https://cloud.google.com/vertex-ai/docs/general/locations)'
      : '\n  hint: check the project, the region and that the endpoint exists (was the stack deployed?)';
  }
  return '';
}

export interface Operation {
  readonly name: string;
  readonly done?: boolean;
  readonly error?: { readonly code?: number; readonly message?: string };
  readonly response?: Record<string, unknown>;
  readonly metadata?: Record<string, unknown>;
}

export interface VertexApiOptions {
  readonly region: string;
  readonly accessToken: AccessTokenProvider;
  /** @default `https://{region}-aiplatform.googleapis.com`, or FORM_DETECTOR_VERTEX_API_BASE_URL */
  readonly baseUrl?: string;
  /** @default `https://storage.googleapis.com`, or FORM_DETECTOR_STORAGE_API_BASE_URL */
  readonly storageBaseUrl?: string;
  /** First wait between operation polls; doubles up to `pollMaxMs`. @default 5000 */
  readonly pollInitialMs?: number;
  /** @default 60000 */
  readonly pollMaxMs?: number;
  /** Logs progress lines. @default nothing */
  readonly log?: (line: string) => void;
}

export class VertexApi {
  readonly baseUrl: string;
  private readonly agent: Agent;
  private readonly retrying: Dispatcher;
  private readonly pollInitialMs: number;
  private readonly pollMaxMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: VertexApiOptions) {
    const fromEnv = process.env[VERTEX_API_BASE_URL_ENV]?.trim();
    this.baseUrl = (options.baseUrl ?? (fromEnv || `https://${options.region}-aiplatform.googleapis.com`)).replace(
      /\/+$/,
      '',
    );
    // Reads and deletes are retried by undici on 429/5xx (backoff, Retry-After). POSTs go through a plain agent:
    // a quota error on deployModel must surface with the API's message, not be retried.
    this.agent = new Agent({ connect: { timeout: 30_000 } });
    this.retrying = new RetryAgent(this.agent, {
      maxRetries: 4,
      minTimeout: 1000,
      maxTimeout: 15_000,
      methods: ['GET', 'DELETE'],
      statusCodes: [429, 500, 502, 503, 504],
    });
    this.pollInitialMs = options.pollInitialMs ?? 5000;
    this.pollMaxMs = options.pollMaxMs ?? 60_000;
    this.log = options.log ?? (() => undefined);
  }

  async close(): Promise<void> {
    await this.retrying.close();
  }

  /** Calls `{baseUrl}/v1/{path}`; returns the parsed JSON body; throws VertexApiError on a non-2xx answer. */
  async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, action?: string): Promise<T> {
    const url = `${this.baseUrl}/v1/${path.replace(/^\/+/, '')}`;
    const what = action ?? `${method} ${url}`;
    const token = await this.options.accessToken();
    let response;
    try {
      response = await fetch(url, {
        method,
        dispatcher: method === 'POST' ? this.agent : this.retrying,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      const cause = (e as { cause?: Error & { statusCode?: number } }).cause;
      if (cause?.statusCode) {
        // undici's RetryAgent gave up: the API kept answering with a retryable status.
        throw new VertexApiError(
          what,
          cause.statusCode,
          'UNAVAILABLE',
          `still failing after retries (${cause.message})`,
        );
      }
      throw new Error(`${what} failed: could not reach ${this.baseUrl}: ${cause?.message ?? (e as Error).message}`, {
        cause: e,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      let status = response.statusText || 'ERROR';
      let message = text.slice(0, 2000);
      try {
        const parsed = JSON.parse(text) as { error?: { status?: string; message?: string } };
        if (parsed.error) {
          status = parsed.error.status ?? status;
          message = parsed.error.message ?? message;
        }
      } catch {
        // Not JSON (a proxy's HTML page, say): keep the text.
      }
      throw new VertexApiError(what, response.status, status, message);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * Whether a Cloud Storage object exists (`gs://bucket/name`), through the JSON API's objects.get with the same
   * token (https://cloud.google.com/storage/docs/json_api/v1/objects/get): 200 yes, 404 no, anything else an error.
   */
  async objectExists(gsUri: string): Promise<boolean> {
    const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(gsUri);
    if (!m) throw new Error(`${gsUri} is not a gs://bucket/object URI`);
    const base = (
      this.options.storageBaseUrl ??
      (process.env[STORAGE_API_BASE_URL_ENV]?.trim() || 'https://storage.googleapis.com')
    ).replace(/\/+$/, '');
    const url = `${base}/storage/v1/b/${encodeURIComponent(m[1])}/o/${encodeURIComponent(m[2])}?fields=name`;
    const response = await fetch(url, {
      dispatcher: this.retrying,
      headers: { authorization: `Bearer ${await this.options.accessToken()}` },
    });
    const text = await response.text();
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw new VertexApiError(`check ${gsUri}`, response.status, response.statusText || 'ERROR', text.slice(0, 500));
  }

  /** Polls an operation until it is done, with doubling waits, and fails after `timeoutSeconds`. */
  async wait(operation: Operation, action: string, timeoutSeconds: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let current = operation;
    let delay = this.pollInitialMs;
    while (!current.done) {
      if (Date.now() + delay > deadline) {
        throw new Error(
          `${action}: operation ${operation.name} did not finish within ${timeoutSeconds} s; it may still be running — ` +
            `check it with: gcloud ai operations describe ${operation.name.split('/').pop()} --region=${this.options.region}`,
        );
      }
      this.log(`  waiting for ${action} (${operation.name.split('/').pop()})…`);
      await sleep(delay);
      delay = Math.min(delay * 2, this.pollMaxMs);
      current = await this.call<Operation>('GET', current.name, undefined, `${action} (poll)`);
    }
    if (current.error) {
      const code = current.error.code ?? 2;
      throw new VertexApiError(action, code, RPC_CODES[code] ?? 'UNKNOWN', current.error.message ?? '(no message)');
    }
    return current.response ?? {};
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
