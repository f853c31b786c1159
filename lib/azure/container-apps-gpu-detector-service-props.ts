import type { ContainerAppsGpuProfile, ScalingOptions } from '../core';
import type { AzureServingProps } from './serving-props';

/** The Container Apps service's props (the shared Azure ones are in serving-props.ts). */

/** An existing Container Apps environment that already has a serverless GPU workload profile. */
export interface ContainerAppsEnvironmentReference {
  /** Resource id of the environment. */
  readonly id: string;
  /** Name of its GPU workload profile (of the type `gpuProfile` names). */
  readonly gpuWorkloadProfileName: string;
}

/** The Container Apps service's props: the shared Azure ones, and its own GPU profile, scaling and ingress. */
export interface ContainerAppsGpuDetectorServiceProps extends AzureServingProps {
  /**
   * Serverless GPU workload profile: one T4 (16 GB, 8 vCPU, 56 GiB) or one A100 (80 GB, 24 vCPU, 220 GiB) per
   * replica. The container gets the whole profile.
   * @default 'Consumption-GPU-NC8as-T4' (no bf16: served in fp16)
   */
  readonly gpuProfile?: ContainerAppsGpuProfile;
  /**
   * Replica range and the HTTP scale rule's concurrency. minCapacity 0 scales to zero when idle; scaleInCooldown
   * is how long the last replica stays after the last request (KEDA's cooldown period). Container Apps has no
   * scale-out cooldown: leave scaleOutCooldown out.
   * @default min 0, max 2, target concurrency ¾ of the container's, 15 min before scaling to zero
   */
  readonly scaling?: ScalingOptions;
  /**
   * An existing environment with a serverless GPU workload profile; then no environment and no Log Analytics
   * workspace is created here.
   * @default a new environment (ARM template) with the GPU profile, logging to a new Log Analytics workspace
   */
  readonly containerAppsEnvironment?: ContainerAppsEnvironmentReference;
  /**
   * Container app name: 2–32 lowercase letters, digits and hyphens, starting with a letter; unique in the
   * resource group.
   * @default derived from the construct id
   */
  readonly serviceName?: string;
  /**
   * Whether the ingress accepts traffic from the internet (true) or only from inside the environment (false).
   * @default true
   */
  readonly publicNetworkAccess?: boolean;
  /**
   * IPv4 ranges (CIDR) allowed to call the service; everyone else gets 403. More can be added with
   * allowInvokeFrom().
   * @default no restriction
   */
  readonly allowedIpRanges?: string[];
}
