/**
 * SageMaker real-time endpoint through @aws-sdk/client-sagemaker-runtime InvokeEndpoint: the raw image bytes as
 * the body with their Content-Type (no base64 inflation). Credentials, region and endpoint override follow the
 * SDK's own conventions (credential chain, AWS_REGION, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME / AWS_ENDPOINT_URL).
 *
 * The SDK is an optional peer dependency, loaded on first use.
 */
import type {
  InvokeEndpointCommand,
  SageMakerRuntimeClient,
  SageMakerRuntimeClientConfig,
} from '@aws-sdk/client-sagemaker-runtime';
import type { DetectionResult } from '../../inference-container/src/contract';
import { waitOutColdStart } from './cold-start';
import {
  resolveClientOptions,
  type DetectOptions,
  type DetectorClient,
  type DetectorClientOptions,
} from './detector-client';
import { DetectorError, codeForStatus, errorFromResponse, isNoCapacityMessage } from './detector-error';
import { parseDetectionResult, toOriginalFrame } from './detection-result';
import type { ImageInput } from './image-input';
import { detectPdfWith, type DetectPdfOptions, type DetectedPage, type DocumentInput } from './pdf/detect-pdf';
import { PAYLOAD_LIMIT_BYTES, requestBytes } from './payload-limits';
import { prepareImage } from './prepare-image';
import { assertNoProblems, collectNumberProblems } from './validate-options';

export interface SageMakerDetectorClientOptions extends DetectorClientOptions {
  /** The SageMaker endpoint's name (not its ARN or URL). */
  endpointName: string;
  /**
   * Required for endpoints built on inference components (e.g. scale-to-zero): SageMaker refuses calls without it.
   * @default none (a classic endpoint with production variants)
   */
  inferenceComponentName?: string;
  /** @default the SDK's region chain (AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config) */
  region?: string;
  /**
   * Endpoint URL override, e.g. a VPC interface endpoint.
   * @default the SDK's: AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME, AWS_ENDPOINT_URL, else the regional endpoint
   */
  endpoint?: string;
  /** @default the SDK's default credential provider chain */
  credentials?: SageMakerRuntimeClientConfig['credentials'];
  /** Any other SDK client settings; ours win where they overlap (maxAttempts). */
  clientConfig?: SageMakerRuntimeClientConfig;
}

const WHAT = 'the SageMaker endpoint';
const CONTAINER = 'the container behind the SageMaker endpoint';

/** Error names of the SageMaker runtime API (and the SDK) that are not the model's own errors. */
const PLATFORM_CODES: Record<string, DetectorError['code']> = {
  ThrottlingException: 'throttled',
  ModelNotReadyException: 'not_ready',
  ServiceUnavailable: 'not_ready',
  InternalFailure: 'platform_error',
  InternalDependencyException: 'platform_error',
  ValidationError: 'invalid_request',
  ValidationException: 'invalid_request',
  UnrecognizedClientException: 'unauthorized',
  InvalidSignatureException: 'unauthorized',
  ExpiredTokenException: 'unauthorized',
  CredentialsProviderError: 'unauthorized',
  AccessDeniedException: 'forbidden',
};

export class SageMakerDetectorClient implements DetectorClient {
  readonly cloud = 'aws' as const;
  private readonly settings: ReturnType<typeof resolveClientOptions>;
  private readonly maxRequestBytes: number;
  private client: Promise<SageMakerRuntimeClient> | undefined;

  constructor(private readonly options: SageMakerDetectorClientOptions) {
    assertNoProblems([
      typeof options.endpointName === 'string' && /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(options.endpointName)
        ? undefined
        : `endpointName must be a SageMaker endpoint name (letters, digits, hyphens; ≤ 63), got ${JSON.stringify(options.endpointName)}`,
      ...collectNumberProblems(options),
    ]);
    // Only endpoints built on inference components scale to zero (and answer "no capacity").
    this.settings = resolveClientOptions(
      options,
      options.inferenceComponentName ? 'sagemakerInferenceComponent' : 'alwaysOn',
    );
    this.maxRequestBytes = options.maxRequestBytes ?? PAYLOAD_LIMIT_BYTES.aws;
  }

  async detect(image: ImageInput, options: DetectOptions = {}): Promise<DetectionResult> {
    const prepared = await prepareImage(image, {
      maxRequestBytes: this.maxRequestBytes,
      requestBytes: (bytes) => requestBytes('aws', bytes),
    });
    const { InvokeEndpointCommand } = await import('@aws-sdk/client-sagemaker-runtime');
    const client = await this.sdkClient();
    const input = {
      EndpointName: this.options.endpointName,
      InferenceComponentName: this.options.inferenceComponentName,
      Body: prepared.bytes,
      ContentType: prepared.contentType,
      Accept: 'application/json',
      // The raw-bytes body has no room for parameters: SageMaker forwards CustomAttributes to the container verbatim.
      ...(options.adapter === undefined ? {} : { CustomAttributes: `adapter=${options.adapter}` }),
    };
    const body = await waitOutColdStart(
      () => this.invokeOnce(client, new InvokeEndpointCommand(input), options.signal),
      { ...this.settings.coldStart, what: WHAT },
      options.signal,
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(body));
    } catch {
      throw new DetectorError('invalid_response', `${WHAT} answered with a body that is not JSON`, {
        source: 'platform',
        retryable: false,
      });
    }
    const result = parseDetectionResult(parsed, WHAT);
    return prepared.downscaled ? toOriginalFrame(result, prepared.original) : result;
  }

  /** One InvokeEndpoint (with the SDK's own retries) under a fresh deadline; its answer body. */
  private async invokeOnce(
    client: SageMakerRuntimeClient,
    command: InvokeEndpointCommand,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array | undefined> {
    const deadline = AbortSignal.timeout(this.settings.deadlineMs);
    const abortSignal = signal ? AbortSignal.any([deadline, signal]) : deadline;
    try {
      return (await client.send(command, { abortSignal })).Body;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (deadline.aborted) {
        throw new DetectorError('deadline_exceeded', `${WHAT} did not answer within the client's deadline`, {
          source: 'client',
          cause: error,
        });
      }
      throw toDetectorError(error);
    }
  }

  private sdkClient(): Promise<SageMakerRuntimeClient> {
    this.client ??= import('@aws-sdk/client-sagemaker-runtime').then(({ SageMakerRuntimeClient }) => {
      const client = new SageMakerRuntimeClient({
        ...this.options.clientConfig,
        ...(this.options.region ? { region: this.options.region } : {}),
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        maxAttempts: this.settings.maxRetries + 1,
      });
      // With a cold-start wait on, the container's 503 not_ready is left to it (reported, up to coldStartTimeoutMs).
      const statuses = this.settings.coldStart.limitMs > 0 ? [429] : [429, 503];
      client.middlewareStack.add(markContainerBackPressureRetryable(statuses), {
        step: 'deserialize',
        priority: 'high',
        name: 'formDetectorRetryContainerBackPressure',
      });
      return client;
    });
    return this.client;
  }

  /** Renders every page of a PDF and detects on each; see DetectorClient.detectPdf. */
  detectPdf(pdf: DocumentInput, options: DetectPdfOptions = {}): Promise<DetectedPage[]> {
    return detectPdfWith(this, pdf, options);
  }

  async close(): Promise<void> {
    if (this.client) (await this.client).destroy();
  }
}

/**
 * SageMaker wraps the container's 429 `overloaded` / 503 `not_ready` in a ModelError (HTTP 424), which the SDK's
 * retry strategy treats as final. Mark those of `statuses` retryable — as throttling for 429 — so the SDK's own
 * backoff retries them within maxAttempts; every other ModelError stays final.
 */
const markContainerBackPressureRetryable =
  (statuses: number[]) =>
  <Args, Output>(next: (args: Args) => Promise<Output>) =>
  async (args: Args): Promise<Output> => {
    try {
      return await next(args);
    } catch (error) {
      const status = (error as { name?: string; OriginalStatusCode?: number }).OriginalStatusCode;
      if ((error as { name?: string }).name === 'ModelError' && status !== undefined && statuses.includes(status)) {
        Object.assign(error as object, { $retryable: { throttling: status === 429 } });
      }
      throw error;
    }
  };

/** Maps what the SDK threw to a DetectorError: the container's JSON error when SageMaker passed one through. */
export function toDetectorError(error: unknown): DetectorError {
  if (error instanceof DetectorError) return error;
  const sdkError = error as {
    name?: string;
    message?: string;
    OriginalStatusCode?: number;
    OriginalMessage?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if (sdkError.name === 'ModelError') {
    const status = sdkError.OriginalStatusCode ?? 424;
    const fromContainer = errorFromResponse(status, sdkError.OriginalMessage ?? sdkError.message ?? '', CONTAINER);
    return new DetectorError(fromContainer.code, fromContainer.message, {
      status,
      source: fromContainer.source,
      retryable: fromContainer.retryable,
      cause: error,
    });
  }
  const status = sdkError.$metadata?.httpStatusCode;
  const known =
    sdkError.name && Object.hasOwn(PLATFORM_CODES, sdkError.name) ? PLATFORM_CODES[sdkError.name] : undefined;
  if (status === undefined && known === undefined) {
    // No answer from AWS: a network failure, or the SDK refused to send (no region, bad endpoint URL, ...).
    // The code, else the message: the SDK rewraps errors it does not recognise as Errors and drops their code.
    const network =
      /^(E[A-Z]+|UND_ERR)/.test(sdkError.code ?? '') ||
      sdkError.name === 'TimeoutError' ||
      /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE)\b|socket hang up/.test(
        sdkError.message ?? '',
      );
    const hint = /region is missing/i.test(sdkError.message ?? '') ? ' (pass region, or set AWS_REGION)' : '';
    return new DetectorError(
      network ? 'network_error' : 'invalid_request',
      `could not call ${WHAT}: ${sdkError.message ?? String(error)}${hint}`,
      { source: 'client', retryable: network, cause: error },
    );
  }
  // An inference component without copies (scaled to zero): ValidationError, HTTP 400, "Inference Component has no
  // capacity to process this request. ApplicationAutoScaling may be in-progress (if configured) or try to increase
  // the capacity by invoking UpdateInferenceComponentRuntimeConfig API." (sources in cold-start.ts).
  const noCapacity = sdkError.name === 'ValidationError' && isNoCapacityMessage(sdkError.message);
  const code = noCapacity ? 'no_capacity' : (known ?? codeForStatus(status ?? 0));
  const message = `${status ? `${WHAT} refused the call` : `could not call ${WHAT}`} (${sdkError.name ?? 'Error'}${status ? `, HTTP ${status}` : ''}): ${sdkError.message ?? String(error)}`;
  return new DetectorError(code, message, {
    status,
    source: status ? 'platform' : 'client',
    retryable: code === 'throttled' || code === 'not_ready' || code === 'no_capacity' || (status ?? 0) >= 500,
    cause: error,
  });
}
