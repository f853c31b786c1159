import { VLLM_IMAGE } from '../../../inference-container/src/contract';
import { platformRule, type RuleTarget, type RuleViolation } from './rule';

/**
 * What an NVIDIA driver runs. An image built with CUDA X.Y runs natively on the driver that shipped with X.Y or a
 * newer one, and — by CUDA minor-version compatibility — on any driver of the same CUDA major family from that
 * family's floor, "with limited feature-set" (no JIT of PTX newer than the driver; the pinned image ships SASS for
 * every GPU in the catalog: sm75, sm80, sm86, sm89). Across majors only the forward-compatibility package helps, on
 * data-center GPUs, and SageMaker's newer AMIs disable its mounting.
 */
export const CUDA_MINOR_VERSION_COMPATIBILITY = {
  /** Lowest driver branch per CUDA major (NVIDIA "Minor Version Compatibility", Table 1). */
  minimumDriverByMajor: { 11: 450, 12: 525, 13: 580 } as Readonly<Record<number, number>>,
  source: 'https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html',
} as const;

/** The CUDA the image built from inference-container/ runs on: the pinned vLLM image's. */
export const PINNED_IMAGE_CUDA: string = VLLM_IMAGE.cudaVersion;

/** Sources of the pinned image's CUDA version (see VLLM_IMAGE in the container's contract). */
export const PINNED_IMAGE_CUDA_SOURCE =
  'https://github.com/vllm-project/vllm/pull/39878 (CUDA 13.0 became the default image only from v0.20.0; ' +
  `${VLLM_IMAGE.repository}:v${VLLM_IMAGE.version} is the CUDA 12.9 build, -cu130 the CUDA 13.0 one)`;

export interface CudaVersion {
  readonly major: number;
  readonly minor: number;
}

/** `12.9` → { 12, 9 }; undefined for anything else. */
export function parseCudaVersion(text: string): CudaVersion | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** `12.9` ≤ `13.0`. */
export function compareCuda(a: CudaVersion, b: CudaVersion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

/** A host's driver as a platform documents it. */
export interface HostDriver {
  /** Driver branch, e.g. 550. */
  readonly branch: number;
  /** The CUDA version the driver ships with, e.g. `12.4`. */
  readonly cuda: string;
}

/** How an image's CUDA relates to a driver: 'native', 'minor-version-compatibility', or why it cannot run. */
export type CudaFit =
  | { readonly runs: true; readonly how: 'native' | 'minor-version-compatibility' }
  | { readonly runs: false; readonly why: string };

export function cudaFit(driver: HostDriver, imageCuda: string): CudaFit {
  const image = parseCudaVersion(imageCuda);
  const host = parseCudaVersion(driver.cuda);
  if (!image || !host) return { runs: false, why: `unknown CUDA version ${JSON.stringify(imageCuda)}` };
  if (compareCuda(image, host) <= 0) return { runs: true, how: 'native' };
  const floor = CUDA_MINOR_VERSION_COMPATIBILITY.minimumDriverByMajor[image.major];
  if (image.major === host.major && floor !== undefined && driver.branch >= floor) {
    return { runs: true, how: 'minor-version-compatibility' };
  }
  return {
    runs: false,
    why:
      image.major !== host.major
        ? `CUDA ${image.major}.x needs a driver of the CUDA ${image.major} family (≥ ${floor ?? '?'}); driver ` +
          `${driver.branch} is CUDA ${driver.cuda}`
        : `CUDA ${imageCuda} needs driver ≥ ${floor ?? '?'} even with minor-version compatibility`,
  };
}

/** Input of the driver rules: the host's driver, the image's CUDA, and where to change either. */
export interface DriverFitInput {
  readonly driver: HostDriver;
  readonly imageCuda: string;
  /** How the host is described in the message, e.g. `AMI al2-ami-sagemaker-inference-gpu-3-1`. */
  readonly host: string;
  /** What to change, platform by platform. */
  readonly remedy: string;
}

function driverFit(input: DriverFitInput): RuleViolation[] {
  const fit = cudaFit(input.driver, input.imageCuda);
  if (fit.runs) return [];
  return [
    {
      value: `${input.host} (driver ${input.driver.branch}, CUDA ${input.driver.cuda}) for an image built with CUDA ${input.imageCuda}`,
      fix: `${fit.why}, so the container dies at start; ${input.remedy}`,
    },
  ];
}

/** The generic rule, specialized per platform below so each carries its own driver source. */
function driverRule(
  id: string,
  platform: 'SageMaker' | 'Cloud Run',
  appliesTo: RuleTarget[],
  statement: string,
  source: string,
) {
  return platformRule<DriverFitInput>({
    id,
    platform,
    statement,
    source,
    alsoSee: [CUDA_MINOR_VERSION_COMPATIBILITY.source, PINNED_IMAGE_CUDA_SOURCE],
    appliesTo,
    synth: true,
    preflight: true,
    check: driverFit,
  });
}

/** SageMaker: the AMI's driver (InferenceAmiVersion) must run the image's CUDA. */
export const SAGEMAKER_DRIVER_RUNS_IMAGE = driverRule(
  'sagemaker.ami-driver-runs-image',
  'SageMaker',
  ['sagemaker-endpoint', 'sagemaker-inference-component'],
  "The inference AMI's NVIDIA driver runs the image's CUDA (natively, or by minor-version compatibility within " +
    'the same CUDA major)',
  'https://docs.aws.amazon.com/sagemaker/latest/dg/inference-gpu-drivers.html',
);

/** Cloud Run's L4 driver, as the GPU page states it. */
export const CLOUD_RUN_L4_DRIVER: HostDriver & { readonly version: string; readonly source: string } = {
  branch: 535,
  version: '535.216.03',
  cuda: '12.2',
  source: 'https://cloud.google.com/run/docs/configuring/services/gpu',
};

/** Cloud Run: the preinstalled L4 driver must run the image's CUDA. */
export const CLOUD_RUN_DRIVER_RUNS_IMAGE = driverRule(
  'cloud-run.driver-runs-image',
  'Cloud Run',
  ['cloud-run-service'],
  `Cloud Run's preinstalled L4 driver (${CLOUD_RUN_L4_DRIVER.version}, CUDA ${CLOUD_RUN_L4_DRIVER.cuda}) runs ` +
    "the image's CUDA: CUDA 12.x by minor-version compatibility, CUDA 13 only with the forward-compatibility " +
    "package (vLLM's image leaves it off: VLLM_ENABLE_CUDA_COMPATIBILITY)",
  CLOUD_RUN_L4_DRIVER.source,
);

/**
 * Platforms whose GPU driver no page states, so no rule checks the image's CUDA against it (listed by preflight
 * and the infra review as not checked). Vertex AI and Azure run the image on hosts they manage; an image whose CUDA
 * needs a newer driver fails at start there too, seen only in the container's log.
 */
export const GPU_DRIVERS_NOT_STATED: ReadonlyArray<{ readonly platform: string; readonly consulted: string }> = [
  {
    platform: 'Vertex AI (prediction nodes)',
    consulted: 'https://cloud.google.com/vertex-ai/docs/predictions/use-custom-container',
  },
  {
    platform: 'Azure ML managed online endpoints',
    consulted: 'https://learn.microsoft.com/azure/machine-learning/how-to-deploy-custom-container',
  },
  {
    platform: 'Azure Container Apps serverless GPU',
    consulted: 'https://learn.microsoft.com/azure/container-apps/gpu-serverless-overview',
  },
];
