import type { DeploymentMode } from './deployment-summary';
import type { ValidationErrors } from './validation';

/** Environment variable that picks the mode of every ready-made stack when neither a prop nor context does. */
export const DEPLOYMENT_MODE_ENV = 'FORM_DETECTOR_MODE';
/** Construct context key (cdk.json / cdktf.json "context", or `node.setContext`) that picks the mode. */
export const DEPLOYMENT_MODE_CONTEXT_KEY = 'mode';
export const DEPLOYMENT_MODES: readonly DeploymentMode[] = ['always-on', 'on-demand'];
export const DEFAULT_DEPLOYMENT_MODE: DeploymentMode = 'always-on';

export function isDeploymentMode(value: unknown): value is DeploymentMode {
  return typeof value === 'string' && (DEPLOYMENT_MODES as readonly string[]).includes(value);
}

/**
 * The mode a stack deploys in: the prop, else the context value, else the environment variable, else always-on.
 * The first one given wins; an unknown value is a problem naming where it came from, the value and the choices,
 * recorded in `errors` (the stack's one validation error); always-on is then assumed, so the other props are still
 * checked in the same pass.
 */
export function resolveDeploymentMode(
  sources: {
    readonly prop?: unknown;
    readonly context?: unknown;
    readonly env?: string;
  },
  errors: ValidationErrors,
  /** Appended to the fix, e.g. how this stack's on-demand mode deploys. */
  hint = '',
): DeploymentMode {
  const candidates: [string, unknown][] = [
    ['mode', sources.prop],
    [`context '${DEPLOYMENT_MODE_CONTEXT_KEY}'`, sources.context],
    [DEPLOYMENT_MODE_ENV, sources.env === '' ? undefined : sources.env],
  ];
  for (const [where, value] of candidates) {
    if (value === undefined) continue;
    if (isDeploymentMode(value)) return value;
    errors.add(where, value, `use one of ${DEPLOYMENT_MODES.join(', ')}${hint}`);
    return DEFAULT_DEPLOYMENT_MODE;
  }
  return DEFAULT_DEPLOYMENT_MODE;
}
