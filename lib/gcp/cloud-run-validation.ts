import { Token } from 'cdktf';
import {
  CLOUD_RUN_DRIVER_RUNS_IMAGE,
  CLOUD_RUN_GPU_LIMITS,
  CLOUD_RUN_GPU_REGION,
  CLOUD_RUN_GPU_RESOURCES,
  CLOUD_RUN_IN_MEMORY_FILESYSTEM,
  CLOUD_RUN_L4_DRIVER,
  CLOUD_RUN_PROCESS_MEMORY_GIB,
  CLOUD_RUN_PROBE_TIMEOUT,
  CLOUD_RUN_STARTUP_INITIAL_DELAY,
  CLOUD_RUN_STARTUP_WINDOW,
  cloudRunGpuInstance,
  cudaVersionProblem,
  huggingFaceDownloadGiB,
  PINNED_IMAGE_CUDA,
  PLATFORM_LIMITS,
  resolveDeployment,
  resolveScaling,
  ValidationErrors,
  WEIGHTS_STORE_STAGED_BEFORE_START,
  type DetectorDeployment,
  type ImageRecord,
  type ScalingSpec,
} from '../core';
import { invokerProblem } from './cloud-run-detector-service-base';
import type { CloudRunGpuDetectorServiceProps, CloudRunIngress } from './cloud-run-gpu-detector-service-props';
import { ModelWeights } from './model-weights';
import { refuseScalingKnobs, validateServingProps } from './serving-resources';

/**
 * The Cloud Run service's props checked in one pass (one small `validateX()` per concern), every problem recorded
 * under the prop the user wrote, then thrown as one DetectorValidationError.
 */

export const CLOUD_RUN_DEFAULTS = {
  cpu: 8,
  memoryGiB: 32,
  startupProbe: { periodSeconds: 10, timeoutSeconds: 5 },
  livenessProbe: { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
  /** The longest start a service allows: 240 s of initial delay, then 240 s of probing. */
  modelLoadTimeoutSeconds: CLOUD_RUN_GPU_LIMITS.maxStartWindowSeconds,
  minModelLoadTimeoutSeconds: 60,
} as const;

const INGRESS_VALUES: readonly CloudRunIngress[] = [
  'INGRESS_TRAFFIC_ALL',
  'INGRESS_TRAFFIC_INTERNAL_ONLY',
  'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
];

/** The props with every default filled in and every rule checked. */
export interface ResolvedCloudRunProps {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  readonly weights: ModelWeights;
  readonly startupProbe: { readonly initialDelaySeconds: number; readonly failureThreshold: number };
  /** The image's CUDA as the synthesized output records it; undefined when unknown. */
  readonly imageRecord?: ImageRecord;
}

/** Checks every prop once; throws one DetectorValidationError listing each problem. */
export function validateCloudRunProps(
  path: string,
  props: CloudRunGpuDetectorServiceProps,
  /** The store the weights create in the same deploy, if any (`ModelWeights.storeCreatedWith`). */
  sameDeployStore?: string,
): ResolvedCloudRunProps {
  const errors = new ValidationErrors(`CloudRunGpuDetectorService '${path}'`, (v) => Token.isUnresolved(v));
  errors.renamed(props, { startupTimeout: 'modelLoadTimeout' });
  validateServingProps(props, errors, { googleRegistryOnly: false, sameRegion: false, noun: 'service' });
  if (props.region && !Token.isUnresolved(props.region)) {
    errors.rule('region', CLOUD_RUN_GPU_REGION, { region: props.region });
  }
  errors.check(
    'serviceName',
    props.serviceName,
    (v) => /^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$/.test(v),
    'use lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen, at most 49 characters',
  );
  errors.check(
    'accelerator',
    props.accelerator as string | undefined,
    (v) => v === 'nvidia-l4',
    "use 'nvidia-l4' (the only Cloud Run GPU in the catalog)",
  );
  const cpu = props.cpu ?? CLOUD_RUN_DEFAULTS.cpu;
  const memoryGiB = props.memoryGiB ?? CLOUD_RUN_DEFAULTS.memoryGiB;
  if (errors.isKnown(cpu) && errors.isKnown(memoryGiB)) {
    errors.rule('', CLOUD_RUN_GPU_RESOURCES, { cpu, memoryGiB });
  }
  const scaleToZero = validateScaling(props, errors);
  const startupProbe = validateModelLoadTimeout(props, errors);
  const imageRecord = validateImageCuda(props, errors);
  validateAccess(props, errors);

  const deployment = resolveDeployment(cloudRunGpuInstance(cpu, memoryGiB), props, PLATFORM_LIMITS.cloudRun, errors);
  const weights = validateWeights(path, props, errors, sameDeployStore);
  if (weights.kind === 'huggingface') validateMemoryForDownload(deployment, memoryGiB, errors);
  // Cooldowns and the target are reported by validateScaling: Cloud Run has neither.
  const scaling = resolveScaling(
    { minCapacity: props.scaling?.minCapacity ?? (scaleToZero ? 0 : 1), maxCapacity: props.scaling?.maxCapacity },
    { maxConcurrency: deployment.maxConcurrency, allowZero: true },
    errors,
  );
  errors.throwIfAny();
  return { cpu, memoryGiB, deployment, scaling, weights, startupProbe, imageRecord };
}

/**
 * Cloud Run starts the new revision at deploy and waits for its startup probe: the weights must be readable before
 * (rule weights.store-staged-before-start), so there is no default and no store created with the service.
 */
function validateWeights(
  path: string,
  props: CloudRunGpuDetectorServiceProps,
  errors: ValidationErrors,
  sameDeployStore: string | undefined,
): ModelWeights {
  if (props.weights === undefined) {
    errors.add(
      'weights',
      undefined,
      'Cloud Run starts the container when it deploys a revision, so the weights must be readable before: ' +
        'ModelWeights.fromStore(store) with a ModelWeightsStore in a stack deployed and staged first (what ' +
        "DetectorGcpStack does), ModelWeights.fromCloudStorage('gs://…') for weights staged already, or " +
        'ModelWeights.fromHuggingFace() (a download at every start: see rule cloud-run.start-window)',
    );
    return ModelWeights.fromHuggingFace();
  }
  if (sameDeployStore !== undefined) {
    errors.rule('weights', WEIGHTS_STORE_STAGED_BEFORE_START, {
      serving: `CloudRunGpuDetectorService '${path}'`,
      store: sameDeployStore,
      storeCreatedInSameDeploy: true,
      startsAtDeploy: true,
    });
  }
  return props.weights;
}

/** Scale to zero and its minimum agree; Cloud Run has no concurrency target and no cooldowns. Returns scaleToZero. */
function validateScaling(props: CloudRunGpuDetectorServiceProps, errors: ValidationErrors): boolean {
  const scaleToZero = props.scaleToZero ?? true;
  const minCapacity = props.scaling?.minCapacity;
  if (scaleToZero && minCapacity !== undefined && errors.isKnown(minCapacity) && minCapacity > 0) {
    errors.add(
      'scaling.minCapacity',
      minCapacity,
      'scaleToZero (the default) idles at zero instances, which contradicts a minimum above 0: leave minCapacity ' +
        'out (or 0), or set scaleToZero: false to keep instances warm',
    );
  }
  if (props.scaleToZero === false && minCapacity === 0) {
    errors.add(
      'scaleToZero',
      false,
      'with scaling.minCapacity 0 the service still scales to zero: set minCapacity to 1 or more, or leave ' +
        'scaleToZero out',
    );
  }
  refuseScalingKnobs(props.scaling, errors, {
    target:
      'Cloud Run scales on requests in flight against the container concurrency (maxConcurrency), with no target ' +
      'of its own: leave it out and set maxConcurrency instead',
    cooldown: 'Cloud Run autoscaling has no cooldown setting: leave it out',
  });
  return scaleToZero;
}

/**
 * The startup probe that gives a new instance `modelLoadTimeout` to become ready, within Cloud Run's limits; the
 * probe as synthesized is checked against the same rules preflight checks on the output.
 */
function validateModelLoadTimeout(
  props: CloudRunGpuDetectorServiceProps,
  errors: ValidationErrors,
): { initialDelaySeconds: number; failureThreshold: number } {
  const { modelLoadTimeoutSeconds: max, minModelLoadTimeoutSeconds: min } = CLOUD_RUN_DEFAULTS;
  const seconds = errors.wholeSeconds('modelLoadTimeout', props.modelLoadTimeout, max);
  errors.check(
    'modelLoadTimeout',
    props.modelLoadTimeout,
    () => !errors.isKnown(seconds) || (seconds >= min && seconds <= max),
    `use ${min} s to ${max / 60} minutes: Cloud Run's startup probe allows at most ` +
      `${CLOUD_RUN_GPU_LIMITS.maxStartupInitialDelaySeconds} s of initial delay plus ` +
      `${CLOUD_RUN_GPU_LIMITS.maxStartupProbeWindowSeconds} s of probing [${CLOUD_RUN_STARTUP_INITIAL_DELAY.id}, ` +
      `${CLOUD_RUN_STARTUP_WINDOW.id}]. For a slower load, bake the weights into the image (baseModel: a local ` +
      'directory) or use the always-on Vertex AI mode',
  );
  const probe = startupProbeTiming(Math.min(Math.max(seconds, min), max));
  const { periodSeconds, timeoutSeconds } = CLOUD_RUN_DEFAULTS.startupProbe;
  const input = { ...probe, periodSeconds };
  errors.rule('modelLoadTimeout', CLOUD_RUN_STARTUP_INITIAL_DELAY, input);
  errors.rule('modelLoadTimeout', CLOUD_RUN_STARTUP_WINDOW, input);
  errors.rule('modelLoadTimeout', CLOUD_RUN_PROBE_TIMEOUT, { probe: 'startupProbe', periodSeconds, timeoutSeconds });
  return probe;
}

/** The startup probe's initial delay and failure threshold for a start-up budget (seconds). */
export function startupProbeTiming(modelLoadTimeoutSeconds: number): {
  initialDelaySeconds: number;
  failureThreshold: number;
} {
  const window = Math.min(modelLoadTimeoutSeconds, CLOUD_RUN_GPU_LIMITS.maxStartupProbeWindowSeconds);
  return {
    initialDelaySeconds: modelLoadTimeoutSeconds - window,
    failureThreshold: Math.ceil(window / CLOUD_RUN_DEFAULTS.startupProbe.periodSeconds),
  };
}

/** The GPU driver: Cloud Run's L4 driver must run the image's CUDA. */
function validateImageCuda(props: CloudRunGpuDetectorServiceProps, errors: ValidationErrors): ImageRecord | undefined {
  const imageCuda = props.imageCudaVersion ?? (props.image === undefined ? PINNED_IMAGE_CUDA : undefined);
  if (imageCuda === undefined || !errors.isKnown(imageCuda)) return undefined;
  const problem = cudaVersionProblem(imageCuda);
  if (problem) {
    errors.add('imageCudaVersion', imageCuda, problem);
    return undefined;
  }
  errors.rule(props.imageCudaVersion === undefined ? 'image' : 'imageCudaVersion', CLOUD_RUN_DRIVER_RUNS_IMAGE, {
    driver: CLOUD_RUN_L4_DRIVER,
    imageCuda,
    host: `Cloud Run's L4 driver`,
    remedy: 'serve a CUDA 12.x build of the image (vllm/vllm-openai tags without -cu130 up to v0.19), or use Vertex AI',
  });
  return { cudaVersion: imageCuda, cudaVersionFrom: props.imageCudaVersion === undefined ? 'pinned' : 'declared' };
}

function validateAccess(props: CloudRunGpuDetectorServiceProps, errors: ValidationErrors): void {
  errors.check(
    'ingress',
    props.ingress as string | undefined,
    (v) => (INGRESS_VALUES as readonly string[]).includes(v),
    `use one of ${INGRESS_VALUES.join(', ')}`,
  );
  (props.invokers ?? []).forEach((member, i) => {
    if (Token.isUnresolved(member)) return;
    const problem = invokerProblem(member);
    if (problem) errors.add(`invokers[${i}]`, member, problem);
  });
}

/**
 * Cloud Run's filesystem is in memory: a base model downloaded from Hugging Face at start-up (16-bit safetensors,
 * quantized only when loaded) must fit in the instance memory next to the processes (rule
 * cloud-run.in-memory-filesystem).
 */
function validateMemoryForDownload(deployment: DetectorDeployment, memoryGiB: number, errors: ValidationErrors): void {
  if (!errors.isKnown(memoryGiB) || !Number.isFinite(memoryGiB)) return;
  if (deployment.baseModel.startsWith('/') || deployment.baseModel.startsWith('.')) return;
  errors.rule('memoryGiB', CLOUD_RUN_IN_MEMORY_FILESYSTEM, {
    downloadGiB: huggingFaceDownloadGiB(deployment),
    memoryGiB,
    processGiB: CLOUD_RUN_PROCESS_MEMORY_GIB,
  });
}
