/**
 * The one internal detection call every platform route adapts to: validate the images, wait for a slot, ask
 * vLLM with the training prompt (greedy, MAX_NEW_TOKENS), parse the answer and map boxes to pixels.
 */
import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { Admission } from './admission';
import type { DetectedBox, DetectionResult, DetectParameters } from './contract';
import { ApiError, invalidRequest, notReady } from './errors';
import { decodeBase64Image, inspectImage, toModelImage, type InspectedImage, type ModelImage } from './image';
import { parseModelOutput, type Box } from './parse-output';
import { SYSTEM_PROMPT, USER_PROMPT } from './prompt';

/** One image as a route received it; `label` names it in error messages (e.g. `instances[2].image_base64`). */
export type ImageInput = { label: string; base64: string } | { label: string; bytes: Buffer };

export interface DetectorOptions {
  /** vLLM's origin, e.g. http://127.0.0.1:8081. */
  origin: string;
  /**
   * `model` of the chat request: the adapter's served name by default, the base model's on `adapter: false` (and
   * always when there is no adapter). vLLM serves the base model under the name it was started with.
   */
  models: { adapter: string | null; base: string };
  maxNewTokens: number;
  maxImageSide: number;
  requestTimeoutMs: number;
  /** Connections to vLLM: the concurrency cap. */
  connections: number;
  admission: Admission;
  /** Cached readiness and shutdown state; never a network call. */
  readiness: () => { ready: boolean; reason: string };
  logger: Logger;
}

/** `floor(n × size / 1000)`, the contract's pixel arithmetic. */
export function toPixels([x1, y1, x2, y2]: Box, width: number, height: number): Box {
  const px = (n: number, size: number) => Math.floor((n * size) / 1000);
  return [px(x1, width), px(y1, height), px(x2, width), px(y2, height)];
}

export function buildResult(rawOutput: string, width: number, height: number, model: string): DetectionResult {
  const bboxes: DetectedBox[] = parseModelOutput(rawOutput).map((box) => ({
    bbox_normalized: box,
    bbox_pixel: toPixels(box, width, height),
  }));
  return { bboxes, count: bboxes.length, raw_output: rawOutput, image_size: { width, height }, model };
}

const isTimeout = (reason: unknown) => reason instanceof Error && reason.name === 'TimeoutError';

/** The chat request around the image URL, serialized once: [before the URL, after the URL]. */
export function chatRequestTemplate(servedModel: string, maxNewTokens: number): [Buffer, Buffer] {
  const marker = '\u0000IMAGE_URL\u0000';
  const json = JSON.stringify({
    model: servedModel,
    temperature: 0,
    max_tokens: maxNewTokens,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: marker } },
          { type: 'text', text: USER_PROMPT },
        ],
      },
    ],
  });
  const [head, tail] = json.split(JSON.stringify(marker).slice(1, -1));
  return [Buffer.from(head), Buffer.from(tail)];
}

/**
 * The chat request for one image: its data URI (a megabyte or more of base64) spliced into the pre-serialized
 * template rather than passed through JSON.stringify — base64 and the `data:` prefix hold no character JSON must
 * escape — and written as separate buffers, so the base64 string is never joined into (and copied as) a new one.
 */
export function chatRequestBody([head, tail]: [Buffer, Buffer], image: ModelImage): Buffer {
  return Buffer.concat([
    head,
    Buffer.from(`data:${image.mimeType};base64,`, 'ascii'),
    Buffer.from(image.base64, 'ascii'),
    tail,
  ]);
}

export class Detector {
  private readonly pool: Pool;
  /** The pre-serialized chat request per served model name. */
  private readonly templates = new Map<string, [Buffer, Buffer]>();

  constructor(private readonly options: DetectorOptions) {
    // The deadline is enforced by an AbortSignal; undici's own timeouts (300 s by default) only back it up.
    const backstop = options.requestTimeoutMs + 5_000;
    for (const model of [options.models.adapter, options.models.base]) {
      if (model !== null) this.templates.set(model, chatRequestTemplate(model, options.maxNewTokens));
    }
    this.pool = new Pool(options.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: backstop,
      bodyTimeout: backstop,
    });
  }

  /**
   * Detects fields on each image, in order. All images are checked before any is sent, so one bad image
   * fails the request with 400 naming it. A request holds one concurrency slot and runs its images one
   * after another, under one REQUEST_TIMEOUT_MS deadline counted from arrival (queueing included).
   */
  async detect(
    inputs: ImageInput[],
    clientSignal?: AbortSignal,
    parameters: DetectParameters = {},
  ): Promise<DetectionResult[]> {
    const started = Date.now();
    const model = this.modelFor(parameters);
    const images = inputs.map((input) => this.inspect(input));
    this.assertReady();
    const deadline = AbortSignal.timeout(this.options.requestTimeoutMs);
    const signal = clientSignal ? AbortSignal.any([deadline, clientSignal]) : deadline;
    let release: (() => void) | undefined;
    try {
      // Once admitted, a request runs to its end even if shutdown begins (drain) or vLLM dies (502).
      release = await this.options.admission.acquire(signal);
      const results: DetectionResult[] = [];
      for (const [index, image] of images.entries()) {
        let modelImage;
        try {
          modelImage = await toModelImage(image, this.options.maxImageSide);
        } catch (error) {
          throw error instanceof ApiError
            ? new ApiError(error.code, `${inputs[index].label}: ${error.message}`)
            : error;
        }
        const raw = await this.complete(model, modelImage, signal);
        results.push(buildResult(raw, image.width, image.height, model));
      }
      return results;
    } catch (error) {
      if (signal.aborted && isTimeout(signal.reason) && !(error instanceof ApiError && error.code !== 'timeout')) {
        throw new ApiError(
          'timeout',
          `the detection took longer than REQUEST_TIMEOUT_MS (${this.options.requestTimeoutMs} ms; ${Date.now() - started} ms spent): retry later or with a smaller image`,
        );
      }
      throw error;
    } finally {
      release?.();
    }
  }

  /** The served name a request asks for; `adapter: true` on a deployment without an adapter is refused. */
  modelFor(parameters: DetectParameters): string {
    const { adapter, base } = this.options.models;
    if (parameters.adapter === false) return base;
    if (adapter === null && parameters.adapter === true) {
      throw invalidRequest(
        'this deployment serves no LoRA adapter (LORA_ADAPTER is empty), so "adapter": true cannot be met: leave "adapter" out to get the base model\'s answer',
      );
    }
    return adapter ?? base;
  }

  private inspect(input: ImageInput): InspectedImage {
    try {
      if ('bytes' in input) {
        if (input.bytes.length === 0) throw new ApiError('invalid_request', 'the body is empty: send the image bytes');
        return inspectImage(input.bytes);
      }
      const { bytes, base64 } = decodeBase64Image(input.base64, input.label);
      return inspectImage(bytes, base64);
    } catch (error) {
      if (error instanceof ApiError && !error.message.startsWith(input.label)) {
        throw new ApiError(error.code, `${input.label}: ${error.message}`, error.headers);
      }
      throw error;
    }
  }

  private assertReady(): void {
    const { ready, reason } = this.options.readiness();
    if (!ready) throw notReady(`the model is not ready (${reason}): retry after the Retry-After delay`, 5);
  }

  /** One greedy chat completion; vLLM errors and deaths become 502, the deadline 504. */
  private async complete(model: string, image: ModelImage, signal: AbortSignal): Promise<string> {
    const body = chatRequestBody(this.templates.get(model) as [Buffer, Buffer], image);
    let response;
    try {
      response = await this.pool.request({
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json' },
        body,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      this.options.logger.warn({ source: 'controller', error: (error as Error).message }, 'vLLM request failed');
      throw new ApiError(
        'upstream_error',
        `vLLM did not answer (${(error as Error).message}); it may be restarting: retry later`,
      );
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new ApiError('upstream_error', `vLLM's answer was cut off (${(error as Error).message}): retry later`);
    }
    if (response.statusCode !== 200) {
      let detail = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as { message?: string; error?: { message?: string } };
        detail = parsed.error?.message ?? parsed.message ?? detail;
      } catch {
        // not JSON: keep the text
      }
      throw new ApiError('upstream_error', `vLLM answered HTTP ${response.statusCode}: ${detail}`);
    }
    try {
      const completion = JSON.parse(text) as { choices?: Array<{ message?: { content?: string | null } }> };
      const content = completion.choices?.[0]?.message?.content;
      if (content === undefined) throw new Error('no choices[0].message.content');
      return content ?? '';
    } catch (error) {
      throw new ApiError('upstream_error', `vLLM's answer was not a chat completion (${(error as Error).message})`);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
