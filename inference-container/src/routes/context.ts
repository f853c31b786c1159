/** What the route adapters need from the controller; each route is a thin adapter onto `detect`. */
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ApiError, invalidRequest, notReady } from '../errors';
import type { AdapterStatus, DetectionResult, DetectParameters } from '../contract';
import type { ImageInput } from '../detect';
import { NOT_READY_RETRY_AFTER_SECONDS, type Readiness } from '../health';

export interface RouteContext {
  detect(inputs: ImageInput[], clientSignal?: AbortSignal, options?: DetectParameters): Promise<DetectionResult[]>;
  readiness(): Readiness;
  /** The adapter's name, whether vLLM lists it, its rank and target modules; null without an adapter. */
  adapterStatus(): AdapterStatus | null;
  details(): Record<string, unknown>;
  healthRoute: string;
  predictRoute: string;
}

/**
 * Aborts when the client goes away before its answer is written, so vLLM stops working for nobody.
 * (fastify's request.signal follows the request stream, which closes as soon as the body is read.)
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}

/** Renders zod issue paths as `instances[2].image_base64`. */
function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

/** Validates a JSON body; the error names the field and what to send instead. */
export function parseJsonBody<T>(schema: z.ZodType<T>, body: unknown, expected: string): T {
  if (Buffer.isBuffer(body)) {
    throw new ApiError('unsupported_media_type', `this route takes Content-Type: application/json: send ${expected}`);
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = pathOf(issue.path);
  throw invalidRequest(`${where ? `${where}: ` : ''}${issue.message}; send ${expected}`);
}

/** The readiness answer of /ping and /health/ready: 200 {"status":"ready"}, else 503 not_ready. */
export function sendReadiness(reply: FastifyReply, readiness: Readiness, details?: Record<string, unknown>) {
  if (readiness.ready) return reply.code(200).send(details ?? { status: 'ready' });
  const error = notReady(`not ready: ${readiness.reason}`, NOT_READY_RETRY_AFTER_SECONDS);
  return reply
    .code(error.statusCode)
    .headers(error.headers)
    .send({ ...(details ?? { status: readiness.status }), ...error.body() });
}
