/**
 * The GPUs and machines this library deploys to, on each cloud, with the facts sizing and cost depend on.
 * Prices are on-demand list-price estimates for one region; each carries its source and the date it was read.
 * They are for comparing options and budgeting, not billing: check the cloud's pricing page before committing.
 */

export type Cloud = 'aws' | 'gcp' | 'azure';

/** The cloud alone; each deployment summary names its service (SageMaker, Vertex AI, Cloud Run, …) itself. */
export const CLOUD_NAMES: Record<Cloud, string> = {
  aws: 'AWS',
  gcp: 'GCP',
  azure: 'Azure',
};

export interface GpuModel {
  readonly name: 'A10G' | 'T4' | 'L4' | 'A100';
  /** Memory as nvidia-smi reports it (`memory.total`), MiB. */
  readonly memoryMiB: number;
  /** The marketed size, e.g. 24 for a "24 GB" card, for messages. */
  readonly marketedGb: number;
  readonly computeCapability: number;
  /** bf16 needs compute capability ≥ 8.0; below it the container serves fp16. */
  readonly bf16: boolean;
}

export const GPUS = {
  A10G: { name: 'A10G', memoryMiB: 23028, marketedGb: 24, computeCapability: 8.6, bf16: true },
  T4: { name: 'T4', memoryMiB: 15360, marketedGb: 16, computeCapability: 7.5, bf16: false },
  L4: { name: 'L4', memoryMiB: 23034, marketedGb: 24, computeCapability: 8.9, bf16: true },
  A100_40GB: { name: 'A100', memoryMiB: 40960, marketedGb: 40, computeCapability: 8.0, bf16: true },
  A100_80GB: { name: 'A100', memoryMiB: 81920, marketedGb: 80, computeCapability: 8.0, bf16: true },
} as const satisfies Record<string, GpuModel>;

export interface HourlyPrice {
  /** Estimated on-demand price of one instance for one hour, USD. */
  readonly usdPerHour: number;
  readonly region: string;
  readonly source: string;
  /** When the price was read, YYYY-MM. */
  readonly asOf: string;
}

/** One GPU machine, resolved: what a deployment runs on. */
export interface GpuInstance {
  readonly cloud: Cloud;
  /** ml.g5.xlarge, g2-standard-8, Standard_NC4as_T4_v3. */
  readonly instanceType: string;
  /** GCP only: the Vertex/Compute accelerator type, e.g. NVIDIA_L4. */
  readonly acceleratorType?: string;
  readonly gpu: GpuModel;
  readonly gpuCount: number;
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** Local NVMe instance storage (on SageMaker this rules out VolumeSizeInGB and an endpoint-config KMS key). */
  readonly localNvme: boolean;
  readonly price: HourlyPrice;
}

export type Lookup<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

// ---------------------------------------------------------------------------------------------------------------
// AWS SageMaker real-time inference

export type AwsInstanceType = 'ml.g5.xlarge' | 'ml.g4dn.xlarge' | 'ml.p4d.24xlarge';

const AWS_PRICE_SOURCE = 'https://aws.amazon.com/sagemaker/pricing/ (real-time inference, us-east-1, estimate)';

export const AWS_INSTANCES: Readonly<Record<AwsInstanceType, GpuInstance>> = {
  'ml.g5.xlarge': {
    cloud: 'aws',
    instanceType: 'ml.g5.xlarge',
    gpu: GPUS.A10G,
    gpuCount: 1,
    vcpus: 4,
    memoryGiB: 16,
    localNvme: true,
    price: { usdPerHour: 1.408, region: 'us-east-1', source: AWS_PRICE_SOURCE, asOf: '2025-10' },
  },
  'ml.g4dn.xlarge': {
    cloud: 'aws',
    instanceType: 'ml.g4dn.xlarge',
    gpu: GPUS.T4,
    gpuCount: 1,
    vcpus: 4,
    memoryGiB: 16,
    localNvme: true,
    price: { usdPerHour: 0.736, region: 'us-east-1', source: AWS_PRICE_SOURCE, asOf: '2025-10' },
  },
  'ml.p4d.24xlarge': {
    cloud: 'aws',
    instanceType: 'ml.p4d.24xlarge',
    gpu: GPUS.A100_40GB,
    gpuCount: 8,
    vcpus: 96,
    memoryGiB: 1152,
    localNvme: true,
    price: { usdPerHour: 37.688, region: 'us-east-1', source: AWS_PRICE_SOURCE, asOf: '2025-10' },
  },
};

export const DEFAULT_AWS_INSTANCE_TYPE: AwsInstanceType = 'ml.g5.xlarge';

export function awsInstance(instanceType: string): Lookup<GpuInstance> {
  const found = (AWS_INSTANCES as Record<string, GpuInstance>)[instanceType];
  if (found) return { ok: true, value: found };
  return {
    ok: false,
    problem: `unknown SageMaker GPU instance type; use one of ${Object.keys(AWS_INSTANCES).join(', ')}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// GCP Vertex AI: a machine type plus an accelerator that can attach to it

export type GcpMachineType = 'g2-standard-8' | 'n1-standard-8' | 'a2-highgpu-1g';
export type GcpAcceleratorType = 'NVIDIA_L4' | 'NVIDIA_TESLA_T4' | 'NVIDIA_TESLA_A100';

/** A GCP machine type: its size, price and the accelerators it takes. */
export interface GcpMachine {
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly usdPerHour: number;
  /** Accelerators this machine family can take, and how many. */
  readonly accelerators: Partial<Record<GcpAcceleratorType, readonly number[]>>;
}

const GCP_PRICE_SOURCE = 'https://cloud.google.com/vertex-ai/pricing (prediction, us-central1, estimate)';
const GCP_PRICE_AS_OF = '2026-11';

/** Machine-family facts: https://cloud.google.com/compute/docs/gpus ("L4 … must use a G2 machine type"). */
export const GCP_MACHINES: Readonly<Record<GcpMachineType, GcpMachine>> = {
  'g2-standard-8': { vcpus: 8, memoryGiB: 32, usdPerHour: 0.0, accelerators: { NVIDIA_L4: [1] } },
  'n1-standard-8': { vcpus: 8, memoryGiB: 30, usdPerHour: 0.4375, accelerators: { NVIDIA_TESLA_T4: [1, 2, 4] } },
  'a2-highgpu-1g': { vcpus: 12, memoryGiB: 85, usdPerHour: 0.0, accelerators: { NVIDIA_TESLA_A100: [1] } },
};

/** Per-GPU price; on G2 and A2 the GPU is priced into the machine bundle, so the whole price sits here. */
const GCP_ACCELERATORS: Readonly<Record<GcpAcceleratorType, { gpu: GpuModel; usdPerHour: number }>> = {
  NVIDIA_L4: { gpu: GPUS.L4, usdPerHour: 0.9816 },
  NVIDIA_TESLA_T4: { gpu: GPUS.T4, usdPerHour: 0.4025 },
  NVIDIA_TESLA_A100: { gpu: GPUS.A100_40GB, usdPerHour: 4.2245 },
};

export const DEFAULT_GCP_MACHINE_TYPE: GcpMachineType = 'g2-standard-8';
export const DEFAULT_GCP_ACCELERATOR: Readonly<Record<GcpMachineType, GcpAcceleratorType>> = {
  'g2-standard-8': 'NVIDIA_L4',
  'n1-standard-8': 'NVIDIA_TESLA_T4',
  'a2-highgpu-1g': 'NVIDIA_TESLA_A100',
};

/** Machine types that take the given accelerator, for messages that name the fix. */
export function gcpMachinesFor(acceleratorType: string): GcpMachineType[] {
  return (Object.keys(GCP_MACHINES) as GcpMachineType[]).filter(
    (m) => GCP_MACHINES[m].accelerators[acceleratorType as GcpAcceleratorType] !== undefined,
  );
}

/**
 * Which part of a GCP machine spec is wrong: an unknown machine or accelerator, an accelerator that does not attach
 * to the machine (rule gce.accelerator-machine), or a count the machine does not take.
 */
export type GcpMachineProblem = 'machineType' | 'acceleratorType' | 'attachment' | 'acceleratorCount';

export function gcpMachine(
  machineType: string,
  acceleratorType: string = DEFAULT_GCP_ACCELERATOR[machineType as GcpMachineType] ?? '',
  acceleratorCount = 1,
): Lookup<GpuInstance> & { readonly part?: GcpMachineProblem } {
  const fail = (part: GcpMachineProblem, problem: string) => ({ ok: false as const, part, problem });
  const machine = (GCP_MACHINES as Record<string, GcpMachine>)[machineType];
  if (!machine) {
    return fail(
      'machineType',
      `unknown Vertex AI GPU machine type; use one of ${Object.keys(GCP_MACHINES).join(', ')}`,
    );
  }
  const accelerator = (GCP_ACCELERATORS as Record<string, { gpu: GpuModel; usdPerHour: number }>)[acceleratorType];
  if (!accelerator) {
    return fail(
      'acceleratorType',
      `unknown accelerator type ${JSON.stringify(acceleratorType)}; use one of ${Object.keys(GCP_ACCELERATORS).join(', ')}`,
    );
  }
  const counts = machine.accelerators[acceleratorType as GcpAcceleratorType];
  if (!counts) {
    const fits = gcpMachinesFor(acceleratorType);
    return fail(
      'attachment',
      `${acceleratorType} cannot attach to ${machineType}; ${acceleratorType} attaches only to ${fits.join(', ')}` +
        ` (e.g. machineType: '${fits[0]}', acceleratorType: '${acceleratorType}')`,
    );
  }
  if (!counts.includes(acceleratorCount)) {
    return fail(
      'acceleratorCount',
      `${machineType} takes ${counts.join(' or ')} × ${acceleratorType}, not ${acceleratorCount}`,
    );
  }
  return {
    ok: true,
    value: {
      cloud: 'gcp',
      instanceType: machineType,
      acceleratorType,
      gpu: accelerator.gpu,
      gpuCount: acceleratorCount,
      vcpus: machine.vcpus,
      memoryGiB: machine.memoryGiB,
      localNvme: false,
      price: {
        usdPerHour: round(machine.usdPerHour + accelerator.usdPerHour * acceleratorCount, 4),
        region: 'us-central1',
        source: GCP_PRICE_SOURCE,
        asOf: GCP_PRICE_AS_OF,
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Azure ML managed online endpoints

export type AzureInstanceType = 'Standard_NC4as_T4_v3' | 'Standard_NC24ads_A100_v4';

const AZURE_PRICE_SOURCE =
  'https://azure.microsoft.com/pricing/details/virtual-machines/linux/ (pay-as-you-go, East US, estimate)';

export const AZURE_INSTANCES: Readonly<Record<AzureInstanceType, GpuInstance>> = {
  Standard_NC4as_T4_v3: {
    cloud: 'azure',
    instanceType: 'Standard_NC4as_T4_v3',
    gpu: GPUS.T4,
    gpuCount: 1,
    vcpus: 4,
    memoryGiB: 28,
    localNvme: false,
    price: { usdPerHour: 0.526, region: 'eastus', source: AZURE_PRICE_SOURCE, asOf: '2026-11' },
  },
  Standard_NC24ads_A100_v4: {
    cloud: 'azure',
    instanceType: 'Standard_NC24ads_A100_v4',
    gpu: GPUS.A100_80GB,
    gpuCount: 1,
    vcpus: 24,
    memoryGiB: 220,
    localNvme: true,
    price: { usdPerHour: 3.673, region: 'eastus', source: AZURE_PRICE_SOURCE, asOf: '2026-11' },
  },
};

export const DEFAULT_AZURE_INSTANCE_TYPE: AzureInstanceType = 'Standard_NC4as_T4_v3';

export function azureInstance(instanceType: string): Lookup<GpuInstance> {
  const found = (AZURE_INSTANCES as Record<string, GpuInstance>)[instanceType];
  if (found) return { ok: true, value: found };
  return {
    ok: false,
    problem: `unknown Azure ML GPU instance type; use one of ${Object.keys(AZURE_INSTANCES).join(', ')}`,
  };
}

/** Every instance of a cloud in the catalog (for GCP, each machine with its default accelerator). */
export function catalogInstances(cloud: Cloud): GpuInstance[] {
  switch (cloud) {
    case 'aws':
      return Object.values(AWS_INSTANCES);
    case 'azure':
      return Object.values(AZURE_INSTANCES);
    case 'gcp':
      return (Object.keys(GCP_MACHINES) as GcpMachineType[]).map((m) => {
        const found = gcpMachine(m);
        if (found.ok) return found.value;
        throw new Error(found.problem);
      });
  }
}

export function describeInstance(instance: GpuInstance): string {
  const accel = instance.acceleratorType ? ` + ${instance.acceleratorType}` : '';
  const gpus = instance.gpuCount > 1 ? `${instance.gpuCount}× ` : '';
  return `${instance.instanceType}${accel} (${gpus}${instance.gpu.name} ${instance.gpu.marketedGb} GB)`;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
