import { Token } from 'cdktf';
import {
  AZURE_INSTANCES,
  AZURE_LIMITS,
  AZURE_ML_TIMEOUT_HEADROOM_MS,
  azureInstance,
  DEFAULT_AZURE_INSTANCE_TYPE,
  isPositiveInteger,
  PLATFORM_LIMITS,
  resolveDeployment,
  resolveScaling,
  ValidationErrors,
  WEIGHTS_STORE_STAGED_BEFORE_START,
  type DetectorDeployment,
  type ScalingSpec,
} from '../core';
import type { ArmEndpointAuthMode } from './arm-template';
import { resolveAutoscale, type AzureAutoscaleOptions } from './azure-ml-autoscale';
import type { AzureMlAuthMode, AzureMlDetectorEndpointProps } from './azure-ml-detector-endpoint-props';
import { checkCommonProps, checkImageAndLogProps } from './common-resources';
import { resolveProbe, type ProbeSeconds } from './probes';

/**
 * The Azure ML endpoint's props checked in one pass (one small `validateX()` per concern), every problem recorded
 * under the prop the user wrote, then thrown as one DetectorValidationError.
 */

export const ARM_AUTH_MODES: Readonly<Record<AzureMlAuthMode, ArmEndpointAuthMode>> = {
  key: 'Key',
  aad_token: 'AADToken',
};

export const AZURE_ML_DEFAULTS = {
  deploymentName: 'detector',
  modelLoadTimeoutSeconds: 30 * 60,
  liveness: { initialDelay: 120, period: 10, timeout: 5, successThreshold: 1, failureThreshold: 30 },
  readiness: { initialDelay: 300, period: 10, timeout: 5, successThreshold: 1 },
  keyVaultSoftDeleteRetentionDays: 7,
} as const;

const ENDPOINT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

/** The props with every default filled in and every rule checked. */
export interface ResolvedAzureMlProps {
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  readonly instanceCount: number;
  /** request_timeout_ms: the container's deadline plus headroom, so the container's own timeout answer gets out. */
  readonly endpointTimeoutMs: number;
  readonly livenessProbe: ProbeSeconds;
  readonly readinessProbe: ProbeSeconds;
  readonly autoscale: Required<AzureAutoscaleOptions>;
}

/** Checks every prop once; throws one DetectorValidationError listing each problem. */
export function validateAzureMlProps(
  path: string,
  props: AzureMlDetectorEndpointProps,
  /** The store the weights create in the same deploy, if any (`ModelWeights.storeCreatedWith`). */
  sameDeployStore?: string,
): ResolvedAzureMlProps {
  const errors = new ValidationErrors(`AzureMlDetectorEndpoint '${path}'`, (v) => Token.isUnresolved(v));
  const requestedType = props.instanceType ?? DEFAULT_AZURE_INSTANCE_TYPE;
  const found = azureInstance(requestedType);
  if (!found.ok) errors.add('instanceType', requestedType, found.problem);
  const instance = found.ok ? found.value : AZURE_INSTANCES[DEFAULT_AZURE_INSTANCE_TYPE];
  const deployment = resolveDeployment(instance, props, PLATFORM_LIMITS.azureMl, errors);
  const scaling = resolveScaling(
    props.scaling,
    { maxConcurrency: deployment.maxConcurrency, allowZero: false },
    errors,
  );
  const instanceCount = validateInstanceCount(props, errors, scaling);
  checkCommonProps(errors, props);
  validateNames(props, errors);
  checkImageAndLogProps(errors, props);
  if (props.workspace !== undefined && props.resourceGroup === undefined) {
    errors.add(
      'resourceGroup',
      undefined,
      'an existing workspace needs its resource group too: pass resourceGroup (the group holding the workspace)',
    );
  }
  const probes = validateProbes(props, errors);
  const autoscale = resolveAutoscale(errors, props.autoscale, scaling);
  // The deployment starts its instances at deploy and waits for the readiness probe: an empty store fails it.
  if (sameDeployStore !== undefined) {
    errors.rule('weights', WEIGHTS_STORE_STAGED_BEFORE_START, {
      serving: `AzureMlDetectorEndpoint '${path}'`,
      store: sameDeployStore,
      storeCreatedInSameDeploy: true,
      startsAtDeploy: true,
    });
  }
  errors.throwIfAny();
  return {
    deployment,
    scaling,
    instanceCount,
    endpointTimeoutMs: Math.min(
      deployment.requestTimeoutMs + AZURE_ML_TIMEOUT_HEADROOM_MS,
      AZURE_LIMITS.azureMlMaxRequestTimeoutMs,
    ),
    ...probes,
    autoscale,
  };
}

/** The autoscale setting's default capacity: within the scaling range, never zero. */
function validateInstanceCount(
  props: AzureMlDetectorEndpointProps,
  errors: ValidationErrors,
  scaling: ScalingSpec,
): number {
  errors.check(
    'instanceCount',
    props.instanceCount,
    (n) => isPositiveInteger(n) && n >= scaling.minCapacity && n <= scaling.maxCapacity,
    `use a whole number from scaling.minCapacity (${scaling.minCapacity}) to scaling.maxCapacity ` +
      `(${scaling.maxCapacity}); managed online endpoints cannot run zero instances`,
  );
  return props.instanceCount ?? scaling.minCapacity;
}

function validateNames(props: AzureMlDetectorEndpointProps, errors: ValidationErrors): void {
  errors.check(
    'authMode',
    props.authMode,
    (m) => Object.prototype.hasOwnProperty.call(ARM_AUTH_MODES, m),
    `use one of ${Object.keys(ARM_AUTH_MODES).join(', ')}`,
  );
  for (const prop of ['endpointName', 'deploymentName'] as const) {
    errors.check(
      prop,
      props[prop],
      (n) => ENDPOINT_NAME.test(n),
      '3–32 letters, digits and hyphens, starting with a letter and not ending with a hyphen',
    );
  }
}

/**
 * The probes in whole seconds, sized from modelLoadTimeout: liveness (/health/live) answers as soon as the controller
 * runs, model or not; readiness waits for the model, so it is the probe that must outlast the load.
 */
function validateProbes(
  props: AzureMlDetectorEndpointProps,
  errors: ValidationErrors,
): { livenessProbe: ProbeSeconds; readinessProbe: ProbeSeconds } {
  const modelLoadSeconds = errors.wholeSeconds(
    'modelLoadTimeout',
    props.modelLoadTimeout,
    AZURE_ML_DEFAULTS.modelLoadTimeoutSeconds,
  );
  errors.check(
    'modelLoadTimeout',
    modelLoadSeconds,
    (s) => s >= 300 && s <= 7200,
    'use 5 minutes to 2 hours (vLLM needs ~15–30 minutes to download and quantize the model)',
  );
  const livenessProbe = resolveProbe(errors, 'livenessProbe', props.livenessProbe, AZURE_ML_DEFAULTS.liveness);
  const readinessProbe = resolveProbe(errors, 'readinessProbe', props.readinessProbe, {
    ...AZURE_ML_DEFAULTS.readiness,
    failureThreshold: ({ initialDelay, period }) => Math.max(3, Math.ceil((modelLoadSeconds - initialDelay) / period)),
  });
  for (const [prop, probe] of [
    ['livenessProbe', props.livenessProbe],
    ['readinessProbe', props.readinessProbe],
  ] as const) {
    const resolved = prop === 'livenessProbe' ? livenessProbe : readinessProbe;
    const atLeastOneSecond = (s: number): boolean => s >= 1;
    errors.check(`${prop}.initialDelay`, resolved.initialDelay, atLeastOneSecond, 'use at least 1 second');
    errors.check(`${prop}.period`, resolved.period, atLeastOneSecond, 'use at least 1 second');
    if (prop === 'readinessProbe') {
      errors.check(`${prop}.successThreshold`, probe?.successThreshold, isPositiveInteger, 'use a whole number ≥ 1');
    }
    errors.check(`${prop}.failureThreshold`, probe?.failureThreshold, isPositiveInteger, 'use a whole number ≥ 1');
  }
  const window = readinessProbe.initialDelay + readinessProbe.period * readinessProbe.failureThreshold;
  if (window < modelLoadSeconds) {
    errors.add(
      'readinessProbe',
      `initialDelay ${readinessProbe.initialDelay}s + ${readinessProbe.failureThreshold} × ${readinessProbe.period}s = ${window}s`,
      `the probe gives up before modelLoadTimeout (${modelLoadSeconds}s); raise initialDelay or failureThreshold, ` +
        'or lower modelLoadTimeout',
    );
  }
  return { livenessProbe, readinessProbe };
}
