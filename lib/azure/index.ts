/**
 * The form-field detector on Azure (CDKTF, @cdktf/provider-azurerm): an Azure ML managed online endpoint
 * (always-on) or a Container Apps serverless GPU service (on-demand, scales to zero), and a ready-made stack.
 *
 * Named exports only: what is listed here is the public API (its report is etc/api/azure.api.md).
 */
export {
  ENDPOINT_TEMPLATE_PARAMETERS,
  ENVIRONMENT_VERSION_TYPE,
  ML_API_VERSION,
  MODEL_VERSION_TYPE,
  ONLINE_DEPLOYMENT_TYPE,
  ONLINE_ENDPOINT_TYPE,
  type ArmEndpointAuthMode,
  type ArmExpression,
  type ArmOutput,
  type ArmParameter,
  type ArmParameterType,
  type ArmPublicNetworkAccess,
  type ArmResource,
  type ArmTemplate,
  type EnvironmentVersionProperties,
  type ManagedOnlineDeploymentProperties,
  type ManagedServiceIdentity,
  type ModelVersionProperties,
  type OnlineDeploymentTemplateParameters,
  type OnlineEndpointProperties,
  type OnlineEndpointTemplateParameters,
  type OnlineRequestSettings,
  type ProbeSettings,
  type Route,
} from './arm-template';
export type { AzureAutoscaleOptions } from './azure-ml-autoscale';
export { AzureMlDetectorEndpoint } from './azure-ml-detector-endpoint';
export type {
  AzureMlAuthMode,
  AzureMlDetectorEndpointProps,
  WorkspaceReference,
} from './azure-ml-detector-endpoint-props';
export { ROLE_PROPAGATION_WAIT } from './common-resources';
export { ContainerAppsGpuDetectorService } from './container-apps-gpu-detector-service';
export type {
  ContainerAppsEnvironmentReference,
  ContainerAppsGpuDetectorServiceProps,
} from './container-apps-gpu-detector-service-props';
export {
  ContainerAppsDetectorServiceBase,
  type ContainerAppsDetectorServiceAttributes,
  type IContainerAppsDetectorService,
} from './container-apps-service-base';
export { DEFAULT_CONTAINER_APPS_GPU_PROFILE } from './container-apps-validation';
export { AZURE_LOCATION_ENV, DetectorAzureStack, type DetectorAzureStackProps } from './detector-azure-stack';
export { DetectorAzureWeightsStack, type DetectorAzureWeightsStackProps } from './detector-azure-weights-stack';
export {
  AzureMlDetectorEndpointBase,
  METRIC_NAMESPACES,
  SCORE_ACTION,
  type AzureMetric,
  type AzureMlDetectorEndpointAttributes,
  type GrantInvokeOptions,
  type IAzureMlDetectorEndpoint,
  type MetricOptions,
} from './endpoint-base';
export {
  DEFAULT_WEIGHTS_PREFIX,
  DEFAULT_WEIGHTS_SHARE_QUOTA_GIB,
  ModelWeights,
  type AzureFilesWeightsOptions,
  type AzureWeightsTarget,
  type BlobContainerWeightsOptions,
  type HuggingFaceWeightsOptions,
  type KeyVaultSecretReference,
  type ModelWeightsBindContext,
  type ModelWeightsConfig,
  type NewAzureStoreOptions,
} from './model-weights';
export { ModelWeightsStore, type ModelWeightsStoreProps } from './model-weights-store';
export type { ProbeOptions } from './probes';
export type { AzureServingProps, IdentityReference, RegistryReference, ResourceGroupReference } from './serving-props';
