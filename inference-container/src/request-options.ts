/**
 * Per-request options (CONTRACT.md "Request options"): `"parameters": {"adapter": false}` on JSON bodies, and the
 * SageMaker custom-attributes header `adapter=false` on raw-bytes requests (accepted on any /invocations request).
 */
import { z } from 'zod';
import { CUSTOM_ATTRIBUTES_HEADER, MAX_CUSTOM_ATTRIBUTES_LENGTH, type DetectParameters } from './contract';
import { invalidRequest } from './errors';

/**
 * `parameters` of every JSON body: an object (or null, what REST clients send for "none"); unknown keys are kept
 * out of the way rather than refused, so requests that already carried other parameters stay valid.
 */
export const parametersSchema = z
  .object(
    { adapter: z.boolean({ error: '"parameters.adapter" must be true or false' }).optional() },
    { error: '"parameters" must be an object, e.g. {"adapter": false}' },
  )
  .nullish();

/** The options a validated `parameters` value carries. */
export function fromParameters(parameters: z.infer<typeof parametersSchema>): DetectParameters {
  return parameters?.adapter === undefined ? {} : { adapter: parameters.adapter };
}

const EXAMPLE = `${CUSTOM_ATTRIBUTES_HEADER}: adapter=false`;

/**
 * Reads `adapter` from the custom-attributes header: `;`-separated `key=value` pairs, keys case-insensitive,
 * whitespace around keys and values ignored. Other pairs (and text that is no pair, such as a trace id) are left
 * alone: SageMaker forwards the header verbatim and other tools put their own attributes in it. An `adapter`
 * attribute whose value is not true/false, or that is given twice with different values, is refused.
 */
export function fromCustomAttributes(header: string | string[] | undefined): DetectParameters {
  if (header === undefined) return {};
  const value = Array.isArray(header) ? header.join(';') : header;
  if (value.length > MAX_CUSTOM_ATTRIBUTES_LENGTH) {
    throw invalidRequest(
      `${CUSTOM_ATTRIBUTES_HEADER} is ${value.length} characters long; SageMaker allows at most ${MAX_CUSTOM_ATTRIBUTES_LENGTH}: send e.g. "${EXAMPLE}"`,
    );
  }
  let adapter: boolean | undefined;
  for (const part of value.split(';')) {
    const equals = part.indexOf('=');
    const key = (equals < 0 ? part : part.slice(0, equals)).trim().toLowerCase();
    if (key !== 'adapter') continue;
    const raw = equals < 0 ? undefined : part.slice(equals + 1).trim();
    const parsed = raw?.toLowerCase() === 'true' ? true : raw?.toLowerCase() === 'false' ? false : undefined;
    if (parsed === undefined) {
      throw invalidRequest(
        `${CUSTOM_ATTRIBUTES_HEADER}: "${part.trim()}" is not a valid adapter attribute: send adapter=false for the base model's answer or adapter=true for the adapter's, e.g. "${EXAMPLE}"`,
      );
    }
    if (adapter !== undefined && adapter !== parsed) {
      throw invalidRequest(`${CUSTOM_ATTRIBUTES_HEADER} gives adapter twice with different values: send it once`);
    }
    adapter = parsed;
  }
  return adapter === undefined ? {} : { adapter };
}

/** The body's options and the header's, which must not disagree. */
export function mergeOptions(body: DetectParameters, header: DetectParameters): DetectParameters {
  if (body.adapter !== undefined && header.adapter !== undefined && body.adapter !== header.adapter) {
    throw invalidRequest(
      `"parameters.adapter" (${body.adapter}) and ${CUSTOM_ATTRIBUTES_HEADER} (adapter=${header.adapter}) disagree: send one of them`,
    );
  }
  return { adapter: body.adapter ?? header.adapter };
}
