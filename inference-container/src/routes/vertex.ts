/**
 * Vertex AI: health at $AIP_HEALTH_ROUTE (default /health, with details) and
 * {"instances": [{"image_base64": ...}], "parameters": {...}} → {"predictions": [...]} at $AIP_PREDICT_ROUTE.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fromParameters, parametersSchema } from '../request-options';
import { clientGone, parseJsonBody, sendReadiness, type RouteContext } from './context';

const predictSchema = z.object(
  {
    instances: z
      .array(
        z.object(
          { image_base64: z.string({ error: '"image_base64" must be a base64 string of the image' }) },
          { error: 'each instance must be an object {"image_base64": "<base64>"}' },
        ),
        { error: '"instances" must be a list' },
      )
      .min(1, { error: '"instances" must hold at least one image' }),
    // Applies to every instance; unknown keys are ignored; null (what REST clients send for "none") means absent.
    parameters: parametersSchema,
  },
  { error: 'the body must be a JSON object' },
);
const EXPECTED = '{"instances": [{"image_base64": "<base64 PNG/JPEG/WebP>"}]}';

/** fastify reads ":" as a path parameter; Vertex routes may hold one (`...:predict`). "::" is a literal ":". */
export const literalPath = (path: string) => path.replace(/:/g, '::');

export function vertexRoutes(app: FastifyInstance, ctx: RouteContext, paths: { health: string[]; predict: string[] }) {
  for (const path of paths.health) {
    app.get(literalPath(path), (_request, reply) => sendReadiness(reply, ctx.readiness(), ctx.details()));
  }
  for (const path of paths.predict) {
    app.post(literalPath(path), async (request, reply) => {
      const { instances, parameters } = parseJsonBody(predictSchema, request.body, EXPECTED);
      const inputs = instances.map((instance, index) => ({
        label: `instances[${index}].image_base64`,
        base64: instance.image_base64,
      }));
      return { predictions: await ctx.detect(inputs, clientGone(reply), fromParameters(parameters)) };
    });
  }
}
