import { cudaFit, PINNED_IMAGE_CUDA, type HostDriver } from './cuda';
import { platformRule, seconds, unless, type RuleTarget, type RuleViolation } from './rule';

const BOTH: RuleTarget[] = ['sagemaker-endpoint', 'sagemaker-inference-component'];
const API_PRODUCTION_VARIANT = 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html';
const GPU_DRIVERS_PAGE = 'https://docs.aws.amazon.com/sagemaker/latest/dg/inference-gpu-drivers.html';

/** The instance family, e.g. `ml.g5` for `ml.g5.xlarge`. */
export function sagemakerInstanceFamily(instanceType: string): string {
  return instanceType.split('.').slice(0, 2).join('.');
}

/** One SageMaker inference AMI (ProductionVariant.InferenceAmiVersion), with the driver it carries. */
export interface SageMakerInferenceAmi {
  readonly version: string;
  readonly accelerator: 'nvidia' | 'neuron';
  /** NVIDIA driver branch and its CUDA version (GPU AMIs). */
  readonly driver?: HostDriver;
  /** Whether the NVIDIA Container Toolkit mounts the image's CUDA forward-compatibility libraries. */
  readonly cudaCompatMounting?: boolean;
  /** Instance families the AMI runs on, as far as a source states them. */
  readonly instanceFamilies: readonly string[];
  /** Where the families come from; "unverified" when only samples show them. */
  readonly instanceFamiliesSource: string;
}

/**
 * The AMIs SageMaker real-time inference accepts as InferenceAmiVersion, with their drivers. Values and drivers:
 * the ProductionVariant API reference (its current Smithy model lists al2023-ami-sagemaker-inference-gpu-4-1; the
 * Kotlin/Java SDK docs still stop at gpu-3-1). CloudFormation and aws-cdk-lib 2.276 type the property as a plain
 * string, so CloudFormation passes any of these through to the API.
 */
export const SAGEMAKER_INFERENCE_AMIS: Readonly<Record<string, SageMakerInferenceAmi>> = {
  'al2-ami-sagemaker-inference-gpu-2': {
    version: 'al2-ami-sagemaker-inference-gpu-2',
    accelerator: 'nvidia',
    driver: { branch: 535, cuda: '12.2' },
    cudaCompatMounting: true,
    instanceFamilies: ['ml.g4dn', 'ml.g5', 'ml.g6', 'ml.p3', 'ml.p4d', 'ml.p4de', 'ml.p5'],
    instanceFamiliesSource: `${API_PRODUCTION_VARIANT} (API model of 2025-02, aws/sagemaker-core PR #245)`,
  },
  'al2-ami-sagemaker-inference-gpu-2-1': {
    version: 'al2-ami-sagemaker-inference-gpu-2-1',
    accelerator: 'nvidia',
    driver: { branch: 535, cuda: '12.2' },
    cudaCompatMounting: false,
    instanceFamilies: ['ml.g4dn', 'ml.g5', 'ml.g6', 'ml.p3', 'ml.p4d', 'ml.p4de', 'ml.p5'],
    instanceFamiliesSource: 'unverified: assumed the same as al2-ami-sagemaker-inference-gpu-2 (same driver)',
  },
  'al2-ami-sagemaker-inference-gpu-3-1': {
    version: 'al2-ami-sagemaker-inference-gpu-3-1',
    accelerator: 'nvidia',
    driver: { branch: 550, cuda: '12.4' },
    cudaCompatMounting: false,
    instanceFamilies: ['ml.g4dn', 'ml.g5', 'ml.g6', 'ml.g6e', 'ml.p4d', 'ml.p4de', 'ml.p5', 'ml.p5e', 'ml.p5en'],
    instanceFamiliesSource: `unverified: AWS samples deploy it on ml.g4dn and ml.g5; ${GPU_DRIVERS_PAGE}`,
  },
  'al2023-ami-sagemaker-inference-gpu-4-1': {
    version: 'al2023-ami-sagemaker-inference-gpu-4-1',
    accelerator: 'nvidia',
    driver: { branch: 580, cuda: '13.0' },
    cudaCompatMounting: false,
    instanceFamilies: ['ml.g4dn', 'ml.g5', 'ml.g6', 'ml.g6e', 'ml.p4d', 'ml.p4de', 'ml.p5', 'ml.p5e', 'ml.p5en'],
    instanceFamiliesSource:
      'unverified: the AMI-for-instance map of the AutoGluon SageMaker image helper; AWS samples deploy it on ' +
      'ml.g5 and ml.g6',
  },
  'al2-ami-sagemaker-inference-neuron-2': {
    version: 'al2-ami-sagemaker-inference-neuron-2',
    accelerator: 'neuron',
    instanceFamilies: ['ml.inf2', 'ml.trn1'],
    instanceFamiliesSource: `${API_PRODUCTION_VARIANT} ("Accelerator: Inferentia2 and Trainium")`,
  },
};

/**
 * The driver of a GPU production variant without InferenceAmiVersion, on ml.g4dn, ml.g5 and ml.p4d: SageMaker
 * applies no AMI override by itself (inference-gpu-drivers: "Real-time … 470 / CUDA 11.4 … ml.p4d.*, ml.p4de.*,
 * ml.g4dn.*, ml.g5.*").
 */
export const SAGEMAKER_DEFAULT_GPU_DRIVER: HostDriver = { branch: 470, cuda: '11.4' };

/**
 * The AMI every production variant gets unless the inferenceAmiVersion prop says otherwise: driver 580 / CUDA 13.0
 * runs the pinned CUDA 12.9 image natively (al2-ami-sagemaker-inference-gpu-3-1, driver 550 / CUDA 12.4, runs it
 * only by minor-version compatibility) and also runs the image's CUDA 13.0 variant.
 */
export const DEFAULT_SAGEMAKER_INFERENCE_AMI = 'al2023-ami-sagemaker-inference-gpu-4-1';

/** SageMaker's limits on a production variant and its container, with their sources. */
export const SAGEMAKER_LIMITS = {
  /** ContainerStartupHealthCheckTimeoutInSeconds and ModelDataDownloadTimeoutInSeconds. */
  minTimeoutSeconds: 60,
  maxTimeoutSeconds: 3600,
  maxEnvironmentEntries: 100,
  /** Per key and per value. */
  maxEnvironmentEntryBytes: 1024,
  maxEnvironmentTotalBytes: 32 * 1024,
  minVolumeSizeGb: 1,
  maxVolumeSizeGb: 512,
  endpointName: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/,
  inferenceComponentName: /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/,
  /** InvokeEndpoint ends every real-time invocation at 60 s. */
  invocationTimeoutSeconds: 60,
} as const;

export const SAGEMAKER_STARTUP_TIMEOUTS = platformRule<{ seconds: number }>({
  id: 'sagemaker.startup-timeouts',
  platform: 'SageMaker',
  statement:
    'ContainerStartupHealthCheckTimeoutInSeconds and ModelDataDownloadTimeoutInSeconds are whole seconds from 60 ' +
    'to 3600',
  source: API_PRODUCTION_VARIANT,
  appliesTo: BOTH,
  synth: true,
  preflight: true,
  check: ({ seconds: s }) => {
    const { minTimeoutSeconds: min, maxTimeoutSeconds: max } = SAGEMAKER_LIMITS;
    return unless(
      Number.isInteger(s) && s >= min && s <= max,
      seconds(s),
      `SageMaker accepts ${min}–${max} s; vLLM needs 15–30 minutes to download, load and warm up the model, ` +
        'e.g. Duration.minutes(30)',
    );
  },
});

export interface SageMakerStorageInput {
  readonly instanceType: string;
  readonly localNvme: boolean;
  readonly volumeSizeGb?: number;
  readonly kmsKey: boolean;
}

const nvmeText = (family: string) =>
  `${family} instances have local NVMe instance storage, which is hardware-encrypted (XTS-AES-256) and sized by ` +
  'the instance';

export const SAGEMAKER_NVME_NO_VOLUME_SIZE = platformRule<SageMakerStorageInput>({
  id: 'sagemaker.nvme-no-volume-size',
  platform: 'SageMaker',
  statement: 'VolumeSizeInGB is rejected on instance types with local NVMe storage (ml.g4dn, ml.g5, ml.p4d)',
  source: 'https://docs.aws.amazon.com/sagemaker/latest/dg/model-train-storage-tips-considerations.html',
  // aws/sagemaker-python-sdk src/sagemaker/utils.py volume_size_supported (the families with instance storage).
  alsoSee: ['https://github.com/aws/sagemaker-python-sdk/pull/4828'],
  appliesTo: BOTH,
  synth: true,
  preflight: true,
  check: ({ instanceType, localNvme, volumeSizeGb }) => {
    const family = sagemakerInstanceFamily(instanceType);
    return unless(
      volumeSizeGb === undefined || !localNvme,
      `${volumeSizeGb} GiB`,
      `${nvmeText(family)}; SageMaker rejects VolumeSizeInGB for ${family}. Leave volumeSize out`,
    );
  },
});

export const SAGEMAKER_VOLUME_SIZE_RANGE = platformRule<SageMakerStorageInput>({
  id: 'sagemaker.volume-size-range',
  platform: 'SageMaker',
  statement: 'VolumeSizeInGB is a whole number of GB from 1 to 512',
  source: API_PRODUCTION_VARIANT,
  appliesTo: BOTH,
  synth: true,
  preflight: true,
  check: ({ volumeSizeGb: v, localNvme }) => {
    const { minVolumeSizeGb: min, maxVolumeSizeGb: max } = SAGEMAKER_LIMITS;
    return unless(
      v === undefined || localNvme || (Number.isInteger(v) && v >= min && v <= max),
      `${v} GiB`,
      `use a whole number of GiB from ${min} to ${max}`,
    );
  },
});

export const SAGEMAKER_NVME_NO_KMS_KEY = platformRule<SageMakerStorageInput>({
  id: 'sagemaker.nvme-no-kms-key',
  platform: 'SageMaker',
  statement: 'CreateEndpointConfig fails when KmsKeyId is set for an instance type with local NVMe storage',
  source: 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html',
  appliesTo: BOTH,
  synth: true,
  preflight: true,
  check: ({ instanceType, localNvme, kmsKey }) => {
    const family = sagemakerInstanceFamily(instanceType);
    return unless(
      !(kmsKey && localNvme),
      'a KMS key',
      `${nvmeText(family)}; CreateEndpointConfig fails when KmsKeyId is set for ${family}. Leave encryptionKey out`,
    );
  },
});

export const SAGEMAKER_ENVIRONMENT_LIMITS = platformRule<{ environment: Readonly<Record<string, string | undefined>> }>(
  {
    id: 'sagemaker.environment-limits',
    platform: 'SageMaker',
    statement: 'A container has at most 100 environment variables, 1024 bytes per name and per value, 32 KB in total',
    source: 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html',
    appliesTo: BOTH,
    synth: true,
    preflight: true,
    check: ({ environment }) => {
      const { maxEnvironmentEntries, maxEnvironmentEntryBytes, maxEnvironmentTotalBytes } = SAGEMAKER_LIMITS;
      const found: RuleViolation[] = [];
      const entries = Object.entries(environment);
      if (entries.length > maxEnvironmentEntries) {
        found.push({
          value: `${entries.length} variables (with the ones this construct sets)`,
          fix: `SageMaker allows at most ${maxEnvironmentEntries}; pass fewer extra variables`,
        });
      }
      let total = 0;
      for (const [key, value] of entries) {
        const keyBytes = Buffer.byteLength(key);
        // A value only known at deploy time (undefined here) counts as empty.
        const valueBytes = value === undefined ? 0 : Buffer.byteLength(value);
        total += keyBytes + valueBytes;
        if (keyBytes > maxEnvironmentEntryBytes) {
          found.push({
            at: `${key.slice(0, 40)}…`,
            value: `a ${keyBytes}-byte name`,
            fix: 'names may have at most 1 KB',
          });
        }
        if (valueBytes > maxEnvironmentEntryBytes) {
          found.push({
            at: key,
            value: `a ${valueBytes}-byte value`,
            fix:
              `SageMaker allows at most ${maxEnvironmentEntryBytes} bytes per value; put large values in S3 or ` +
              'Secrets Manager and pass their location',
          });
        }
      }
      if (total > maxEnvironmentTotalBytes) {
        found.push({ value: `${total} bytes in total`, fix: `SageMaker allows at most ${maxEnvironmentTotalBytes}` });
      }
      return found;
    },
  },
);

export const SAGEMAKER_ENDPOINT_NAME = platformRule<{ name: string }>({
  id: 'sagemaker.endpoint-name',
  platform: 'SageMaker',
  statement: 'An endpoint name is 1–63 letters, digits and hyphens, starting and ending with a letter or digit',
  source: 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html',
  appliesTo: BOTH,
  synth: true,
  preflight: true,
  check: ({ name }) =>
    unless(
      SAGEMAKER_LIMITS.endpointName.test(name),
      name,
      'use 1–63 letters, digits and hyphens, starting and ending with a letter or digit',
    ),
});

export const SAGEMAKER_INFERENCE_COMPONENT_NAME = platformRule<{ name: string }>({
  id: 'sagemaker.inference-component-name',
  platform: 'SageMaker',
  statement:
    'An inference component name is 1–63 letters, digits and hyphens, starting and ending with one of the first two',
  source: 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html',
  appliesTo: ['sagemaker-inference-component'],
  synth: true,
  preflight: true,
  check: ({ name }) =>
    unless(
      SAGEMAKER_LIMITS.inferenceComponentName.test(name),
      name,
      'use 1–63 letters, digits and hyphens, starting and ending with a letter or digit',
    ),
});

export const SAGEMAKER_INVOCATION_TIMEOUT = platformRule<{ requestTimeoutMs: number }>({
  id: 'sagemaker.invocation-timeout',
  platform: 'SageMaker',
  statement:
    "InvokeEndpoint ends a real-time invocation at 60 s: the container's detection deadline (REQUEST_TIMEOUT_MS) " +
    'ends before that, so its own 504 reaches the caller',
  source: 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html',
  appliesTo: BOTH,
  synth: true,
  preflight: true,
  check: ({ requestTimeoutMs }) =>
    unless(
      requestTimeoutMs >= 1000 && requestTimeoutMs < SAGEMAKER_LIMITS.invocationTimeoutSeconds * 1000,
      `${requestTimeoutMs / 1000} s`,
      `use 1 s to ${SAGEMAKER_LIMITS.invocationTimeoutSeconds - 1} s: SageMaker ends every invocation at ` +
        `${SAGEMAKER_LIMITS.invocationTimeoutSeconds} s`,
    ),
});

export interface InferenceAmiInput {
  /** undefined: the variant names none (SageMaker's default AMI). */
  readonly inferenceAmiVersion?: string;
  readonly instanceType: string;
}

const amiChoices = (): string =>
  Object.values(SAGEMAKER_INFERENCE_AMIS)
    .filter((a) => a.accelerator === 'nvidia')
    .map((a) => `'${a.version}' (driver ${a.driver?.branch}, CUDA ${a.driver?.cuda})`)
    .join(', ');

export const SAGEMAKER_INFERENCE_AMI_SET = platformRule<InferenceAmiInput>({
  id: 'sagemaker.inference-ami-set',
  platform: 'SageMaker',
  statement:
    'A GPU production variant names InferenceAmiVersion: without it ml.g4dn, ml.g5 and ml.p4d run driver 470 / ' +
    'CUDA 11.4, and SageMaker applies no AMI override by itself',
  source: GPU_DRIVERS_PAGE,
  appliesTo: BOTH,
  synth: true,
  preflight: true,
  check: ({ inferenceAmiVersion, instanceType }) =>
    unless(
      inferenceAmiVersion !== undefined,
      `none (SageMaker's default for ${sagemakerInstanceFamily(instanceType)}: driver ` +
        `${SAGEMAKER_DEFAULT_GPU_DRIVER.branch}, CUDA ${SAGEMAKER_DEFAULT_GPU_DRIVER.cuda})`,
      `set InferenceAmiVersion (the inferenceAmiVersion prop) to an AMI whose driver runs CUDA ${PINNED_IMAGE_CUDA}, ` +
        `e.g. '${DEFAULT_SAGEMAKER_INFERENCE_AMI}'`,
    ),
});

export const SAGEMAKER_INFERENCE_AMI_ACCEPTED = platformRule<InferenceAmiInput>({
  id: 'sagemaker.inference-ami-accepted',
  platform: 'SageMaker',
  statement: 'InferenceAmiVersion is one of the AMI versions the SageMaker API accepts',
  source: API_PRODUCTION_VARIANT,
  appliesTo: BOTH,
  synth: true,
  preflight: true,
  check: ({ inferenceAmiVersion }) =>
    unless(
      inferenceAmiVersion === undefined ||
        Object.prototype.hasOwnProperty.call(SAGEMAKER_INFERENCE_AMIS, inferenceAmiVersion),
      String(inferenceAmiVersion),
      `use one of ${amiChoices()}`,
    ),
});

export const SAGEMAKER_INFERENCE_AMI_INSTANCE = platformRule<InferenceAmiInput>({
  id: 'sagemaker.inference-ami-instance',
  platform: 'SageMaker',
  statement: "The inference AMI runs on the variant's instance family (GPU AMIs on GPU instances)",
  source: API_PRODUCTION_VARIANT,
  alsoSee: [GPU_DRIVERS_PAGE],
  unverified:
    'per-family lists of al2-ami-sagemaker-inference-gpu-2-1, gpu-3-1 and al2023-ami-sagemaker-inference-gpu-4-1 ' +
    '(the docs table could not be read; taken from AWS samples)',
  appliesTo: BOTH,
  synth: true,
  preflight: true,
  check: ({ inferenceAmiVersion, instanceType }) => {
    const ami = inferenceAmiVersion === undefined ? undefined : SAGEMAKER_INFERENCE_AMIS[inferenceAmiVersion];
    if (!ami) return [];
    const family = sagemakerInstanceFamily(instanceType);
    return unless(
      ami.instanceFamilies.includes(family),
      `${ami.version} on ${instanceType}`,
      `${ami.version} runs on ${ami.instanceFamilies.join(', ')} (${ami.instanceFamiliesSource}); for ${family} ` +
        `use '${DEFAULT_SAGEMAKER_INFERENCE_AMI}'`,
    );
  },
});

/** The driver a variant runs: its AMI's, or SageMaker's default. */
export function sagemakerDriver(inferenceAmiVersion: string | undefined): HostDriver | undefined {
  if (inferenceAmiVersion === undefined) return SAGEMAKER_DEFAULT_GPU_DRIVER;
  return SAGEMAKER_INFERENCE_AMIS[inferenceAmiVersion]?.driver;
}

/** What to change when a SageMaker host cannot run an image's CUDA: the AMIs whose driver does. */
export function sagemakerDriverRemedy(imageCuda: string): string {
  const fits = Object.values(SAGEMAKER_INFERENCE_AMIS).filter((a) => a.driver && cudaFit(a.driver, imageCuda).runs);
  return fits.length > 0
    ? `set inferenceAmiVersion to ${fits.map((a) => `'${a.version}'`).join(' or ')}`
    : `no SageMaker inference AMI runs CUDA ${imageCuda}: build the image on a vLLM image of an older CUDA`;
}
