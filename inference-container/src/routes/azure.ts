/**
 * Azure ML: POST /score with {"image_base64": "<base64>", "parameters"?: {...}}, liveness /health/live, readiness
 * /health/ready (with the adapter's status).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ROUTES } from '../contract';
import { fromParameters, parametersSchema } from '../request-options';
import { clientGone, parseJsonBody, sendReadiness, type RouteContext } from './context';

const scoreSchema = z.object(
  {
    image_base64: z.string({ error: '"image_base64" must be a base64 string of the image' }),
    parameters: parametersSchema,
  },
  { error: 'the body must be a JSON object' },
);
const EXPECTED = '{"image_base64": "<base64 PNG/JPEG/WebP>"}';

export function azureRoutes(app: FastifyInstance, ctx: RouteContext): void {
  // Liveness is the controller being up, never vLLM: a long model load must not get the container restarted.
  app.get(ROUTES.azureLiveness, () => ({ status: 'alive' }));
  app.get(ROUTES.azureReadiness, (_request, reply) =>
    sendReadiness(reply, ctx.readiness(), { status: ctx.readiness().status, adapter_status: ctx.adapterStatus() }),
  );
  app.post(ROUTES.azureScore, async (request, reply) => {
    const { image_base64, parameters } = parseJsonBody(scoreSchema, request.body, EXPECTED);
    const [result] = await ctx.detect(
      [{ label: 'image_base64', base64: image_base64 }],
      clientGone(reply),
      fromParameters(parameters),
    );
    return result;
  });
}
