import { Token } from 'cdktf';
import {
  catalogInstances,
  DEFAULT_GCP_MACHINE_TYPE,
  GCE_ACCELERATOR_MACHINE,
  gcpMachine,
  PLATFORM_LIMITS,
  resolveDeployment,
  resolveScaling,
  ValidationErrors,
  WEIGHTS_STORE_STAGED_BEFORE_START,
  VERTEX_DEPLOYMENT_TIMEOUT,
  VERTEX_PROBE_TIMEOUT,
  type DetectorDeployment,
  type GcpMachineProblem,
  type GpuInstance,
  type ScalingSpec,
} from '../core';
import { ModelWeights } from './model-weights';
import { refuseScalingKnobs, validateServingProps } from './serving-resources';
import type { VertexDetectorEndpointProps, VertexProbeOptions } from './vertex-detector-endpoint-props';

/**
 * The Vertex AI endpoint's props checked in one pass (open-constructs style: one small `validateX()` per concern),
 * every problem recorded under the prop the user wrote, then thrown as one DetectorValidationError.
 */

/** Probe defaults: Vertex AI requires timeout > period (rule vertex.probe-timeout-exceeds-period). */
export const VERTEX_PROBE_DEFAULTS = { periodSeconds: 10, timeoutSeconds: 15, healthFailureThreshold: 3 } as const;
/** `modelLoadTimeout` (ModelContainerSpec.deploymentTimeout): 5 minutes (vLLM's load) to 2 hours (the API's limit). */
const MIN_MODEL_LOAD_TIMEOUT_SECONDS = 300;
const DEFAULT_MODEL_LOAD_TIMEOUT_SECONDS = 3600;

const GCS_URI = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*))?$/;

/** A probe as the deploy config carries it. */
export interface ProbeSeconds {
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

/** The props with every default filled in and every rule checked. */
export interface ResolvedVertexProps {
  readonly instance: GpuInstance;
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  readonly weights: ModelWeights;
  readonly modelLoadTimeoutSeconds: number;
  readonly startupProbe: ProbeSeconds;
  readonly healthProbe: ProbeSeconds;
}

/** Which prop holds each part of the machine spec. */
const MACHINE_PROPS: Readonly<Record<GcpMachineProblem, 'machineType' | 'acceleratorType' | 'acceleratorCount'>> = {
  machineType: 'machineType',
  acceleratorType: 'acceleratorType',
  attachment: 'machineType',
  acceleratorCount: 'acceleratorCount',
};

/** Checks every prop once; throws one DetectorValidationError listing each problem. */
export function validateVertexProps(
  path: string,
  props: VertexDetectorEndpointProps,
  /** The store the weights create in the same deploy, if any (`ModelWeights.storeCreatedWith`). */
  sameDeployStore?: string,
): ResolvedVertexProps {
  const errors = new ValidationErrors(`VertexDetectorEndpoint '${path}'`, (v) => Token.isUnresolved(v));
  errors.renamed(props, { deploymentTimeout: 'modelLoadTimeout' });
  validateServingProps(props, errors, { googleRegistryOnly: true, sameRegion: true, noun: 'endpoint' });
  validateNames(props, errors);
  validateAutoscaling(props, errors);
  const weights = validateWeights(props, errors);
  if (sameDeployStore !== undefined) {
    errors.rule('weights', WEIGHTS_STORE_STAGED_BEFORE_START, {
      serving: `VertexDetectorEndpoint '${path}'`,
      store: sameDeployStore,
      storeCreatedInSameDeploy: true,
      startsAtDeploy: true,
    });
  }
  validateLogging(props, errors);
  errors.check(
    'sharedMemorySizeMiB',
    props.sharedMemorySizeMiB,
    (n) => Number.isInteger(n) && n >= 64 && n <= 65_536,
    'use a whole number of MiB from 64 to 65536',
  );
  const modelLoadTimeoutSeconds = validateModelLoadTimeout(props, errors);
  const probes = validateProbes(props, errors, modelLoadTimeoutSeconds);
  const instance = validateMachine(props, errors);
  const deployment = resolveDeployment(instance, props, PLATFORM_LIMITS.vertex, errors);
  // Cooldowns and the target are reported by validateAutoscaling: Vertex AI has neither.
  const scaling = resolveScaling(
    { minCapacity: props.scaling?.minCapacity, maxCapacity: props.scaling?.maxCapacity },
    { maxConcurrency: deployment.maxConcurrency, allowZero: false },
    errors,
  );
  errors.throwIfAny();
  return { instance, deployment, scaling, weights, modelLoadTimeoutSeconds, ...probes };
}

function validateNames(props: VertexDetectorEndpointProps, errors: ValidationErrors): void {
  errors.check(
    'endpointId',
    props.endpointId,
    (v) => /^[1-9][0-9]{0,9}$/.test(v),
    'use up to 10 digits with no leading zero, e.g. "1234567890" (or leave it out for a derived one)',
  );
  errors.check('endpointName', props.endpointName, (v) => v.length >= 1 && v.length <= 128, 'use 1 to 128 characters');
}

/** Vertex AI scales on accelerator duty cycle: no concurrency target, no cooldowns. */
function validateAutoscaling(props: VertexDetectorEndpointProps, errors: ValidationErrors): void {
  errors.check(
    'dutyCycleTarget',
    props.dutyCycleTarget,
    (n) => Number.isInteger(n) && n >= 1 && n <= 100,
    'use a whole percentage from 1 to 100, e.g. 60',
  );
  refuseScalingKnobs(props.scaling, errors, {
    target: 'Vertex AI scales on accelerator duty cycle, not concurrency: leave it out and set dutyCycleTarget instead',
    cooldown:
      'Vertex AI autoscaling has no cooldown setting (it waits for the metric over a fixed window): leave it out',
  });
}

/** `weights`, or the deprecated `modelWeights` URI (never both). */
function validateWeights(props: VertexDetectorEndpointProps, errors: ValidationErrors): ModelWeights {
  if (props.modelWeights === undefined) return props.weights ?? ModelWeights.fromHuggingFace();
  if (props.weights !== undefined) {
    errors.add('modelWeights', props.modelWeights, 'modelWeights is the former name of weights: pass weights alone');
    return props.weights;
  }
  // Only known at deploy time: there is no bucket to grant on yet (as before weights existed).
  if (Token.isUnresolved(props.modelWeights)) return ModelWeights.fromHuggingFace();
  const m = GCS_URI.exec(props.modelWeights);
  if (!m) {
    errors.add(
      'modelWeights',
      props.modelWeights,
      'use a Cloud Storage prefix, e.g. "gs://my-bucket/models/qwen3-vl-8b/"',
    );
    return ModelWeights.fromHuggingFace();
  }
  return ModelWeights.fromCloudStorage(m[1], m[2] ?? '');
}

function validateLogging(props: VertexDetectorEndpointProps, errors: ValidationErrors): void {
  const logging = props.requestResponseLogging;
  if (!logging) return;
  errors.check(
    'requestResponseLogging.samplingRate',
    logging.samplingRate,
    (n) => n > 0 && n <= 1,
    'use a fraction above 0 and at most 1, e.g. 0.1',
  );
  errors.check(
    'requestResponseLogging.bigqueryDestination',
    logging.bigqueryDestination,
    (v) => /^bq:\/\/[a-z0-9-]+\.[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)?$/.test(v),
    'use "bq://project.dataset" or "bq://project.dataset.table"',
  );
}

/** ModelContainerSpec.deploymentTimeout, whole seconds: 5 minutes to 2 hours. */
function validateModelLoadTimeout(props: VertexDetectorEndpointProps, errors: ValidationErrors): number {
  const seconds = errors.wholeSeconds('modelLoadTimeout', props.modelLoadTimeout, DEFAULT_MODEL_LOAD_TIMEOUT_SECONDS);
  if (props.modelLoadTimeout === undefined || !errors.isKnown(seconds)) return seconds;
  if (seconds < MIN_MODEL_LOAD_TIMEOUT_SECONDS) {
    errors.add(
      'modelLoadTimeout',
      props.modelLoadTimeout,
      'use 5 minutes to 2 hours (the Vertex AI limit); vLLM needs ~15–30 minutes to download and load the model',
    );
  } else {
    errors.rule('modelLoadTimeout', VERTEX_DEPLOYMENT_TIMEOUT, { seconds });
  }
  return seconds;
}

function validateProbes(
  props: VertexDetectorEndpointProps,
  errors: ValidationErrors,
  modelLoadTimeoutSeconds: number,
): { startupProbe: ProbeSeconds; healthProbe: ProbeSeconds } {
  const startup = probeTiming(errors, 'startupProbe', props.startupProbe);
  const health = probeTiming(errors, 'healthProbe', props.healthProbe);
  errors.check(
    'healthProbe.failureThreshold',
    props.healthProbe?.failureThreshold,
    (n) => Number.isInteger(n) && n >= 1,
    'use a whole number ≥ 1',
  );
  return {
    // The startup probe gives the replica the whole model load timeout.
    startupProbe: {
      ...startup,
      failureThreshold: Math.max(1, Math.ceil(modelLoadTimeoutSeconds / startup.periodSeconds)),
    },
    healthProbe: {
      ...health,
      failureThreshold: props.healthProbe?.failureThreshold ?? VERTEX_PROBE_DEFAULTS.healthFailureThreshold,
    },
  };
}

/** A probe's period and timeout in whole seconds, checked against Vertex AI's rule that the timeout exceeds the period. */
function probeTiming(
  errors: ValidationErrors,
  prop: 'startupProbe' | 'healthProbe',
  options: VertexProbeOptions | undefined,
): { periodSeconds: number; timeoutSeconds: number } {
  const periodSeconds = errors.wholeSeconds(`${prop}.period`, options?.period, VERTEX_PROBE_DEFAULTS.periodSeconds);
  const timeoutSeconds = errors.wholeSeconds(`${prop}.timeout`, options?.timeout, VERTEX_PROBE_DEFAULTS.timeoutSeconds);
  if (errors.isKnown(periodSeconds) && errors.isKnown(timeoutSeconds)) {
    errors.rule(prop, VERTEX_PROBE_TIMEOUT, { probe: prop, periodSeconds, timeoutSeconds });
  }
  return { periodSeconds, timeoutSeconds };
}

/**
 * The machine spec from the catalog, each problem under the prop that holds it (the lookup says which part is
 * wrong). With a bad spec, the default machine stands in so the other props are still checked in the same pass.
 */
function validateMachine(props: VertexDetectorEndpointProps, errors: ValidationErrors): GpuInstance {
  const machineType = props.machineType ?? DEFAULT_GCP_MACHINE_TYPE;
  const machine = gcpMachine(machineType, props.acceleratorType ?? undefined, props.acceleratorCount ?? 1);
  if (machine.ok) return machine.value;
  const part = machine.part ?? 'machineType';
  if (part === 'attachment') {
    errors.rule('machineType', GCE_ACCELERATOR_MACHINE, { machineType, acceleratorType: props.acceleratorType ?? '' });
  } else {
    const values = { machineType, acceleratorType: props.acceleratorType, acceleratorCount: props.acceleratorCount };
    errors.add(MACHINE_PROPS[part], values[MACHINE_PROPS[part]], machine.problem);
  }
  return catalogInstances('gcp')[0];
}
