/**
 * Cloud-neutral core: model profiles, the GPU catalog, sizing, scaling, cost, naming, the container's environment,
 * validation that names prop, value and fix, and the platform-rule table with its sources. Imports no IaC framework;
 * every cloud module is built from it.
 *
 * Named exports only: what is listed here is the public API (its report is etc/api/core.api.md).
 */
export { containerEnvironment } from './container-environment';
export { containerSourceDirectory, containerSourceTag } from './container-source';
export { estimateCost, formatUsd, HOURS_PER_MONTH, type CostEstimate } from './cost';
export { resolveDeployment, type DetectorDeployment, type DetectorModelOptions } from './deployment';
export {
  DEFAULT_DEPLOYMENT_MODE,
  DEPLOYMENT_MODE_CONTEXT_KEY,
  DEPLOYMENT_MODE_ENV,
  DEPLOYMENT_MODES,
  resolveDeploymentMode,
} from './deployment-mode';
export {
  costComparisonRows,
  formatCostComparison,
  formatSummaries,
  monthlyCostAlwaysOn,
  monthlyCostAtBusyHours,
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  type DeploymentMode,
  type DeploymentSummary,
} from './deployment-summary';
export { deployCommand, deployFlow } from './deploy-flow';
export { Duration, type DurationLike } from './duration';
export {
  AWS_INSTANCES,
  awsInstance,
  AZURE_INSTANCES,
  azureInstance,
  catalogInstances,
  CLOUD_NAMES,
  DEFAULT_AWS_INSTANCE_TYPE,
  DEFAULT_AZURE_INSTANCE_TYPE,
  DEFAULT_GCP_ACCELERATOR,
  DEFAULT_GCP_MACHINE_TYPE,
  describeInstance,
  GCP_MACHINES,
  gcpMachine,
  gcpMachinesFor,
  GPUS,
  type AwsInstanceType,
  type AzureInstanceType,
  type Cloud,
  type GcpAcceleratorType,
  type GcpMachine,
  type GcpMachineProblem,
  type GcpMachineType,
  type GpuInstance,
  type GpuModel,
  type HourlyPrice,
  type Lookup,
} from './gpu-catalog';
export {
  DEFAULT_IMAGE_NAME,
  dockerBuildAndPushCommand,
  dockerBuildCommand,
  IMAGE_BUILD_CONTEXT,
  IMAGE_PLATFORM,
} from './image-build';
export {
  cudaFromImageTag,
  cudaVersionProblem,
  IMAGE_METADATA_KEY,
  PINNED_IMAGE_RECORD,
  type ImageRecord,
} from './image-record';
export { DEFAULT_MODEL_PROFILE, MODEL_PROFILES, type ModelProfile, type ModelProfileName } from './model-profiles';
export { resourceName, type NameRules } from './naming';
export {
  CLOUD_RUN_GPU_MINIMUM,
  cloudRunGpuInstance,
  COLD_STARTS,
  CONTAINER_APPS_GPU_PROFILES,
  describeColdStart,
  onDemandRegionProblem,
  type ColdStart,
  type ContainerAppsGpuProfile,
} from './on-demand';
export {
  AZURE_AUTOSCALE_COOLDOWN,
  AZURE_LIMITS,
  AZURE_ML_REQUEST_TIMEOUT,
  AZURE_ML_TRAFFIC_ON_UPDATE,
  AZURE_ROLE_PROPAGATION,
  CONTAINER_APPS_EPHEMERAL_STORAGE_GIB,
  CONTAINER_APPS_GPU_REGION,
  CONTAINER_APPS_GPU_REGIONS,
  CONTAINER_APPS_MAX_REPLICAS,
  CONTAINER_APPS_PROBE_RANGES,
  CONTAINER_APPS_REPLICA_STORAGE,
  type ContainerAppsProbeInput,
  type EndpointPut,
  type ReplicaWeightsInput,
  type RoleConsumer,
} from './platform-rules/azure';
export {
  CLOUD_RUN_DRIVER_RUNS_IMAGE,
  CLOUD_RUN_L4_DRIVER,
  CUDA_MINOR_VERSION_COMPATIBILITY,
  cudaFit,
  GPU_DRIVERS_NOT_STATED,
  PINNED_IMAGE_CUDA,
  PINNED_IMAGE_CUDA_SOURCE,
  SAGEMAKER_DRIVER_RUNS_IMAGE,
  type CudaFit,
  type CudaVersion,
  type DriverFitInput,
  type HostDriver,
} from './platform-rules/cuda';
export {
  CLOUD_RUN_GCS_VOLUME_EXECUTION_ENVIRONMENT,
  CLOUD_RUN_GCS_VOLUME_GEN2,
  CLOUD_RUN_GPU_LIMITS,
  CLOUD_RUN_GPU_REGION,
  CLOUD_RUN_GPU_REGIONS,
  CLOUD_RUN_GPU_RESOURCES,
  CLOUD_RUN_IN_MEMORY_FILESYSTEM,
  CLOUD_RUN_PROBE_TIMEOUT,
  CLOUD_RUN_PROCESS_MEMORY_GIB,
  CLOUD_RUN_REQUEST_TIMEOUT,
  CLOUD_RUN_START_WINDOW,
  CLOUD_RUN_STARTUP_INITIAL_DELAY,
  CLOUD_RUN_STARTUP_WINDOW,
  GCE_ACCELERATOR_MACHINE,
  VERTEX_DEPLOYMENT_TIMEOUT,
  VERTEX_INFERENCE_TIMEOUT,
  VERTEX_LIMITS,
  VERTEX_PROBE_TIMEOUT,
  type InMemoryDownloadInput,
  type ProbeTiming,
  type StartupProbeInput,
  type StartWindowInput,
} from './platform-rules/gcp';
export { WEIGHTS_STORE_STAGED_BEFORE_START, type StoreOrderInput } from './platform-rules/first-deploy';
export { PLATFORM_RULES, platformRuleById, ruleSources } from './platform-rules';
export {
  ALL_TARGETS,
  type AnyPlatformRule,
  type Enforcement,
  type PlatformRule,
  type RulePlatform,
  type RuleTarget,
  type RuleViolation,
} from './platform-rules/rule';
export {
  DEFAULT_SAGEMAKER_INFERENCE_AMI,
  SAGEMAKER_DEFAULT_GPU_DRIVER,
  SAGEMAKER_ENDPOINT_NAME,
  SAGEMAKER_ENVIRONMENT_LIMITS,
  SAGEMAKER_INFERENCE_AMI_ACCEPTED,
  SAGEMAKER_INFERENCE_AMI_INSTANCE,
  SAGEMAKER_INFERENCE_AMI_SET,
  SAGEMAKER_INFERENCE_AMIS,
  SAGEMAKER_INFERENCE_COMPONENT_NAME,
  SAGEMAKER_INVOCATION_TIMEOUT,
  SAGEMAKER_LIMITS,
  SAGEMAKER_NVME_NO_KMS_KEY,
  SAGEMAKER_NVME_NO_VOLUME_SIZE,
  SAGEMAKER_STARTUP_TIMEOUTS,
  SAGEMAKER_VOLUME_SIZE_RANGE,
  sagemakerDriver,
  sagemakerDriverRemedy,
  sagemakerInstanceFamily,
  type InferenceAmiInput,
  type SageMakerInferenceAmi,
  type SageMakerStorageInput,
} from './platform-rules/sagemaker';
export { VLLM_GPU_MEMORY_FIT, VLLM_QUANTIZATION_GPU, type GpuMemoryFitInput } from './platform-rules/vllm';
export {
  AZURE_ML_TIMEOUT_HEADROOM_MS,
  CLOUD_RUN_REQUEST_TIMEOUT_MARGIN_SECONDS,
  PLATFORM_LIMITS,
  type GpuChoice,
  type Platform,
  type PlatformLimits,
} from './platforms';
export {
  DEFAULT_QUANTIZATION,
  isQuantization,
  QUANTIZATION_INFO,
  quantizationProblem,
  type QuantizationInfo,
} from './quantization';
export {
  resolveScaling,
  SCALING_DEFAULTS,
  type ScalingContext,
  type ScalingOptions,
  type ScalingSpec,
} from './scaling';
export {
  estimateSizing,
  kvBytesPerToken,
  RUNTIME_OVERHEAD_GIB,
  sizingProblem,
  TOKENS_PER_DETECTION,
  type SizingInput,
  type SizingResult,
} from './sizing';
export { cloudRunStartWindow, startWindowWarning, type StartWindow } from './start-window';
export {
  DetectorValidationError,
  formatProblem,
  refuseProp,
  isPositiveInteger,
  ValidationErrors,
  type CheckedRule,
  type ValidationProblem,
} from './validation';
export {
  COLD_STARTS_BY_WEIGHTS,
  coldStartFor,
  huggingFaceDownloadGiB,
  normalizePrefix,
  prefixProblem,
  stagingCommandsFor,
  WEIGHTS_MOUNT_PATH,
  WEIGHTS_STORE_NAMES,
  type OnDemandService,
  type WeightsSource,
  type WeightsStoreKind,
  type WeightsSummary,
} from './weights';
export {
  CONTAINER_PORT,
  ERROR_STATUS,
  QUANTIZATIONS,
  VLLM_IMAGE,
  WEIGHTS_LAYOUT,
  weightsStagingCommands,
  DEFAULTS as CONTAINER_DEFAULTS,
  ENV as CONTAINER_ENV,
  ROUTES as CONTAINER_ROUTES,
  type DetectionResult,
  type DetectedBox,
  type ErrorCode,
  type Quantization,
} from '../../inference-container/src/contract';
