import type { AzureInstanceType, ScalingOptions } from '../core';
import type { AzureAutoscaleOptions } from './azure-ml-autoscale';
import type { AzureServingProps } from './serving-props';

/** The Azure ML endpoint's props (the shared Azure ones are in serving-props.ts). */

/** How callers authenticate to an Azure ML online endpoint. */
export type AzureMlAuthMode = 'key' | 'aad_token';

/** An existing Azure ML workspace (an `azurerm_machine_learning_workspace` resource or data source fits). */
export interface WorkspaceReference {
  readonly name: string;
  readonly id: string;
  /**
   * The workspace's default storage account; the endpoint identity gets Storage Blob Data Reader on it.
   * @default none: grant it yourself if deployments mount models from the workspace
   */
  readonly storageAccountId?: string;
}

/** The Azure ML endpoint's props: the shared Azure ones, and its own VM size, autoscaling, auth and workspace. */
export interface AzureMlDetectorEndpointProps extends AzureServingProps {
  /**
   * GPU VM size of the deployment.
   * @default 'Standard_NC4as_T4_v3' (T4 16 GB: no bf16, served in fp16)
   */
  readonly instanceType?: AzureInstanceType;
  /**
   * Instances the deployment starts with; the autoscale setting's default capacity.
   * @default scaling.minCapacity
   */
  readonly instanceCount?: number;
  /**
   * Autoscale capacities and cooldowns. Managed online endpoints cannot scale to zero: minCapacity ≥ 1.
   * @default min 1, max 2, 5 min out / 15 min in cooldowns
   */
  readonly scaling?: ScalingOptions;
  /**
   * Autoscale rule thresholds (GPU utilization and requests per minute).
   * @default see AzureAutoscaleOptions
   */
  readonly autoscale?: AzureAutoscaleOptions;
  /**
   * How callers authenticate: 'key' (a static key from `az ml online-endpoint get-credentials`, what the seed
   * clients use) or 'aad_token' (Entra ID tokens; grant callers with grantInvoke()).
   * @default 'key'
   */
  readonly authMode?: AzureMlAuthMode;
  /**
   * An existing Azure ML workspace; then no workspace, Key Vault, storage, Log Analytics or Application Insights
   * is created here.
   * @default a new workspace with its dependencies
   */
  readonly workspace?: WorkspaceReference;
  /**
   * Online endpoint name: 3–32 letters, digits and hyphens, starting with a letter; unique in the region, since
   * it names the scoring host `<name>.<region>.inference.ml.azure.com`.
   * @default the construct id plus a hash of subscription, resource group and construct path
   */
  readonly endpointName?: string;
  /**
   * Name of the deployment that takes all traffic.
   * @default 'detector'
   */
  readonly deploymentName?: string;
  /**
   * Whether the scoring endpoint is reachable from the internet (otherwise only through the workspace's private
   * endpoint).
   * @default true
   */
  readonly publicNetworkAccess?: boolean;
  /**
   * Whether the container may reach the internet. It downloads the model from Hugging Face at start unless the
   * image carries the weights.
   * @default true
   */
  readonly egressPublicNetworkAccess?: boolean;
  /**
   * Send the deployment's request logs and metrics to Application Insights.
   * @default true
   */
  readonly appInsightsEnabled?: boolean;
  /**
   * Purge protection on the created Key Vault: a deleted vault stays recoverable for softDeleteRetentionDays.
   * @default true
   */
  readonly keyVaultPurgeProtection?: boolean;
}
