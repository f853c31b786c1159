import { GPUS, type GpuInstance, type HourlyPrice } from './gpu-catalog';
import { CONTAINER_APPS_GPU_REGION } from './platform-rules/azure';
import { CLOUD_RUN_GPU_LIMITS, CLOUD_RUN_GPU_REGION } from './platform-rules/gcp';

/** How long a request waits when the service has scaled to zero, and why. */
export interface ColdStart {
  readonly minMinutes: number;
  readonly maxMinutes: number;
  readonly reason: string;
}

export function describeColdStart(coldStart: ColdStart | undefined): string {
  if (!coldStart) return 'none: instances stay warm';
  return `${coldStart.minMinutes}–${coldStart.maxMinutes} min from zero (${coldStart.reason})`;
}

/** vLLM itself: weights from cache or the hub, 4-bit quantization in flight, warm-up. */
const MODEL_LOAD = 'model download and load, vLLM warm-up';

export const COLD_STARTS = {
  /** AWS documents ~5 minutes for an instance to join, then the container loads the model. */
  sagemakerInferenceComponent: {
    minMinutes: 6,
    maxMinutes: 15,
    reason: `instance launch (~5 min), image pull, ${MODEL_LOAD}`,
  },
  /** Cloud Run attaches the GPU in ~5 s; the image pull and the model load dominate. */
  cloudRunGpu: { minMinutes: 2, maxMinutes: 8, reason: `GPU attach (~5 s), image pull, ${MODEL_LOAD}` },
  containerAppsGpu: { minMinutes: 3, maxMinutes: 10, reason: `GPU replica start, image pull, ${MODEL_LOAD}` },
} as const satisfies Record<string, ColdStart>;

// ---------------------------------------------------------------------------------------------------------------
// GCP Cloud Run with one NVIDIA L4 per instance (instance-based billing: billed while an instance exists)

/** Cloud Run requires at least 4 vCPU and 16 GiB with an L4 (rule cloud-run.gpu-cpu-memory). */
export const CLOUD_RUN_GPU_MINIMUM = {
  cpu: CLOUD_RUN_GPU_LIMITS.minCpu,
  memoryGiB: CLOUD_RUN_GPU_LIMITS.minMemoryGiB,
} as const;

const CLOUD_RUN_RATES = {
  gpuPerHour: 0.672,
  vcpuPerHour: 0.0864,
  gibPerHour: 0.009,
  source: 'https://cloud.google.com/run/pricing (instance-based billing, tier 1, no zonal redundancy, estimate)',
  asOf: '2026-11',
} as const;

/** A Cloud Run GPU instance of this size, priced per hour while it exists. */
export function cloudRunGpuInstance(cpu: number, memoryGiB: number): GpuInstance {
  const price: HourlyPrice = {
    usdPerHour:
      Math.round(
        (CLOUD_RUN_RATES.gpuPerHour + cpu * CLOUD_RUN_RATES.vcpuPerHour + memoryGiB * CLOUD_RUN_RATES.gibPerHour) *
          10_000,
      ) / 10_000,
    region: 'us-central1',
    source: CLOUD_RUN_RATES.source,
    asOf: CLOUD_RUN_RATES.asOf,
  };
  return {
    cloud: 'gcp',
    instanceType: `cloud-run-${cpu}cpu-${memoryGiB}gi`,
    acceleratorType: 'nvidia-l4',
    gpu: GPUS.L4,
    gpuCount: 1,
    vcpus: cpu,
    memoryGiB,
    localNvme: false,
    price,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Azure Container Apps serverless GPU (per-second billing while a replica runs)

export type ContainerAppsGpuProfile = 'Consumption-GPU-NC8as-T4' | 'Consumption-GPU-NC24-A100';

const ACA_PRICE_SOURCE =
  'https://azure.microsoft.com/pricing/details/container-apps/ (serverless GPU, estimate: list price not verified here)';

export const CONTAINER_APPS_GPU_PROFILES: Readonly<Record<ContainerAppsGpuProfile, GpuInstance>> = {
  'Consumption-GPU-NC8as-T4': {
    cloud: 'azure',
    instanceType: 'Consumption-GPU-NC8as-T4',
    gpu: GPUS.T4,
    gpuCount: 1,
    vcpus: 8,
    memoryGiB: 56,
    localNvme: false,
    price: { usdPerHour: 0.9, region: 'westus3', source: ACA_PRICE_SOURCE, asOf: '2026-11' },
  },
  'Consumption-GPU-NC24-A100': {
    cloud: 'azure',
    instanceType: 'Consumption-GPU-NC24-A100',
    gpu: GPUS.A100_80GB,
    gpuCount: 1,
    vcpus: 24,
    memoryGiB: 220,
    localNvme: false,
    price: { usdPerHour: 4.0, region: 'westus3', source: ACA_PRICE_SOURCE, asOf: '2026-11' },
  },
};

// ---------------------------------------------------------------------------------------------------------------

/** Where a region is known not to offer an on-demand GPU service: the message to show, else undefined. */
export function onDemandRegionProblem(service: 'cloudRunGpu' | 'containerAppsGpu', region: string): string | undefined {
  const rule = service === 'cloudRunGpu' ? CLOUD_RUN_GPU_REGION : CONTAINER_APPS_GPU_REGION;
  return rule.check({ region })[0]?.fix;
}
