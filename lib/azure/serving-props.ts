import type { DetectorModelOptions, DurationLike } from '../core';
import type { ModelWeights } from './model-weights';
import type { ProbeOptions } from './probes';

/** An existing resource group (an `azurerm_resource_group` resource or data source fits). */
export interface ResourceGroupReference {
  readonly name: string;
  readonly id: string;
  readonly location: string;
}

/** An existing container registry (an `azurerm_container_registry` resource or data source fits). */
export interface RegistryReference {
  readonly id: string;
  readonly name: string;
  readonly loginServer: string;
}

/** An existing user-assigned identity (an `azurerm_user_assigned_identity` resource or data source fits). */
export interface IdentityReference {
  readonly id: string;
  readonly principalId: string;
  readonly clientId: string;
}

/**
 * The props both Azure detector constructs take (the Azure ML endpoint and the Container Apps service), declared
 * and documented once; each construct's props extend these and add their own (aws-ecs-patterns style).
 */
export interface AzureServingProps extends DetectorModelOptions {
  /**
   * Azure region of everything created here, e.g. the value of AZURE_LOCATION. Container Apps needs a region with
   * serverless GPUs (westus3, swedencentral, …).
   */
  readonly location: string;
  /**
   * An existing resource group to deploy into.
   * @default a new resource group
   */
  readonly resourceGroup?: ResourceGroupReference;
  /**
   * Name of the resource group created when `resourceGroup` is not given.
   * @default derived from the construct path
   */
  readonly resourceGroupName?: string;
  /**
   * A complete image reference to serve instead of the image built from inference-container/. Pass the registry
   * that holds it as `registry` so the identity may pull it.
   * @default `<registry login server>/<imageRepository>:<imageTag>`
   */
  readonly image?: string;
  /**
   * Repository of the image in the registry.
   * @default 'form-detector' (DEFAULT_IMAGE_NAME)
   */
  readonly imageRepository?: string;
  /**
   * Tag of the image in the registry.
   * @default containerSourceTag(): a hash of inference-container/'s sources
   */
  readonly imageTag?: string;
  /**
   * An existing container registry holding the image.
   * @default a new registry (admin user disabled)
   */
  readonly registry?: RegistryReference;
  /**
   * SKU of the created registry. The vLLM image is ~10 GB; Basic includes 10 GiB of storage, Standard 100 GiB.
   * @default 'Standard'
   */
  readonly registrySku?: 'Basic' | 'Standard' | 'Premium';
  /**
   * An existing identity to run as; it must be able to pull the image (AcrPull on the registry) and read the
   * weights.
   * @default a new user-assigned identity with AcrPull on the registry (and, on Azure ML, Storage Blob Data Reader
   *   on the workspace storage)
   */
  readonly endpointIdentity?: IdentityReference;
  /**
   * Retention of the created Log Analytics workspace, days (30–730).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Tags on every resource created here.
   * @default none
   */
  readonly tags?: Record<string, string>;
  /**
   * Where the weights come from. The same prop on every construct of every cloud. Azure ML: Hugging Face (a token
   * from Key Vault with `fromHuggingFace({ tokenSecret })`), or a blob path (`ModelWeights.fromBlobContainer`, or
   * `ModelWeights.fromStore(store)` with a `ModelWeightsStore` in a stack of its own) made a datastore of the
   * workspace and a model asset the deployment mounts at AZUREML_MODEL_DIR; a store created in the same deploy
   * (`fromNewStore()`) is refused, since the deployment starts at deploy. Container Apps: an Azure Files share mounted
   * read-only at /mnt/model-weights (Hugging Face is refused: a replica over 1 vCPU has 8 GiB of ephemeral storage,
   * and the 16-bit download is ~17 GB).
   * @default Azure ML: ModelWeights.fromHuggingFace() (downloaded at every start); Container Apps:
   *   ModelWeights.fromNewStore() (a storage account and file share created here)
   */
  readonly weights?: ModelWeights;
  /**
   * How long an instance may take from container start to ready: weight download or copy, quantization, warm-up.
   * The probes are sized from it. The same prop on every construct of every cloud. Azure ML: the readiness probe's
   * `initial_delay` + `failure_threshold` × `period` must cover it (5 minutes to 2 hours). Container Apps: the startup
   * probe's `initialDelaySeconds` + `failureThreshold` × `periodSeconds` (5 minutes to 7260 s); the image pull comes
   * before and is not counted.
   * @see https://learn.microsoft.com/azure/machine-learning/reference-yaml-deployment-managed-online
   * @see https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/resources/container_app
   * @default 30 minutes
   */
  readonly modelLoadTimeout?: DurationLike;
  /**
   * Liveness probe on /health/live (answers as soon as the controller runs).
   * @default Azure ML: initial delay 2 min, period 10 s, timeout 5 s, 30 failures (5 min) before a restart;
   *   Container Apps: period 10 s, timeout 5 s, 3 failures
   */
  readonly livenessProbe?: ProbeOptions;
  /**
   * Readiness probe on /health/ready (answers once vLLM serves the adapter).
   * @default Azure ML: initial delay 5 min, period 10 s, timeout 5 s, failures to cover modelLoadTimeout;
   *   Container Apps (after the startup probe passed): period 10 s, timeout 5 s, 3 failures take the replica out
   */
  readonly readinessProbe?: ProbeOptions;
}
