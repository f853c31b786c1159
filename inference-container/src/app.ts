/**
 * The HTTP app, built without listening so tests can use inject(): every platform's routes on one server,
 * body limits and content types, and every error in the contract's JSON form. Bodies are never logged.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { Admission } from './admission';
import { ROUTES } from './contract';
import { discardBody } from './drain-body';
import { ApiError, notReady } from './errors';
import { NOT_READY_RETRY_AFTER_SECONDS } from './health';
import type { Metrics } from './metrics';
import { azureRoutes } from './routes/azure';
import type { RouteContext } from './routes/context';
import { sagemakerRoutes } from './routes/sagemaker';
import { vertexRoutes } from './routes/vertex';

export interface AppOptions {
  maxBodyBytes: number;
  requestTimeoutMs: number;
  routes: RouteContext;
  admission: Pick<Admission, 'isFull' | 'overloaded'>;
  metrics: Metrics;
  logger: Logger;
}

export const IMAGE_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'application/octet-stream'];

/** Maps fastify's own errors (body parsing, limits) onto the contract's codes. */
export function toApiError(error: FastifyError | Error, maxBodyBytes: number): ApiError {
  if (error instanceof ApiError) return error;
  const { code, statusCode } = error as FastifyError;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        'payload_too_large',
        `the body is over MAX_BODY_BYTES (${maxBodyBytes} bytes): send a smaller image, e.g. downscaled to 1024 px on its long side`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        'unsupported_media_type',
        `unsupported Content-Type: send application/json, or image bytes as ${IMAGE_CONTENT_TYPES.join(', ')} (/invocations only)`,
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid_request', 'the body is empty: send a JSON object as the route describes');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('invalid_request', 'the Content-Length header does not match the body: send the whole body');
    default:
      break;
  }
  if (error instanceof SyntaxError || code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new ApiError('invalid_request', `the body is not valid JSON (${error.message}): send a JSON object`);
  }
  if (statusCode === 413) return new ApiError('payload_too_large', error.message);
  if (statusCode === 415) return new ApiError('unsupported_media_type', error.message);
  if (statusCode && statusCode >= 400 && statusCode < 500) return new ApiError('invalid_request', error.message);
  return new ApiError('internal_error', 'the controller failed unexpectedly: retry, and report it if it persists');
}

export function buildApp(options: AppOptions): FastifyInstance {
  const { metrics, routes } = options;
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // One line per request is logged in onResponse instead (never bodies).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    // Bodies are read only through zod schemas that build fresh objects and are never merged into others, so
    // secure-json-parse's two extra scans of every megabyte body buy nothing here.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // Time allowed to receive a whole request; inference time is bounded by REQUEST_TIMEOUT_MS instead.
    requestTimeout: 120_000,
    // Above the platforms' load-balancer idle timeouts (60 s), so they close idle connections, not us.
    keepAliveTimeout: 75_000,
    forceCloseConnections: 'idle',
    // While closing, requests on open keep-alive connections still reach our onRequest hook, which answers 503
    // not_ready in the contract's JSON form with Retry-After (fastify's own 503 has neither).
    return503OnClosing: false,
    // A URL fastify cannot decode (e.g. `/%zz`) gets the contract's JSON error, not fastify's own body.
    frameworkErrors: (error, _request, reply) => {
      void sendError(
        reply,
        new ApiError('invalid_request', `the request URL is malformed (${error.message}): send a plain route path`),
      );
    },
    // Requests node's HTTP parser refuses (bad header lines, oversized headers, receive timeouts) never reach a
    // route: answer them in the contract's JSON form too, then close the connection as node does.
    clientErrorHandler: (error, socket) => {
      if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) {
        const body = JSON.stringify(
          new ApiError(
            'invalid_request',
            `the HTTP request could not be read (${(error as NodeJS.ErrnoException).code ?? error.message}): send a well-formed HTTP/1.1 request`,
          ).body(),
        );
        socket.write(
          `HTTP/1.1 400 Bad Request\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy(error);
    },
  });

  // Raw images on /invocations. text/plain is not an accepted type: it gets 415. Any other image/* type is an
  // image too (CONTRACT.md keeps 415 for types that are neither JSON nor an image): its bytes are sniffed, and
  // anything but PNG/JPEG/WebP gets 400 invalid_image.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(IMAGE_CONTENT_TYPES, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addContentTypeParser(/^image\/[^\s;]+/i, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const knownMethods = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const path = route.url.replace(/::/g, ':');
    const methods = knownMethods.get(path) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    knownMethods.set(path, methods);
  });

  const sendError = (reply: FastifyReply, error: ApiError) => {
    metrics.rejects.inc({ code: error.code });
    return reply.code(error.statusCode).headers(error.headers).send(error.body());
  };

  // Detections are refused before their body is read: too large, not ready, or no capacity left.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || request.is404) return;
    const length = Number(request.headers['content-length']);
    const refusal =
      Number.isFinite(length) && length > options.maxBodyBytes
        ? toApiError(
            Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }),
            options.maxBodyBytes,
          )
        : !routes.readiness().ready
          ? notReady(
              `the model is not ready (${routes.readiness().reason}): retry after the Retry-After delay`,
              NOT_READY_RETRY_AFTER_SECONDS,
            )
          : options.admission.isFull()
            ? options.admission.overloaded()
            : null;
    if (refusal) {
      // Close the connection after answering; the onSend hook below reads the unread body first.
      reply.header('connection', 'close');
      return sendError(reply, refusal);
    }
  });

  // An answer that closes the connection before the body has arrived (the refusals above, and fastify's own when a
  // chunked body crosses the limit) waits for the rest of the body, read and dropped up to a bound, so the client
  // is not reset mid-upload and can read the answer.
  app.addHook('onSend', async (request, reply) => {
    if (!request.raw.complete && /\bclose\b/i.test(String(reply.getHeader('connection') ?? ''))) {
      await discardBody(request.raw);
    }
  });

  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.requestDuration.observe(
      { route, method: request.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    const probe = request.method === 'GET';
    request.log[probe ? 'debug' : 'info'](
      { method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error, options.maxBodyBytes);
    if (apiError.code === 'internal_error') request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, apiError);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const methods = knownMethods.get(path);
    if (methods) {
      const allowed = [...methods].sort().join(', ');
      reply.header('allow', allowed);
      return sendError(
        reply,
        new ApiError('method_not_allowed', `${request.method} is not allowed on ${path}: use ${allowed}`),
      );
    }
    return sendError(
      reply,
      new ApiError(
        'not_found',
        `no route ${path}: the routes are /ping, /invocations, ${routes.healthRoute}, ${routes.predictRoute}, /score, /health/live, /health/ready, /metrics`,
      ),
    );
  });

  // Platform routes; a Vertex route equal to another platform's path is not registered twice.
  sagemakerRoutes(app, routes);
  azureRoutes(app, routes);
  const taken = new Set<string>([
    ROUTES.sagemakerPing,
    ROUTES.sagemakerInvocations,
    ROUTES.azureScore,
    ROUTES.azureLiveness,
    ROUTES.azureReadiness,
    ROUTES.metrics,
  ]);
  const unique = (paths: string[]) => [...new Set(paths)].filter((p) => !taken.has(p));
  vertexRoutes(app, routes, {
    health: unique([ROUTES.vertexHealth, routes.healthRoute]),
    predict: unique([ROUTES.vertexPredict, routes.predictRoute]),
  });

  app.get(ROUTES.metrics, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  return app;
}
