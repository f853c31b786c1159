/**
 * Azure ML managed online endpoint: POST {"image_base64": ...} to the scoring URI. Auth is the endpoint's auth mode:
 * `key` (a primary/secondary key) or `aad_token` (a Microsoft Entra ID token for https://ml.azure.com/.default).
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
import { PAYLOAD_LIMIT_BYTES, requestBytes } from './payload-limits';
import { prepareImage } from './prepare-image';
import { assertNoProblems, collectNumberProblems, urlProblem } from './validate-options';

/** The scope of Azure ML online endpoints for Entra ID tokens. */
export const AZURE_ML_SCOPE = 'https://ml.azure.com/.default';

/**
 * Anything with @azure/identity's `getToken(scopes)` shape, e.g. `new DefaultAzureCredential()` — so this
 * package needs no Azure SDK; install @azure/identity yourself when you want it.
 */
export interface TokenCredentialLike {
  getToken(scopes: string | string[]): Promise<{ token: string } | null>;
}

export type AzureMlAuth =
  /** Endpoint auth mode `key`. */
  | { key: string }
  /** Endpoint auth mode `aad_token`: a fixed token, or a function returning one per request. */
  | { token: string | (() => Promise<string>) }
  /** Endpoint auth mode `aad_token` through a credential (scope https://ml.azure.com/.default). */
  | { credential: TokenCredentialLike };

export interface AzureMlDetectorClientOptions extends DetectorClientOptions {
  /**
   * The endpoint's scoring URI, e.g. `https://my-endpoint.westeurope.inference.ml.azure.com/score`, or a Container
   * Apps detector service's `<url>/score` (same body).
   */
  scoringUri: string;
  auth: AzureMlAuth;
  /**
   * Send to this deployment (header `azureml-model-deployment`) instead of following the endpoint's traffic split.
   * @default the endpoint's traffic rules
   */
  deployment?: string;
}

const WHAT = 'the Azure ML endpoint';

export class AzureMlDetectorClient implements DetectorClient {
  readonly cloud = 'azure' as const;
  private readonly settings: ReturnType<typeof resolveClientOptions>;
  /** Names the far end in messages. */
  private readonly what: string;
  private readonly transport: HttpTransport;
  private readonly maxRequestBytes: number;

  constructor(private readonly options: AzureMlDetectorClientOptions) {
    assertNoProblems([
      urlProblem('scoringUri', options.scoringUri),
      authProblem(options.auth),
      ...collectNumberProblems(options),
    ]);
    const target = coldStartTargetOfUrl(options.scoringUri);
    this.what = target === 'containerApps' ? 'the Container Apps service' : WHAT;
    this.settings = resolveClientOptions(options, target);
    this.maxRequestBytes = options.maxRequestBytes ?? PAYLOAD_LIMIT_BYTES.azure;
    this.transport = new HttpTransport({
      ...this.settings,
      what: this.what,
      retryStatusCodes:
        this.settings.coldStart.limitMs > 0 ? RETRY_STATUS_CODES_WITH_COLD_START_WAIT : RETRY_STATUS_CODES,
    });
  }

  async detect(image: ImageInput, options: DetectOptions = {}): Promise<DetectionResult> {
    const prepared = await prepareImage(image, {
      maxRequestBytes: this.maxRequestBytes,
      requestBytes: (bytes) => requestBytes('azure', bytes),
    });
    const parameters = requestParameters(options);
    const body = JSON.stringify({
      image_base64: prepared.bytes.toString('base64'),
      ...(parameters ? { parameters } : {}),
    });
    const answer = await waitOutColdStart(
      async () => {
        const deadline = AbortSignal.timeout(this.settings.deadlineMs);
        const headers: Record<string, string> = { authorization: `Bearer ${await this.bearer()}` };
        if (this.options.deployment) headers['azureml-model-deployment'] = this.options.deployment;
        return this.transport.postJson(this.options.scoringUri, body, headers, deadline, options.signal);
      },
      { ...this.settings.coldStart, what: this.what },
      options.signal,
    );
    const result = parseDetectionResult(answer, this.what);
    return prepared.downscaled ? toOriginalFrame(result, prepared.original) : result;
  }

  private async bearer(): Promise<string> {
    const { auth } = this.options;
    if ('key' in auth) return auth.key;
    try {
      if ('token' in auth) return typeof auth.token === 'string' ? auth.token : await auth.token();
      const token = await auth.credential.getToken(AZURE_ML_SCOPE);
      if (!token?.token) throw new Error('the credential returned no token');
      return token.token;
    } catch (error) {
      throw new DetectorError(
        'unauthorized',
        `could not get an Entra ID token for ${AZURE_ML_SCOPE}: ${(error as Error).message}`,
        {
          source: 'client',
          retryable: false,
          cause: error,
        },
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

function authProblem(auth: AzureMlAuth | undefined): string | undefined {
  if (!auth || typeof auth !== 'object') {
    return 'auth is required: { key } for an endpoint in auth mode "key", { token } or { credential } for "aad_token"';
  }
  if ('key' in auth && (typeof auth.key !== 'string' || auth.key === '')) return 'auth.key must be a non-empty string';
  if ('token' in auth && !(typeof auth.token === 'function' || (typeof auth.token === 'string' && auth.token !== ''))) {
    return 'auth.token must be a non-empty string or a function returning one';
  }
  if ('credential' in auth && typeof auth.credential?.getToken !== 'function') {
    return 'auth.credential must have getToken(scopes), e.g. new DefaultAzureCredential() from @azure/identity';
  }
  if (!('key' in auth) && !('token' in auth) && !('credential' in auth)) {
    return 'auth must be { key }, { token } or { credential }';
  }
  return undefined;
}
