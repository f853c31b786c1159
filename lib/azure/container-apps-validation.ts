import type {
  ContainerAppTemplateContainerLivenessProbe,
  ContainerAppTemplateContainerReadinessProbe,
  ContainerAppTemplateContainerStartupProbe,
} from '@cdktf/provider-azurerm/lib/container-app';
import { Token } from 'cdktf';
import {
  AZURE_LIMITS,
  CONTAINER_APPS_GPU_PROFILES,
  CONTAINER_APPS_GPU_REGION,
  CONTAINER_APPS_MAX_REPLICAS,
  CONTAINER_APPS_PROBE_RANGES,
  CONTAINER_APPS_REPLICA_STORAGE,
  CONTAINER_PORT,
  CONTAINER_ROUTES,
  huggingFaceDownloadGiB,
  PLATFORM_LIMITS,
  resolveDeployment,
  resolveScaling,
  ValidationErrors,
  WEIGHTS_STORE_STAGED_BEFORE_START,
  type ContainerAppsGpuProfile,
  type DetectorDeployment,
  type ScalingSpec,
} from '../core';
import { checkCommonProps, checkImageAndLogProps } from './common-resources';
import type { ContainerAppsGpuDetectorServiceProps } from './container-apps-gpu-detector-service-props';
import { resolveProbe, type ProbeOptions, type ProbeSeconds } from './probes';

/**
 * The Container Apps service's props checked in one pass (one small `validateX()` per concern), every problem
 * recorded under the prop the user wrote, then thrown as one DetectorValidationError.
 */

export const DEFAULT_CONTAINER_APPS_GPU_PROFILE: ContainerAppsGpuProfile = 'Consumption-GPU-NC8as-T4';

const CONTAINER_APPS_DEFAULTS = {
  modelLoadTimeoutSeconds: 30 * 60,
  startupInitialDelay: 60,
  liveness: { initialDelay: 0, period: 10, timeout: 5, failureThreshold: 3 },
  readiness: { initialDelay: 0, period: 10, timeout: 5, successThreshold: 1, failureThreshold: 3 },
} as const;

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
export const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/;
export const IPV4_CIDR_FIX = "use an IPv4 address or CIDR range, e.g. '203.0.113.0/24'";

/** The props with every default filled in and every rule checked. */
export interface ResolvedContainerAppsProps {
  readonly gpuProfile: ContainerAppsGpuProfile;
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  readonly startupProbe: ContainerAppTemplateContainerStartupProbe;
  readonly livenessProbe: ContainerAppTemplateContainerLivenessProbe;
  readonly readinessProbe: ContainerAppTemplateContainerReadinessProbe;
}

/** Checks every prop once; throws one DetectorValidationError listing each problem. */
export function validateContainerAppsProps(
  path: string,
  props: ContainerAppsGpuDetectorServiceProps,
  /** The store the weights create in the same deploy, if any (`ModelWeights.storeCreatedWith`). */
  sameDeployStore?: string,
): ResolvedContainerAppsProps {
  const errors = new ValidationErrors(`ContainerAppsGpuDetectorService '${path}'`, (v) => Token.isUnresolved(v));
  const requestedProfile = props.gpuProfile ?? DEFAULT_CONTAINER_APPS_GPU_PROFILE;
  const known = Object.prototype.hasOwnProperty.call(CONTAINER_APPS_GPU_PROFILES, requestedProfile);
  if (!known) {
    errors.add(
      'gpuProfile',
      requestedProfile,
      `unknown Container Apps serverless GPU profile; use one of ${Object.keys(CONTAINER_APPS_GPU_PROFILES).join(', ')}`,
    );
  }
  const gpuProfile = known ? requestedProfile : DEFAULT_CONTAINER_APPS_GPU_PROFILE;
  const instance = CONTAINER_APPS_GPU_PROFILES[gpuProfile];
  const deployment = resolveDeployment(instance, props, PLATFORM_LIMITS.containerApps, errors);
  const scaling = validateScaling(props, errors, deployment);
  checkCommonProps(errors, props);
  if (errors.isKnown(props.location)) errors.rule('location', CONTAINER_APPS_GPU_REGION, { region: props.location });
  validateNetwork(props, errors);
  checkImageAndLogProps(errors, props);
  // A replica's ephemeral storage cannot hold a download from Hugging Face (weights baked into the image can be).
  if (props.weights?.kind === 'huggingface' && !deployment.baseModel.startsWith('/')) {
    errors.rule('weights', CONTAINER_APPS_REPLICA_STORAGE, {
      source: 'huggingface',
      downloadGiB: huggingFaceDownloadGiB(deployment),
      vcpus: instance.vcpus,
    });
  }
  // With min replicas 0 the revision starts no replica at deploy, so a store created with it may be staged after; a
  // warm replica would start against the empty store (rule weights.store-staged-before-start).
  if (sameDeployStore !== undefined && errors.isKnown(scaling.minCapacity)) {
    errors.rule('weights', WEIGHTS_STORE_STAGED_BEFORE_START, {
      serving: `ContainerAppsGpuDetectorService '${path}' with ${scaling.minCapacity} warm replica(s)`,
      store: sameDeployStore,
      storeCreatedInSameDeploy: true,
      startsAtDeploy: scaling.minCapacity > 0,
    });
  }
  const probes = validateProbes(props, errors);
  errors.throwIfAny();
  return { gpuProfile, deployment, scaling, ...probes };
}

/** Zero by default (the point of this service is idling at zero); no scale-out cooldown; the replica limit. */
function validateScaling(
  props: ContainerAppsGpuDetectorServiceProps,
  errors: ValidationErrors,
  deployment: DetectorDeployment,
): ScalingSpec {
  const s = props.scaling;
  if (s?.scaleOutCooldown !== undefined) {
    errors.add(
      'scaling.scaleOutCooldown',
      s.scaleOutCooldown,
      'Container Apps scales out as soon as the HTTP scale rule asks and has no scale-out cooldown; leave it out',
    );
  }
  const scaling = resolveScaling(
    { ...s, minCapacity: s?.minCapacity ?? 0, scaleOutCooldown: undefined },
    { maxConcurrency: deployment.maxConcurrency, allowZero: true },
    errors,
  );
  if (s?.maxCapacity !== undefined && errors.isKnown(s.maxCapacity)) {
    errors.rule('scaling.maxCapacity', CONTAINER_APPS_MAX_REPLICAS, { maxReplicas: s.maxCapacity });
  }
  return scaling;
}

function validateNetwork(props: ContainerAppsGpuDetectorServiceProps, errors: ValidationErrors): void {
  errors.check(
    'serviceName',
    props.serviceName,
    (n) => SERVICE_NAME.test(n),
    '2–32 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
  );
  for (const range of props.allowedIpRanges ?? []) {
    errors.check('allowedIpRanges', range, (r) => IPV4_CIDR.test(r), IPV4_CIDR_FIX);
  }
  if (props.containerAppsEnvironment !== undefined) {
    errors.check(
      'containerAppsEnvironment.gpuWorkloadProfileName',
      props.containerAppsEnvironment.gpuWorkloadProfileName,
      (n) => n.trim() !== '',
      "name the environment's serverless GPU workload profile, e.g. 'gpu-t4'",
    );
  }
}

/**
 * The startup probe waits for readiness (the model served) for as long as modelLoadTimeout, in the fewest, shortest
 * periods the limits allow (ready is noticed at most one period late); liveness and readiness within the Container
 * Apps ranges.
 */
function validateProbes(
  props: ContainerAppsGpuDetectorServiceProps,
  errors: ValidationErrors,
): Pick<ResolvedContainerAppsProps, 'startupProbe' | 'livenessProbe' | 'readinessProbe'> {
  const limits = AZURE_LIMITS.containerAppsProbe;
  const defaults = CONTAINER_APPS_DEFAULTS;
  const modelLoadSeconds = errors.wholeSeconds(
    'modelLoadTimeout',
    props.modelLoadTimeout,
    defaults.modelLoadTimeoutSeconds,
  );
  const longestStartup = limits.initialDelaySeconds.max + limits.periodSeconds.max * limits.failureThreshold.max;
  errors.check(
    'modelLoadTimeout',
    modelLoadSeconds,
    (s) => s >= 300 && s <= longestStartup,
    `use 5 minutes to ${longestStartup} s (the longest startup probe Container Apps allows: ` +
      `${limits.initialDelaySeconds.max} s + ${limits.failureThreshold.max} × ${limits.periodSeconds.max} s)`,
  );
  const loading = modelLoadSeconds - defaults.startupInitialDelay;
  const startupPeriod = Math.min(
    limits.periodSeconds.max,
    Math.max(10, Math.ceil(loading / limits.failureThreshold.max)),
  );
  const startupFailures = Math.min(limits.failureThreshold.max, Math.max(1, Math.ceil(loading / startupPeriod)));
  const liveness = rangedProbe(errors, 'livenessProbe', props.livenessProbe, defaults.liveness);
  const readiness = rangedProbe(errors, 'readinessProbe', props.readinessProbe, defaults.readiness);
  const http = { transport: 'HTTP', port: CONTAINER_PORT } as const;
  return {
    startupProbe: {
      ...http,
      path: CONTAINER_ROUTES.azureReadiness,
      initialDelay: defaults.startupInitialDelay,
      intervalSeconds: startupPeriod,
      timeout: 5,
      failureCountThreshold: startupFailures,
    },
    livenessProbe: {
      ...http,
      path: CONTAINER_ROUTES.azureLiveness,
      initialDelay: liveness.initialDelay,
      intervalSeconds: liveness.period,
      timeout: liveness.timeout,
      failureCountThreshold: liveness.failureThreshold,
    },
    readinessProbe: {
      ...http,
      path: CONTAINER_ROUTES.azureReadiness,
      initialDelay: readiness.initialDelay,
      intervalSeconds: readiness.period,
      timeout: readiness.timeout,
      successCountThreshold: readiness.successThreshold,
      failureCountThreshold: readiness.failureThreshold,
    },
  };
}

/** A probe in whole seconds, the values given checked against the Container Apps ranges (defaults are within them). */
function rangedProbe(
  errors: ValidationErrors,
  prop: 'livenessProbe' | 'readinessProbe',
  options: ProbeOptions | undefined,
  defaults: Omit<ProbeSeconds, 'successThreshold'> & { successThreshold?: number },
): ProbeSeconds {
  const probe = resolveProbe(errors, prop, options, defaults);
  const given = <T>(value: T | undefined, resolved: number): number | undefined =>
    value === undefined ? undefined : resolved;
  errors.rule(prop, CONTAINER_APPS_PROBE_RANGES, {
    probe: prop,
    initialDelaySeconds: given(options?.initialDelay, probe.initialDelay),
    periodSeconds: given(options?.period, probe.period),
    failureThreshold: options?.failureThreshold,
    successThreshold: prop === 'readinessProbe' ? options?.successThreshold : undefined,
  });
  return probe;
}
