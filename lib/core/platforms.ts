import { DEFAULTS } from '../../inference-container/src/contract';
import { AWS_INSTANCES, AZURE_INSTANCES, catalogInstances, type GpuInstance } from './gpu-catalog';
import { CONTAINER_APPS_GPU_PROFILES } from './on-demand';
import { AZURE_LIMITS, AZURE_ML_REQUEST_TIMEOUT } from './platform-rules/azure';
import {
  CLOUD_RUN_GPU_LIMITS,
  CLOUD_RUN_REQUEST_TIMEOUT,
  VERTEX_INFERENCE_TIMEOUT,
  VERTEX_LIMITS,
} from './platform-rules/gcp';
import { SAGEMAKER_INVOCATION_TIMEOUT, SAGEMAKER_LIMITS } from './platform-rules/sagemaker';

/**
 * How a construct picks its GPU: the prop that names it and the machines its platform offers, so a model that does
 * not fit is answered in that construct's own words (`gpuProfile: 'Consumption-GPU-NC24-A100'` on Container Apps,
 * `machineType: 'a2-highgpu-1g'` on Vertex AI), never with another platform's sizes.
 */
export interface GpuChoice {
  /** The construct's prop, e.g. `instanceType`, `machineType`, `gpuProfile`, `accelerator`. */
  readonly prop: string;
  /** The GPU machines the platform offers (the sizing fix names those that hold the model). */
  readonly options: readonly GpuInstance[];
  /** The prop's value for a machine, e.g. `ml.p4d.24xlarge`, `nvidia-l4`. */
  readonly valueOf: (instance: GpuInstance) => string;
  /** How to write a machine as props. @default `<prop>: '<value>'` */
  readonly describe?: (instance: GpuInstance) => string;
  /** What else to change when the platform has nothing larger (e.g. the other mode). */
  readonly elsewhere?: string;
}

/** What a platform allows a request (the container's deadline stays under its own) and how it picks a GPU. */
export interface PlatformLimits {
  readonly name: string;
  readonly defaultRequestTimeoutMs: number;
  readonly maxRequestTimeoutMs: number;
  /** Why the maximum is what it is, for the error message (with the platform rule it comes from). */
  readonly maxRequestTimeoutReason: string;
  /** Id of the platform rule on the request limit (lib/core/platform-rules); preflight checks it on the output. */
  readonly requestTimeoutRule?: string;
  readonly gpu: GpuChoice;
}

/** Headroom between the container's deadline and Azure ML's request_timeout_ms, so the container answers first. */
export const AZURE_ML_TIMEOUT_HEADROOM_MS = 5_000;

/** A Cloud Run service's request timeout is the container's own deadline plus this, so the container answers first. */
export const CLOUD_RUN_REQUEST_TIMEOUT_MARGIN_SECONDS = 30;

const byInstanceType = (instance: GpuInstance): string => instance.instanceType;

const azureMlMaxRequestTimeoutMs = AZURE_LIMITS.azureMlMaxRequestTimeoutMs - AZURE_ML_TIMEOUT_HEADROOM_MS;

export const PLATFORM_LIMITS = {
  sagemaker: {
    name: 'SageMaker real-time inference',
    defaultRequestTimeoutMs: DEFAULTS.requestTimeoutMsSageMaker,
    maxRequestTimeoutMs: (SAGEMAKER_LIMITS.invocationTimeoutSeconds - 1) * 1000,
    maxRequestTimeoutReason:
      `SageMaker ends every invocation at ${SAGEMAKER_LIMITS.invocationTimeoutSeconds} s ` +
      `[${SAGEMAKER_INVOCATION_TIMEOUT.id}]`,
    requestTimeoutRule: SAGEMAKER_INVOCATION_TIMEOUT.id,
    gpu: { prop: 'instanceType', options: Object.values(AWS_INSTANCES), valueOf: byInstanceType },
  },
  vertex: {
    name: 'Vertex AI dedicated endpoint',
    defaultRequestTimeoutMs: DEFAULTS.requestTimeoutMs,
    maxRequestTimeoutMs: (VERTEX_LIMITS.inferenceTimeoutSeconds - 10) * 1000,
    maxRequestTimeoutReason:
      `dedicated endpoints time out at ${VERTEX_LIMITS.inferenceTimeoutSeconds} s by default ` +
      `[${VERTEX_INFERENCE_TIMEOUT.id}]`,
    requestTimeoutRule: VERTEX_INFERENCE_TIMEOUT.id,
    gpu: {
      prop: 'machineType',
      options: catalogInstances('gcp'),
      valueOf: byInstanceType,
      describe: (instance) =>
        `machineType: '${instance.instanceType}' with acceleratorType: '${instance.acceleratorType}'`,
    },
  },
  cloudRun: {
    name: 'Cloud Run service',
    defaultRequestTimeoutMs: DEFAULTS.requestTimeoutMs,
    maxRequestTimeoutMs:
      (CLOUD_RUN_GPU_LIMITS.maxRequestTimeoutSeconds - CLOUD_RUN_REQUEST_TIMEOUT_MARGIN_SECONDS) * 1000,
    maxRequestTimeoutReason:
      `Cloud Run ends a request after at most ${CLOUD_RUN_GPU_LIMITS.maxRequestTimeoutSeconds} s, and the service ` +
      `timeout is the container's deadline + ${CLOUD_RUN_REQUEST_TIMEOUT_MARGIN_SECONDS} s [${CLOUD_RUN_REQUEST_TIMEOUT.id}]`,
    requestTimeoutRule: CLOUD_RUN_REQUEST_TIMEOUT.id,
    gpu: {
      prop: 'accelerator',
      // One L4 per instance is all Cloud Run offers here: nothing larger to name.
      options: [],
      valueOf: (instance) => instance.acceleratorType ?? instance.instanceType,
      elsewhere: "the always-on Vertex AI mode with a larger GPU (machineType: 'a2-highgpu-1g')",
    },
  },
  azureMl: {
    name: 'Azure ML managed online endpoint',
    defaultRequestTimeoutMs: DEFAULTS.requestTimeoutMs,
    maxRequestTimeoutMs: azureMlMaxRequestTimeoutMs,
    maxRequestTimeoutReason:
      `Azure ML allows request_timeout_ms up to ${AZURE_LIMITS.azureMlMaxRequestTimeoutMs / 1000} s, and the ` +
      `endpoint must outlast the container [${AZURE_ML_REQUEST_TIMEOUT.id}]`,
    requestTimeoutRule: AZURE_ML_REQUEST_TIMEOUT.id,
    gpu: { prop: 'instanceType', options: Object.values(AZURE_INSTANCES), valueOf: byInstanceType },
  },
  /**
   * Container Apps' HTTP ingress ends a request after about 240 s (a figure from a third-party guide, not verified
   * here), so the container's deadline stays at the Azure ML endpoint's safe value: one deadline for both Azure
   * services, with room for the answer to get out.
   */
  containerApps: {
    name: 'Azure Container Apps serverless GPU',
    defaultRequestTimeoutMs: DEFAULTS.requestTimeoutMs,
    maxRequestTimeoutMs: azureMlMaxRequestTimeoutMs,
    maxRequestTimeoutReason: 'Container Apps ingress ends a request at about 240 s; 175 s leaves room for the answer',
    gpu: { prop: 'gpuProfile', options: Object.values(CONTAINER_APPS_GPU_PROFILES), valueOf: byInstanceType },
  },
} as const satisfies Record<string, PlatformLimits>;

export type Platform = keyof typeof PLATFORM_LIMITS;
