/** SageMaker: GET /ping, POST /invocations with {"inputs": "<base64>"} or the raw image bytes. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ROUTES } from '../contract';
import { clientGone, parseJsonBody, sendReadiness, type RouteContext } from './context';

const invocationSchema = z.object(
  { inputs: z.string({ error: '"inputs" must be a base64 string of the image' }) },
  { error: 'the body must be a JSON object' },
);
const EXPECTED = '{"inputs": "<base64 PNG/JPEG/WebP>"} or the raw image bytes with Content-Type: image/png';

export function sagemakerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get(ROUTES.sagemakerPing, (_request, reply) => sendReadiness(reply, ctx.readiness()));

  app.post(ROUTES.sagemakerInvocations, async (request, reply) => {
    const input = Buffer.isBuffer(request.body)
      ? { label: 'body', bytes: request.body }
      : { label: 'inputs', base64: parseJsonBody(invocationSchema, request.body, EXPECTED).inputs };
    const [result] = await ctx.detect([input], clientGone(reply));
    return result;
  });
}
