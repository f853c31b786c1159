/**
 * STAND-IN for the SageMaker runtime API (InvokeEndpoint), for tests only; no production code depends on it.
 *
 * Serves POST /endpoints/{name}/invocations like the real service in front of one container:
 * - forwards the body and Content-Type (and Accept) to `<upstream>/invocations`, as SageMaker does to the container,
 *   and X-Amzn-SageMaker-Custom-Attributes verbatim ("an opaque value that is forwarded verbatim", InvokeEndpoint API
 *   reference: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html);
 * - a 2xx from the container comes back as it is, with `x-Amzn-Invoked-Production-Variant`;
 * - a non-2xx comes back as the real service sends it: HTTP 424 `ModelError` with `OriginalStatusCode` and
 *   `OriginalMessage` (the container's body) and no container headers (SageMaker drops them, Retry-After included);
 * - an unknown endpoint name is a 400 `ValidationError`; an endpoint declared with inference components refuses
 *   calls without the `X-Amzn-SageMaker-Inference-Component` header, as SageMaker does;
 * - `controls.throttleNext = n` answers the next n calls with SageMaker's own ThrottlingException;
 * - `controls.noCapacityNext = n` answers the next n calls naming an inference component as SageMaker does while
 *   the component has no copies (scaled to zero): HTTP 400 `ValidationError` "Inference Component has no capacity
 *   to process this request. …" (the text quoted in the AWS ML blog on scale-to-zero, Dec 2024);
 * - records every request (method, path, headers, body) for assertions.
 * It checks that a SigV4 Authorization header is present but does not verify signatures.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export interface SageMakerStandInOptions {
  /** Base URL of the container, e.g. http://127.0.0.1:8080 */
  upstream: string;
  /** Endpoint names served; each may require inference component names. @default { 'form-detector': [] } */
  endpoints?: Record<string, string[]>;
}

export interface SageMakerStandInControls {
  /** Answer the next n invocations with SageMaker's own ThrottlingException (HTTP 400), without calling the container. */
  throttleNext: number;
  /**
   * Answer the next n invocations that name an inference component with SageMaker's no-capacity ValidationError
   * (HTTP 400), without calling the container — an inference component scaled to zero, waking up.
   */
  noCapacityNext: number;
}

export interface RecordedInvocation {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** What the container answered (undefined when the stand-in answered itself). */
  upstreamStatus?: number;
  /** What the stand-in answered. */
  status: number;
}

export interface SageMakerStandIn {
  url: string;
  requests: RecordedInvocation[];
  controls: SageMakerStandInControls;
  close(): Promise<void>;
}

const ACCOUNT = '123456789012';

/** InvokeEndpoint's answer while an inference component has no copies. */
export const NO_CAPACITY_MESSAGE =
  'Inference Component has no capacity to process this request. ApplicationAutoScaling may be in-progress ' +
  '(if configured) or try to increase the capacity by invoking UpdateInferenceComponentRuntimeConfig API.';

export async function startSageMakerRuntimeStandIn(options: SageMakerStandInOptions): Promise<SageMakerStandIn> {
  const endpoints = options.endpoints ?? { 'form-detector': [] };
  const requests: RecordedInvocation[] = [];
  const controls: SageMakerStandInControls = { throttleNext: 0, noCapacityNext: 0 };

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const record: RecordedInvocation = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      status: 0,
    };
    requests.push(record);
    const reply = (status: number, headers: Record<string, string>, payload: Buffer | string) => {
      record.status = status;
      res.writeHead(status, { 'x-amzn-requestid': `standin-${requests.length}`, ...headers });
      res.end(payload);
    };
    const awsError = (status: number, type: string, message: string, extra: Record<string, unknown> = {}) =>
      reply(
        status,
        { 'content-type': 'application/json', 'x-amzn-errortype': type },
        JSON.stringify({ [type === 'ModelError' ? 'Message' : 'message']: message, ...extra }),
      );

    const match = /^\/endpoints\/([^/]+)\/invocations$/.exec(decodeURIComponent((req.url ?? '').split('?')[0]));
    if (req.method !== 'POST' || !match)
      return awsError(404, 'UnknownOperationException', `no such operation: ${req.method} ${req.url}`);
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      return awsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const name = match[1];
    const components = endpoints[name];
    if (!components) return awsError(400, 'ValidationError', `Endpoint ${name} of account ${ACCOUNT} not found.`);
    const component = req.headers['x-amzn-sagemaker-inference-component'];
    if (components.length > 0 && !component) {
      return awsError(
        400,
        'ValidationError',
        'Inference Component Name header is required for endpoints to which you plan to deploy inference components.',
      );
    }
    if (component && !components.includes(String(component))) {
      return awsError(
        400,
        'ValidationError',
        `Inference component ${String(component)} not found on endpoint ${name}.`,
      );
    }
    if (component && controls.noCapacityNext > 0) {
      controls.noCapacityNext -= 1;
      return awsError(400, 'ValidationError', NO_CAPACITY_MESSAGE);
    }
    if (controls.throttleNext > 0) {
      controls.throttleNext -= 1;
      return awsError(400, 'ThrottlingException', 'Rate exceeded');
    }
    if (body.length > 6 * 1024 * 1024)
      return awsError(413, 'ValidationError', 'Request payload exceeds the 6 MB limit.');

    let upstream;
    try {
      upstream = await request(`${options.upstream}/invocations`, {
        method: 'POST',
        body,
        headers: {
          'content-type': String(req.headers['content-type'] ?? 'application/octet-stream'),
          accept: String(req.headers.accept ?? '*/*'),
          ...(req.headers['x-amzn-sagemaker-custom-attributes'] === undefined
            ? {}
            : { 'x-amzn-sagemaker-custom-attributes': String(req.headers['x-amzn-sagemaker-custom-attributes']) }),
        },
      });
    } catch (error) {
      return awsError(424, 'ModelError', `Received server error from primary: ${(error as Error).message}`, {
        ErrorCode: 'SERVER_ERROR_FROM_MODEL',
      });
    }
    const payload = Buffer.from(await upstream.body.arrayBuffer());
    record.upstreamStatus = upstream.statusCode;
    if (upstream.statusCode >= 200 && upstream.statusCode < 300) {
      return reply(
        upstream.statusCode,
        {
          'content-type': String(upstream.headers['content-type'] ?? 'application/json'),
          'x-amzn-invoked-production-variant': 'AllTraffic',
        },
        payload,
      );
    }
    const original = payload.toString('utf8');
    const kind = upstream.statusCode >= 500 ? 'server' : 'client';
    return awsError(
      424,
      'ModelError',
      `Received ${kind} error (${upstream.statusCode}) from primary with message "${original}". See https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEventViewer:group=/aws/sagemaker/Endpoints/${name} in account ${ACCOUNT} for more information.`,
      {
        ErrorCode: `${kind.toUpperCase()}_ERROR_FROM_MODEL`,
        OriginalStatusCode: upstream.statusCode,
        OriginalMessage: original,
        LogStreamArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints/${name}`,
      },
    );
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    controls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
