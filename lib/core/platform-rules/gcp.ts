import { GCP_MACHINES, gcpMachinesFor, type GcpAcceleratorType, type GcpMachineType } from '../gpu-catalog';
import { platformRule, seconds, unless, type RuleViolation } from './rule';

const VERTEX_CONTAINER_SPEC = 'https://cloud.google.com/vertex-ai/docs/reference/rest/v1/ModelContainerSpec';
const CLOUD_RUN_GPU_PAGE = 'https://cloud.google.com/run/docs/configuring/services/gpu';
const CLOUD_RUN_V2_PROBE = 'https://cloud.google.com/run/docs/reference/rest/v2/Container#Probe';

/** Vertex AI's limits on a deployed model, with their sources. */
export const VERTEX_LIMITS = {
  /** ModelContainerSpec.deploymentTimeout: "Limit for deployment timeout is 2 hours". */
  maxDeploymentTimeoutSeconds: 2 * 3600,
  /** Dedicated endpoints end an inference request after 600 s by default (create-public-endpoint). */
  inferenceTimeoutSeconds: 600,
} as const;

/** Cloud Run's limits for a GPU service, with their sources. */
export const CLOUD_RUN_GPU_LIMITS = {
  /** https://cloud.google.com/run/docs/configuring/services/cpu: whole vCPUs above 1, at most 8; 4 is the GPU minimum. */
  cpuValues: [4, 6, 8],
  /** https://cloud.google.com/run/docs/configuring/services/gpu: at least 4 CPU and 16 GiB with an L4. */
  minCpu: 4,
  minMemoryGiB: 16,
  /** https://cloud.google.com/run/docs/configuring/services/memory-limits: at most 32 GiB. */
  maxMemoryGiB: 32,
  /** Same page: more than 16 GiB needs ≥ 6 vCPU, more than 24 GiB needs 8. */
  minCpuForMemory: (memoryGiB: number): number => (memoryGiB > 24 ? 8 : memoryGiB > 16 ? 6 : 4),
  /**
   * Startup probe of a service (healthchecks page; Cloud Run v2 Probe): initial delay ≤ 240 s, and the probe must
   * succeed within failure threshold × period ≤ 240 s after that. So the longest start Cloud Run waits for is 480 s.
   * (Jobs allow 600 s, 1800 s with a GPU: services do not.)
   */
  maxStartupInitialDelaySeconds: 240,
  maxStartupProbeWindowSeconds: 240,
  /** The two together: the longest a service's new instance may take to become ready. */
  maxStartWindowSeconds: 480,
  /** https://cloud.google.com/run/docs/configuring/request-timeout: up to 60 minutes. */
  maxRequestTimeoutSeconds: 3600,
} as const;

/** Regions that offer Cloud Run L4 GPUs (the GPU page; some by invitation only). */
export const CLOUD_RUN_GPU_REGIONS = [
  'us-central1',
  'us-east4',
  'europe-west1',
  'europe-west4',
  'asia-southeast1',
  'asia-south1',
] as const;

export const GCE_ACCELERATOR_MACHINE = platformRule<{
  machineType: string;
  acceleratorType: string;
}>({
  id: 'gce.accelerator-machine',
  platform: 'Compute Engine GPUs',
  statement: 'A GPU attaches only to its machine family: L4 to G2, A100 to A2, T4 to N1 (no "n1-standard-8 + L4")',
  source: 'https://cloud.google.com/compute/docs/gpus',
  appliesTo: ['vertex-endpoint'],
  synth: true,
  preflight: true,
  check: ({ machineType, acceleratorType }) => {
    const machine = (GCP_MACHINES as Record<string, (typeof GCP_MACHINES)[GcpMachineType]>)[machineType];
    const fits = gcpMachinesFor(acceleratorType);
    // An unknown machine or accelerator is the catalog's problem, reported by its own lookup.
    if (!machine || fits.length === 0) return [];
    return unless(
      machine.accelerators[acceleratorType as GcpAcceleratorType] !== undefined,
      `${machineType} + ${acceleratorType}`,
      `${acceleratorType} cannot attach to ${machineType}; ${acceleratorType} attaches only to ${fits.join(', ')} ` +
        `(e.g. machineType: '${fits[0]}', acceleratorType: '${acceleratorType}')`,
    );
  },
});

export interface ProbeTiming {
  /** Which probe, as the API names it: `startupProbe`, `healthProbe`, `livenessProbe`. */
  readonly probe: string;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
}

export const VERTEX_PROBE_TIMEOUT = platformRule<ProbeTiming>({
  id: 'vertex.probe-timeout-exceeds-period',
  platform: 'Vertex AI',
  statement:
    'A container probe\'s periodSeconds "must be less than timeout_seconds" (and timeoutSeconds "must be greater ' +
    'or equal to period_seconds"), else models.upload fails with INVALID_ARGUMENT',
  source: `${VERTEX_CONTAINER_SPEC}#Probe`,
  appliesTo: ['vertex-endpoint'],
  synth: true,
  preflight: true,
  check: ({ probe, periodSeconds, timeoutSeconds }) =>
    unless(
      Number.isInteger(periodSeconds) &&
        Number.isInteger(timeoutSeconds) &&
        periodSeconds >= 1 &&
        timeoutSeconds > periodSeconds,
      `period ${seconds(periodSeconds)}, timeout ${seconds(timeoutSeconds)}`,
      `Vertex AI requires the ${probe} timeout to exceed its period: use whole seconds with timeout > period ≥ 1, ` +
        'e.g. period 10 s, timeout 15 s',
    ),
});

export const VERTEX_DEPLOYMENT_TIMEOUT = platformRule<{ seconds: number }>({
  id: 'vertex.deployment-timeout',
  platform: 'Vertex AI',
  statement: 'ModelContainerSpec.deploymentTimeout is at most 2 hours',
  source: VERTEX_CONTAINER_SPEC,
  appliesTo: ['vertex-endpoint'],
  synth: true,
  preflight: true,
  check: ({ seconds: s }) =>
    unless(
      s > 0 && s <= VERTEX_LIMITS.maxDeploymentTimeoutSeconds,
      seconds(s),
      'use at most 2 hours (the Vertex AI limit); vLLM needs ~15–30 minutes to download and load the model',
    ),
});

export const VERTEX_INFERENCE_TIMEOUT = platformRule<{ requestTimeoutMs: number }>({
  id: 'vertex.inference-timeout',
  platform: 'Vertex AI',
  statement:
    "A dedicated endpoint ends a prediction after 600 s by default: the container's deadline (REQUEST_TIMEOUT_MS) " +
    'ends before that',
  source: 'https://cloud.google.com/vertex-ai/docs/predictions/create-public-endpoint',
  appliesTo: ['vertex-endpoint'],
  synth: true,
  preflight: true,
  check: ({ requestTimeoutMs }) =>
    unless(
      requestTimeoutMs >= 1000 && requestTimeoutMs <= (VERTEX_LIMITS.inferenceTimeoutSeconds - 10) * 1000,
      `${requestTimeoutMs / 1000} s`,
      `use 1 s to ${VERTEX_LIMITS.inferenceTimeoutSeconds - 10} s: dedicated endpoints time out at ` +
        `${VERTEX_LIMITS.inferenceTimeoutSeconds} s by default`,
    ),
});

export const CLOUD_RUN_GPU_RESOURCES = platformRule<{ cpu: number; memoryGiB: number }>({
  id: 'cloud-run.gpu-cpu-memory',
  platform: 'Cloud Run',
  statement: 'An L4 service has 4, 6 or 8 vCPU and 16–32 GiB, with ≥ 6 vCPU above 16 GiB and 8 vCPU above 24 GiB',
  source: CLOUD_RUN_GPU_PAGE,
  alsoSee: [
    'https://cloud.google.com/run/docs/configuring/services/cpu',
    'https://cloud.google.com/run/docs/configuring/services/memory-limits',
  ],
  appliesTo: ['cloud-run-service'],
  synth: true,
  preflight: true,
  check: ({ cpu, memoryGiB }) => {
    const L = CLOUD_RUN_GPU_LIMITS;
    const found: RuleViolation[] = [];
    const cpuOk = (L.cpuValues as readonly number[]).includes(cpu);
    const memoryOk = Number.isInteger(memoryGiB) && memoryGiB >= L.minMemoryGiB && memoryGiB <= L.maxMemoryGiB;
    if (!cpuOk) {
      found.push({
        at: 'cpu',
        value: cpu,
        fix: `use ${L.cpuValues.join(', ')}: Cloud Run requires at least ${L.minCpu} vCPU with a GPU and allows at most 8`,
      });
    }
    if (!memoryOk) {
      found.push({
        at: 'memoryGiB',
        value: memoryGiB,
        fix: `use a whole number of GiB from ${L.minMemoryGiB} (Cloud Run's minimum with a GPU) to ${L.maxMemoryGiB}`,
      });
    }
    if (cpuOk && memoryOk && cpu < L.minCpuForMemory(memoryGiB)) {
      found.push({
        at: 'cpu',
        value: cpu,
        fix:
          `Cloud Run needs at least ${L.minCpuForMemory(memoryGiB)} vCPU for ${memoryGiB} GiB (more than 16 GiB ` +
          'needs 6, more than 24 GiB needs 8): raise cpu or lower memoryGiB',
      });
    }
    return found;
  },
});

export interface StartupProbeInput {
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly failureThreshold: number;
}

export const CLOUD_RUN_STARTUP_WINDOW = platformRule<StartupProbeInput>({
  id: 'cloud-run.startup-probe-window',
  platform: 'Cloud Run',
  statement:
    "A service's startup probe must succeed within failureThreshold × periodSeconds ≤ 240 s (jobs allow more; " +
    'services do not)',
  source: 'https://cloud.google.com/run/docs/configuring/healthchecks',
  appliesTo: ['cloud-run-service'],
  synth: true,
  preflight: true,
  check: ({ periodSeconds, failureThreshold }) =>
    unless(
      periodSeconds * failureThreshold <= CLOUD_RUN_GPU_LIMITS.maxStartupProbeWindowSeconds,
      `${failureThreshold} × ${seconds(periodSeconds)} = ${seconds(failureThreshold * periodSeconds)}`,
      `Cloud Run allows a startup probe window of at most ${CLOUD_RUN_GPU_LIMITS.maxStartupProbeWindowSeconds} s; ` +
        'lower modelLoadTimeout (at most 8 minutes with the initial delay)',
    ),
});

export const CLOUD_RUN_STARTUP_INITIAL_DELAY = platformRule<StartupProbeInput>({
  id: 'cloud-run.startup-initial-delay',
  platform: 'Cloud Run',
  statement: "A startup probe's initialDelaySeconds is at most 240",
  source: CLOUD_RUN_V2_PROBE,
  appliesTo: ['cloud-run-service'],
  synth: true,
  preflight: true,
  check: ({ initialDelaySeconds }) =>
    unless(
      initialDelaySeconds >= 0 && initialDelaySeconds <= CLOUD_RUN_GPU_LIMITS.maxStartupInitialDelaySeconds,
      seconds(initialDelaySeconds),
      `Cloud Run allows a startup probe initial delay of 0 to ${CLOUD_RUN_GPU_LIMITS.maxStartupInitialDelaySeconds} s`,
    ),
});

export const CLOUD_RUN_PROBE_TIMEOUT = platformRule<ProbeTiming>({
  id: 'cloud-run.probe-period-covers-timeout',
  platform: 'Cloud Run',
  statement: 'A probe\'s periodSeconds "must be greater or equal than timeout_seconds"',
  source: CLOUD_RUN_V2_PROBE,
  appliesTo: ['cloud-run-service'],
  synth: true,
  preflight: true,
  check: ({ probe, periodSeconds, timeoutSeconds }) =>
    unless(
      timeoutSeconds >= 1 && periodSeconds >= timeoutSeconds,
      `period ${seconds(periodSeconds)}, timeout ${seconds(timeoutSeconds)}`,
      `Cloud Run requires the ${probe} period to be at least its timeout`,
    ),
});

export const CLOUD_RUN_GPU_REGION = platformRule<{ region: string }>({
  id: 'cloud-run.gpu-region',
  platform: 'Cloud Run',
  statement: `Cloud Run L4 GPUs are offered in ${CLOUD_RUN_GPU_REGIONS.join(', ')}`,
  source: CLOUD_RUN_GPU_PAGE,
  appliesTo: ['cloud-run-service'],
  synth: true,
  preflight: true,
  check: ({ region }) =>
    unless(
      (CLOUD_RUN_GPU_REGIONS as readonly string[]).includes(region),
      region,
      `Cloud Run L4 GPUs are offered in ${CLOUD_RUN_GPU_REGIONS.join(', ')} (per the catalog); pick one of those regions`,
    ),
});

export const CLOUD_RUN_REQUEST_TIMEOUT = platformRule<{ seconds: number }>({
  id: 'cloud-run.request-timeout',
  platform: 'Cloud Run',
  statement: 'A service ends a request after its timeout, at most 3600 s',
  source: 'https://cloud.google.com/run/docs/configuring/request-timeout',
  appliesTo: ['cloud-run-service'],
  synth: true,
  preflight: true,
  check: ({ seconds: s }) =>
    unless(
      s >= 1 && s <= CLOUD_RUN_GPU_LIMITS.maxRequestTimeoutSeconds,
      seconds(s),
      `Cloud Run allows a request timeout of at most ${CLOUD_RUN_GPU_LIMITS.maxRequestTimeoutSeconds} s; lower ` +
        'requestTimeout',
    ),
});

/** A service's start window (what its startup probe allows) against the cold start expected of it. */
export interface StartWindowInput {
  /** Initial delay + failure threshold × period, seconds. */
  readonly startWindowSeconds: number;
  /** The estimated cold start of a new instance (image pull, weights, load, warm-up): a ColdStart. */
  readonly coldStart: { readonly minMinutes: number; readonly maxMinutes: number; readonly reason: string };
  /** What to change when the estimate exceeds the window. */
  readonly remedy: string;
}

export const CLOUD_RUN_START_WINDOW = platformRule<StartWindowInput>({
  id: 'cloud-run.start-window',
  platform: 'Cloud Run',
  statement:
    'A new instance must be ready within the startup probe initial delay (≤ 240 s) plus failureThreshold × ' +
    'periodSeconds (≤ 240 s), at most 480 s, else Cloud Run stops it; the estimated cold start should fit in it',
  source: 'https://cloud.google.com/run/docs/configuring/healthchecks',
  unverified: 'the cold start is an estimate (the Hugging Face download rate is not measured)',
  appliesTo: ['cloud-run-service'],
  severity: 'warning',
  synth: true,
  preflight: true,
  check: ({ startWindowSeconds, coldStart, remedy }) =>
    unless(
      coldStart.maxMinutes * 60 <= startWindowSeconds,
      `estimated cold start (${coldStart.minMinutes}–${coldStart.maxMinutes} min: ${coldStart.reason})`,
      `can exceed the ${startWindowSeconds} s start window, after which the platform stops the instance and ` +
        `starts another; ${remedy}`,
    ),
});

/** The execution environment Cloud Storage volumes need. */
export const CLOUD_RUN_GCS_VOLUME_EXECUTION_ENVIRONMENT = 'EXECUTION_ENVIRONMENT_GEN2';

export const CLOUD_RUN_GCS_VOLUME_GEN2 = platformRule<{ gcsVolumes: number; executionEnvironment?: string }>({
  id: 'cloud-run.gcs-volume-gen2',
  platform: 'Cloud Run',
  statement:
    'A Cloud Storage volume (Cloud Storage FUSE) is "only supported in the gen2 execution environment": a service ' +
    'that mounts one sets EXECUTION_ENVIRONMENT_GEN2',
  source: 'https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/resources/cloud_run_v2_service#gcs',
  alsoSee: ['https://cloud.google.com/run/docs/configuring/services/cloud-storage-volume-mounts'],
  appliesTo: ['cloud-run-service'],
  synth: { notChecked: 'no prop controls it: the construct sets the second generation whenever it mounts a bucket' },
  preflight: true,
  check: ({ gcsVolumes, executionEnvironment }) =>
    unless(
      gcsVolumes === 0 || executionEnvironment === CLOUD_RUN_GCS_VOLUME_EXECUTION_ENVIRONMENT,
      `${gcsVolumes} Cloud Storage volume(s) in ${executionEnvironment ?? 'the default execution environment'}`,
      `set execution_environment = "${CLOUD_RUN_GCS_VOLUME_EXECUTION_ENVIRONMENT}"`,
    ),
});

/** Room for the controller, vLLM's CPU side and the image decoding next to downloaded weights, GiB (an estimate). */
export const CLOUD_RUN_PROCESS_MEMORY_GIB = 4;

/** What a Cloud Run instance writes to its filesystem at start, against its memory. */
export interface InMemoryDownloadInput {
  /** GiB written to the filesystem at every start (a Hugging Face download); 0 for a mounted store or the image. */
  readonly downloadGiB: number;
  /** The instance memory, GiB. */
  readonly memoryGiB: number;
  /** Room the processes need next to the files (controller, vLLM's CPU side, image decoding), GiB. */
  readonly processGiB: number;
}

/** Weights downloaded at start fit the instance memory next to the processes (the filesystem is in memory). */
export const CLOUD_RUN_IN_MEMORY_FILESYSTEM = platformRule<InMemoryDownloadInput>({
  id: 'cloud-run.in-memory-filesystem',
  platform: 'Cloud Run',
  statement:
    'The container filesystem "is an in-memory filesystem, so writing to it uses the container instance\'s memory": ' +
    'weights downloaded at start must fit in the instance memory next to the processes',
  source: 'https://cloud.google.com/run/docs/container-contract#filesystem',
  unverified: 'the room the processes need (4 GiB) is an estimate',
  appliesTo: ['cloud-run-service'],
  synth: true,
  preflight: true,
  check: ({ downloadGiB, memoryGiB, processGiB }) => {
    const needed = Math.ceil(downloadGiB + processGiB);
    if (downloadGiB === 0 || memoryGiB >= needed) return [];
    const raise =
      needed <= CLOUD_RUN_GPU_LIMITS.maxMemoryGiB
        ? `use memoryGiB ≥ ${needed} (with cpu ${CLOUD_RUN_GPU_LIMITS.minCpuForMemory(needed)} or more), or stage `
        : `that is more than Cloud Run's ${CLOUD_RUN_GPU_LIMITS.maxMemoryGiB} GiB: stage `;
    return [
      {
        value: `${memoryGiB} GiB`,
        fix:
          `~${downloadGiB.toFixed(1)} GiB of 16-bit weights are downloaded at start into the in-memory filesystem and ` +
          `need about ${needed} GiB with the processes: ${raise}the weights in Cloud Storage (a mounted volume uses ` +
          'no instance memory) or bake them into the image and set baseModel to their directory',
      },
    ];
  },
});
