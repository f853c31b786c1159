/**
 * Vertex AI: POST {"instances": [{"image_base64": ...}]} to a dedicated endpoint's predict URL and read
 * {"predictions": [DetectionResult, ...]}. Auth: a bearer token from `accessToken`, GOOGLE_OAUTH_ACCESS_TOKEN, or
 * Google Application Default Credentials (cloud-platform scope).
 */
import type { DetectionResult } from '../../inference-container/src/contract';
import { waitOutColdStart } from './cold-start';
import {
  coldStartTargetOfUrl,
  requestParameters,
  resolveClientOptions,
  type DetectOptions,
  type DetectorClient,
  type DetectorClientOptions,
} from './detector-client';
import { DetectorError } from './detector-error';
import { parseDetectionResult, toOriginalFrame } from './detection-result';
import { HttpTransport, RETRY_STATUS_CODES, RETRY_STATUS_CODES_WITH_COLD_START_WAIT } from './http-transport';
import type { ImageInput } from './image-input';
import { detectPdfWith, type DetectPdfOptions, type DetectedPage, type DocumentInput } from './pdf/detect-pdf';
import { PAYLOAD_LIMIT_BYTES, base64Length, requestBytes } from './payload-limits';
import { prepareImage, type PreparedImage } from './prepare-image';
import { assertNoProblems, collectNumberProblems, urlProblem } from './validate-options';

export interface VertexDetectorClientOptions extends DetectorClientOptions {
  /**
   * The dedicated endpoint's predict URL, e.g.
   * `https://1234.us-central1-567.prediction.vertexai.goog/v1/projects/p/locations/us-central1/endpoints/1234:predict`,
   * or a Cloud Run detector service's `<url>/predict` (same body; pass an identity token as `accessToken`).
   */
  predictUrl: string;
  /**
   * A fixed OAuth access token, or a function returning one per request.
   * @default GOOGLE_OAUTH_ACCESS_TOKEN when set, else Application Default Credentials
   */
  accessToken?: string | (() => Promise<string>);
  /**
   * Most images per predict request in `detectMany`; requests are also kept under the payload limit.
   * @default 4
   */
  maxInstancesPerRequest?: number;
}

export const GOOGLE_CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const WHAT = 'the Vertex AI endpoint';
/** {"instances":[ ... ]} plus, per instance, {"image_base64":""} and a comma. */
const ENVELOPE_BYTES = 20;
const INSTANCE_BYTES = 20;

export class VertexDetectorClient implements DetectorClient {
  readonly cloud = 'gcp' as const;
  private readonly settings: ReturnType<typeof resolveClientOptions>;
  /** Names the far end in messages. */
  private readonly what: string;
  private readonly transport: HttpTransport;
  private readonly maxRequestBytes: number;
  private readonly maxInstancesPerRequest: number;
  private readonly token: () => Promise<string>;

  constructor(private readonly options: VertexDetectorClientOptions) {
    const instances = options.maxInstancesPerRequest;
    assertNoProblems([
      urlProblem('predictUrl', options.predictUrl),
      ...collectNumberProblems(options),
      instances !== undefined && !(Number.isInteger(instances) && instances >= 1)
        ? `maxInstancesPerRequest must be an integer ≥ 1, got ${String(instances)}`
        : undefined,
    ]);
    const target = coldStartTargetOfUrl(options.predictUrl);
    this.what = target === 'cloudRun' ? 'the Cloud Run service' : WHAT;
    this.settings = resolveClientOptions(options, target);
    this.maxRequestBytes = options.maxRequestBytes ?? PAYLOAD_LIMIT_BYTES.gcp;
    this.maxInstancesPerRequest = options.maxInstancesPerRequest ?? 4;
    this.transport = new HttpTransport({
      ...this.settings,
      what: this.what,
      retryStatusCodes:
        this.settings.coldStart.limitMs > 0 ? RETRY_STATUS_CODES_WITH_COLD_START_WAIT : RETRY_STATUS_CODES,
    });
    this.token = tokenSource(options.accessToken);
  }

  async detect(image: ImageInput, options: DetectOptions = {}): Promise<DetectionResult> {
    const [result] = await this.detectMany([image], options);
    return result;
  }

  /** Sends several images, batched into as few predict requests as the limits allow; results in input order. */
  async detectMany(images: ImageInput[], options: DetectOptions = {}): Promise<DetectionResult[]> {
    const prepared = await Promise.all(
      images.map((image) =>
        prepareImage(image, {
          maxRequestBytes: this.maxRequestBytes,
          requestBytes: (bytes) => requestBytes('gcp', bytes),
        }),
      ),
    );
    const results: DetectionResult[] = [];
    for (const batch of this.batches(prepared)) {
      results.push(...(await this.predict(batch, options)));
    }
    return results;
  }

  private batches(images: PreparedImage[]): PreparedImage[][] {
    const batches: PreparedImage[][] = [];
    let current: PreparedImage[] = [];
    let size = ENVELOPE_BYTES;
    for (const image of images) {
      const bytes = base64Length(image.bytes.length) + INSTANCE_BYTES;
      if (
        current.length > 0 &&
        (current.length >= this.maxInstancesPerRequest || size + bytes > this.maxRequestBytes)
      ) {
        batches.push(current);
        current = [];
        size = ENVELOPE_BYTES;
      }
      current.push(image);
      size += bytes;
    }
    if (current.length > 0) batches.push(current);
    return batches;
  }

  private predict(batch: PreparedImage[], options: DetectOptions): Promise<DetectionResult[]> {
    return waitOutColdStart(
      () => this.predictOnce(batch, options),
      { ...this.settings.coldStart, what: this.what },
      options.signal,
    );
  }

  private async predictOnce(batch: PreparedImage[], options: DetectOptions): Promise<DetectionResult[]> {
    const deadline = AbortSignal.timeout(this.settings.deadlineMs);
    const token = await this.getToken(options.signal ? AbortSignal.any([deadline, options.signal]) : deadline);
    const parameters = requestParameters(options);
    const body = JSON.stringify({
      instances: batch.map((image) => ({ image_base64: image.bytes.toString('base64') })),
      ...(parameters ? { parameters } : {}),
    });
    const answer = (await this.transport.postJson(
      this.options.predictUrl,
      body,
      { authorization: `Bearer ${token}` },
      deadline,
      options.signal,
    )) as { predictions?: unknown };
    if (!Array.isArray(answer?.predictions) || answer.predictions.length !== batch.length) {
      throw new DetectorError(
        'invalid_response',
        `${this.what} answered without ${batch.length} prediction(s) in "predictions"`,
        { source: 'platform', retryable: false },
      );
    }
    return answer.predictions.map((prediction: unknown, index) => {
      const result = parseDetectionResult(prediction, `${this.what} (predictions[${index}])`);
      return batch[index].downscaled ? toOriginalFrame(result, batch[index].original) : result;
    });
  }

  private async getToken(signal: AbortSignal): Promise<string> {
    try {
      signal.throwIfAborted();
      return await this.token();
    } catch (error) {
      if (error instanceof DetectorError) throw error;
      throw new DetectorError(
        'unauthorized',
        `could not get a Google access token: ${(error as Error).message}. Set GOOGLE_OAUTH_ACCESS_TOKEN ` +
          '(e.g. `gcloud auth print-access-token`) or configure Application Default Credentials',
        { source: 'client', retryable: false, cause: error },
      );
    }
  }

  /** Renders every page of a PDF and detects on each; see DetectorClient.detectPdf. */
  detectPdf(pdf: DocumentInput, options: DetectPdfOptions = {}): Promise<DetectedPage[]> {
    return detectPdfWith(this, pdf, options);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

function tokenSource(accessToken: VertexDetectorClientOptions['accessToken']): () => Promise<string> {
  if (typeof accessToken === 'function') return accessToken;
  if (typeof accessToken === 'string') return async () => accessToken;
  let auth: Promise<import('google-auth-library').GoogleAuth> | undefined;
  return async () => {
    const fromEnv = process.env.GOOGLE_OAUTH_ACCESS_TOKEN;
    if (fromEnv) return fromEnv;
    // Loaded only when needed: a caller with a token never pays for google-auth-library.
    auth ??= import('google-auth-library').then(
      ({ GoogleAuth }) => new GoogleAuth({ scopes: GOOGLE_CLOUD_PLATFORM_SCOPE }),
    );
    const token = await (await auth).getAccessToken();
    if (!token) throw new Error('Application Default Credentials returned no access token');
    return token;
  };
}
