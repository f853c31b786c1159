/**
 * SageMaker: GET /ping, POST /invocations with {"inputs": "<base64>", "parameters"?: {...}} or the raw image bytes;
 * options also come from the custom-attributes header (`adapter=false`), on either body.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CUSTOM_ATTRIBUTES_HEADER, ROUTES } from '../contract';
import { fromCustomAttributes, fromParameters, mergeOptions, parametersSchema } from '../request-options';
import { clientGone, parseJsonBody, sendReadiness, type RouteContext } from './context';

const invocationSchema = z.object(
  { inputs: z.string({ error: '"inputs" must be a base64 string of the image' }), parameters: parametersSchema },
  { error: 'the body must be a JSON object' },
);
const EXPECTED = '{"inputs": "<base64 PNG/JPEG/WebP>"} or the raw image bytes with Content-Type: image/png';

export function sagemakerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get(ROUTES.sagemakerPing, (_request, reply) => sendReadiness(reply, ctx.readiness()));

  app.post(ROUTES.sagemakerInvocations, async (request, reply) => {
    const fromHeader = fromCustomAttributes(request.headers[CUSTOM_ATTRIBUTES_HEADER]);
    if (Buffer.isBuffer(request.body)) {
      const [result] = await ctx.detect([{ label: 'body', bytes: request.body }], clientGone(reply), fromHeader);
      return result;
    }
    const { inputs, parameters } = parseJsonBody(invocationSchema, request.body, EXPECTED);
    const options = mergeOptions(fromParameters(parameters), fromHeader);
    const [result] = await ctx.detect([{ label: 'inputs', base64: inputs }], clientGone(reply), options);
    return result;
  });
}
