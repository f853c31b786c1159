import { Fn, TerraformLocal, Token, type ITerraformDependable } from 'cdktf';
import { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights';
import type { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import type { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MachineLearningWorkspace } from '@cdktf/provider-azurerm/lib/machine-learning-workspace';
import {
  MonitorAutoscaleSetting,
  type MonitorAutoscaleSettingProfileRule,
} from '@cdktf/provider-azurerm/lib/monitor-autoscale-setting';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { ResourceGroupTemplateDeployment } from '@cdktf/provider-azurerm/lib/resource-group-template-deployment';
import type { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import type { Sleep } from '@cdktf/provider-time/lib/sleep';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { Construct } from 'constructs';
import {
  AZURE_AUTOSCALE_COOLDOWN,
  AZURE_LIMITS,
  AZURE_ML_TIMEOUT_HEADROOM_MS,
  azureInstance,
  AZURE_INSTANCES,
  CONTAINER_PORT,
  CONTAINER_ROUTES,
  containerEnvironment,
  DEFAULT_AZURE_INSTANCE_TYPE,
  Duration,
  isPositiveInteger,
  PLATFORM_LIMITS,
  resolveDeployment,
  resolveScaling,
  resourceName,
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  ValidationErrors,
  type AzureInstanceType,
  type DeploymentSummary,
  type DetectorDeployment,
  type DetectorModelOptions,
  type DurationLike,
  type ScalingOptions,
  type ScalingSpec,
} from '../core';
import {
  onlineDeploymentTemplate,
  onlineEndpointTemplate,
  templateParameters,
  type ArmEndpointAuthMode,
  type ArmTemplate,
  type OnlineDeploymentTemplateParameters,
  type OnlineEndpointSpec,
  type OnlineEndpointTemplateParameters,
  type ProbeSettings,
} from './arm-template';
import {
  checkCommonProps,
  checkImageAndLogProps,
  compactName,
  concat,
  createLogAnalytics,
  imageReference,
  nameSuffix,
  pushImageCommand,
  resolveIdentity,
  resolveRegistry,
  resolveResourceGroup,
  RoleGrants,
  rolePropagationWait,
  taggedWith,
  toSecondsOr,
  wholeSeconds,
  type IdentityReference,
  type RegistryReference,
  type ResourceGroupReference,
} from './common-resources';
import { AzureMlDetectorEndpointBase, importAzureMlDetectorEndpoint } from './endpoint-base';
import { ModelWeights, type ModelWeightsConfig } from './model-weights';
import type { AzureMlDetectorEndpointAttributes, IAzureMlDetectorEndpoint } from './endpoint-base';

/** The most Azure ML lets a managed online endpoint wait for one request (rule azure-ml.request-timeout). */
export const AZURE_ML_MAX_REQUEST_TIMEOUT_MS = AZURE_LIMITS.azureMlMaxRequestTimeoutMs;
/** How much longer the endpoint waits than the container's own deadline, so the container's 504 reaches the caller. */
export const ENDPOINT_TIMEOUT_HEADROOM_MS = AZURE_ML_TIMEOUT_HEADROOM_MS;
/** Azure Monitor autoscale cooldowns run from one minute to one week (rule azure-monitor.autoscale-cooldown). */
export const AUTOSCALE_MIN_COOLDOWN_SECONDS = AZURE_LIMITS.autoscaleCooldownSeconds.min;

export type AzureMlAuthMode = 'key' | 'aad_token';

const ARM_AUTH_MODES: Readonly<Record<AzureMlAuthMode, ArmEndpointAuthMode>> = {
  key: 'Key',
  aad_token: 'AADToken',
};

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

/** Timings of a liveness or readiness probe; any field left out keeps its default. */
export interface ProbeOptions {
  /** Wait after the container starts before the first probe. */
  readonly initialDelay?: DurationLike;
  readonly period?: DurationLike;
  readonly timeout?: DurationLike;
  readonly successThreshold?: number;
  /** Consecutive failures before a liveness probe restarts the container, or a readiness probe takes it out. */
  readonly failureThreshold?: number;
}

/** Thresholds of the autoscale rules; capacities and cooldowns come from `scaling`. */
export interface AzureAutoscaleOptions {
  /**
   * Average GPU utilization of the deployment above which an instance is added.
   * @default 70
   */
  readonly scaleOutGpuUtilizationPercent?: number;
  /**
   * Average GPU utilization below which an instance is removed (only when requests are low too).
   * @default 20
   */
  readonly scaleInGpuUtilizationPercent?: number;
  /**
   * Requests per minute per instance above which an instance is added. The default assumes ~30 s per detection
   * at the target concurrency; measure yours and set it.
   * @default scaling.targetConcurrencyPerInstance × 2
   */
  readonly scaleOutRequestsPerMinutePerInstance?: number;
  /**
   * Requests per minute per instance below which an instance is removed (only when the GPU is idle too).
   * @default a quarter of scaleOutRequestsPerMinutePerInstance
   */
  readonly scaleInRequestsPerMinutePerInstance?: number;
}

export interface AzureMlDetectorEndpointProps extends DetectorModelOptions {
  /** Azure region of everything created here, e.g. the value of AZURE_LOCATION. */
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
   * A complete image reference to serve instead of the image built from inference-container/. Pass the registry
   * that holds it as `registry` so the endpoint identity may pull it.
   * @default `<registry login server>/<imageRepository>:<imageTag>`
   */
  readonly image?: string;
  /**
   * Repository of the image in the registry.
   * @default 'form-detector'
   */
  readonly imageRepository?: string;
  /**
   * Tag of the image in the registry.
   * @default containerSourceTag(): a hash of inference-container/'s sources
   */
  readonly imageTag?: string;
  /**
   * An existing Azure ML workspace; then no workspace, Key Vault, storage, Log Analytics or Application Insights
   * is created here.
   * @default a new workspace with its dependencies
   */
  readonly workspace?: WorkspaceReference;
  /**
   * An existing container registry holding the image.
   * @default a new registry (admin user disabled)
   */
  readonly registry?: RegistryReference;
  /**
   * An existing identity for the endpoint; it must be able to pull the image.
   * @default a new user-assigned identity with AcrPull on the registry and Storage Blob Data Reader on the
   * workspace storage
   */
  readonly endpointIdentity?: IdentityReference;
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
   * How long an instance may take from start to ready: image pull, weight download, quantization, warm-up.
   * The probes are sized from it.
   * @default 30 minutes
   */
  readonly modelLoadTimeout?: DurationLike;
  /**
   * Liveness probe on /health/live (answers as soon as the controller runs).
   * @default initial delay 2 min, period 10 s, timeout 5 s, 30 failures (5 min) before a restart
   */
  readonly livenessProbe?: ProbeOptions;
  /**
   * Readiness probe on /health/ready (answers once vLLM serves the adapter).
   * @default initial delay 5 min, period 10 s, timeout 5 s, failures to cover modelLoadTimeout
   */
  readonly readinessProbe?: ProbeOptions;
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
  /**
   * SKU of the created registry. The vLLM image is ~10 GB; Basic includes 10 GiB of storage, Standard 100 GiB.
   * @default 'Standard'
   */
  readonly registrySku?: 'Basic' | 'Standard' | 'Premium';
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
   * Where the weights come from: Hugging Face, or a blob path (`ModelWeights.fromBlobContainer`, or a container in
   * the workspace storage created here with `ModelWeights.fromNewStore()`) registered as a model asset that the
   * deployment mounts at AZUREML_MODEL_DIR. The endpoint identity reads it with Storage Blob Data Reader.
   * @default ModelWeights.fromHuggingFace() — the container downloads the Hugging Face ids at every start
   */
  readonly weights?: ModelWeights;
}

const DEFAULTS = {
  deploymentName: 'detector',
  modelLoadTimeoutSeconds: 30 * 60,
  liveness: { initialDelay: 120, period: 10, timeout: 5, successThreshold: 1, failureThreshold: 30 },
  readiness: { initialDelay: 300, period: 10, timeout: 5, successThreshold: 1 },
  scaleOutGpuUtilizationPercent: 70,
  scaleInGpuUtilizationPercent: 20,
  scaleOutWindow: 'PT5M',
  scaleInWindow: 'PT15M',
  keyVaultSoftDeleteRetentionDays: 7,
} as const;

const ENDPOINT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

interface ResolvedProps {
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  readonly instanceCount: number;
  readonly endpointTimeoutMs: number;
  readonly livenessProbe: ProbeSettings;
  readonly readinessProbe: ProbeSettings;
  readonly autoscale: Required<AzureAutoscaleOptions>;
}

/**
 * The form-field detector on an Azure ML managed online endpoint: workspace and its dependencies (or existing
 * ones), an identity that can pull the image, the endpoint + environment + deployment + traffic in one ARM
 * template deployment, and an autoscale setting on the deployment.
 *
 * @example
 * const detector = new AzureMlDetectorEndpoint(this, 'Detector', { location: 'eastus' });
 * new TerraformOutput(this, 'scoring_uri', { value: detector.scoringUri });
 */
export class AzureMlDetectorEndpoint extends AzureMlDetectorEndpointBase {
  /** An endpoint deployed elsewhere, to grant scoring on or read metrics from. */
  static fromEndpointAttributes(
    scope: Construct,
    id: string,
    attributes: AzureMlDetectorEndpointAttributes,
  ): IAzureMlDetectorEndpoint {
    return importAzureMlDetectorEndpoint(scope, id, attributes);
  }

  readonly endpointName: string;
  readonly deploymentName: string;
  readonly workspaceId: string;
  readonly workspaceName: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly authMode: AzureMlAuthMode;
  /** The image the deployment serves. */
  readonly image: string;
  /** What runs, at what scale and price (also recorded in the synthesized template deployment). */
  readonly summary: DeploymentSummary;
  /** The resolved model and container settings. */
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  /** The ARM template re-applied on every change (environment, deployment, endpoint with traffic). */
  readonly template: ArmTemplate;
  /** The create-once ARM template of the bare endpoint (Terraform ignores changes to it). */
  readonly endpointTemplate: ArmTemplate;
  /** The values passed to the template (jsonencode()d into the template deployment's parameters_content). */
  readonly templateParameterValues: OnlineDeploymentTemplateParameters;

  // Escape hatches: the provider resources, for overrides. Undefined where an existing one was passed in.
  readonly clientConfig: DataAzurermClientConfig;
  readonly createdResourceGroup?: ResourceGroup;
  readonly logAnalyticsWorkspace?: LogAnalyticsWorkspace;
  readonly applicationInsights?: ApplicationInsights;
  readonly keyVault?: KeyVault;
  readonly storageAccount?: StorageAccount;
  readonly createdRegistry?: ContainerRegistry;
  readonly workspaceIdentity?: UserAssignedIdentity;
  readonly createdEndpointIdentity?: UserAssignedIdentity;
  readonly createdWorkspace?: MachineLearningWorkspace;
  /** Role assignments this construct made, by what they allow. */
  readonly roleAssignments: Readonly<Record<string, RoleAssignment>>;
  /** The main resource: environment, deployment, and the endpoint's traffic; re-applied on every change. */
  readonly templateDeployment: ResourceGroupTemplateDeployment;
  /** Where the weights come from (the blob path and what was created for it). */
  readonly weights: ModelWeightsConfig;
  /** Creates the bare endpoint once; `lifecycle.ignore_changes = all`, so an update never re-applies it. */
  readonly endpointTemplateDeployment: ResourceGroupTemplateDeployment;
  /**
   * The wait between this construct's role assignments and what uses them (the workspace, the endpoint); undefined
   * when it made none.
   */
  readonly rolePropagation?: Sleep;
  readonly autoscaleSetting: MonitorAutoscaleSetting;

  /** The resource group (created or given). */
  readonly resourceGroup: ResourceGroupReference;
  /** The registry holding the image (created or given). */
  readonly registry: RegistryReference;
  /** The identity the endpoint runs as (created or given). */
  readonly endpointIdentity: IdentityReference;

  constructor(scope: Construct, id: string, props: AzureMlDetectorEndpointProps) {
    super(scope, id);
    const resolved = validate(this.node.path, props);
    this.deployment = resolved.deployment;
    this.scaling = resolved.scaling;
    this.authMode = props.authMode ?? 'key';
    this.location = props.location;
    this.deploymentName = props.deploymentName ?? DEFAULTS.deploymentName;
    const tags = props.tags ?? {};
    const tagged = taggedWith(tags);

    this.clientConfig = new DataAzurermClientConfig(this, 'ClientConfig', {});

    const group = resolveResourceGroup(this, props);
    this.resourceGroup = group.resourceGroup;
    this.createdResourceGroup = group.created;
    this.resourceGroupName = this.resourceGroup.name;
    const common = { location: props.location, resourceGroupName: this.resourceGroup.name, ...tagged };

    // Globally unique names need more than the construct path: a short hash of subscription + group + path.
    const suffix = nameSuffix(this, this.clientConfig, this.resourceGroup.name);
    const base = (maxLength: number): string => compactName(id, maxLength);

    this.endpointName =
      props.endpointName ??
      new TerraformLocal(
        this,
        'EndpointName',
        concat(resourceName(id, { maxLength: 23, lowercase: true }), '-', suffix),
      ).asString;

    const grants = new RoleGrants(this, id);
    const grant = grants.grant.bind(grants);

    const registry = resolveRegistry(this, props, common, concat(base(42), suffix));
    this.registry = registry.registry;
    this.createdRegistry = registry.created;

    // The endpoint's identity: pulls the image, reads the workspace storage; nothing else.
    const identity = resolveIdentity(
      this,
      props.endpointIdentity,
      'EndpointIdentity',
      common,
      resourceName(`${id}-endpoint`, { maxLength: 128 }),
    );
    this.endpointIdentity = identity.identity;
    this.createdEndpointIdentity = identity.created;
    // A grant is made here when this construct created either side; between two existing resources it is the
    // platform team's to make.
    const identityCreated = this.createdEndpointIdentity !== undefined;
    if (identityCreated || this.createdRegistry) {
      grant('EndpointAcrPull', this.registry.id, this.endpointIdentity.principalId, 'AcrPull');
    }

    // Workspace and its dependencies (the workspace itself waits for its identity's role assignments, below).
    let workspaceDependencies:
      | {
          applicationInsights: ApplicationInsights;
          keyVault: KeyVault;
          storageAccount: StorageAccount;
          workspaceIdentity: UserAssignedIdentity;
        }
      | undefined;
    if (props.workspace) {
      if (identityCreated && props.workspace.storageAccountId !== undefined) {
        grant(
          'EndpointStorageBlobDataReader',
          props.workspace.storageAccountId,
          this.endpointIdentity.principalId,
          'Storage Blob Data Reader',
        );
      }
    } else {
      this.logAnalyticsWorkspace = createLogAnalytics(this, id, props, common);
      this.applicationInsights = new ApplicationInsights(this, 'AppInsights', {
        ...common,
        name: resourceName(`${id}-insights`, { maxLength: 255 }),
        applicationType: 'web',
        workspaceId: this.logAnalyticsWorkspace.id,
      });
      this.keyVault = new KeyVault(this, 'KeyVault', {
        ...common,
        name: concat(base(16), suffix),
        tenantId: this.clientConfig.tenantId,
        skuName: 'standard',
        rbacAuthorizationEnabled: true,
        purgeProtectionEnabled: props.keyVaultPurgeProtection ?? true,
        softDeleteRetentionDays: DEFAULTS.keyVaultSoftDeleteRetentionDays,
      });
      this.storageAccount = new StorageAccount(this, 'Storage', {
        ...common,
        name: concat(base(16), suffix),
        accountTier: 'Standard',
        accountReplicationType: 'LRS',
        accountKind: 'StorageV2',
        allowNestedItemsToBePublic: false,
        minTlsVersion: 'TLS1_2',
        httpsTrafficOnlyEnabled: true,
      });
      this.workspaceIdentity = new UserAssignedIdentity(this, 'WorkspaceIdentity', {
        ...common,
        name: resourceName(`${id}-workspace`, { maxLength: 128 }),
      });
      // What a workspace's user-assigned identity needs on its dependencies (Azure ML docs, "identity-based
      // service authentication": Contributor on each, Key Vault Administrator with RBAC vaults, Storage Blob Data
      // Contributor for data preview).
      const wsPrincipal = this.workspaceIdentity.principalId;
      grant('WorkspaceStorageContributor', this.storageAccount.id, wsPrincipal, 'Contributor');
      grant(
        'WorkspaceStorageBlobDataContributor',
        this.storageAccount.id,
        wsPrincipal,
        'Storage Blob Data Contributor',
      );
      grant('WorkspaceKeyVaultContributor', this.keyVault.id, wsPrincipal, 'Contributor');
      grant('WorkspaceKeyVaultAdministrator', this.keyVault.id, wsPrincipal, 'Key Vault Administrator');
      grant('WorkspaceRegistryContributor', this.registry.id, wsPrincipal, 'Contributor');
      grant('WorkspaceAppInsightsContributor', this.applicationInsights.id, wsPrincipal, 'Contributor');
      grant(
        'EndpointStorageBlobDataReader',
        this.storageAccount.id,
        this.endpointIdentity.principalId,
        'Storage Blob Data Reader',
      );
      workspaceDependencies = {
        applicationInsights: this.applicationInsights,
        keyVault: this.keyVault,
        storageAccount: this.storageAccount,
        workspaceIdentity: this.workspaceIdentity,
      };
    }
    this.weights = (props.weights ?? ModelWeights.fromHuggingFace()).bind(this, {
      target: 'azure-blob',
      location: props.location,
      resourceGroupName: this.resourceGroup.name,
      tags,
      nameSuffix: suffix,
      compactId: base(16),
      workspaceStorage: this.storageAccount
        ? { id: this.storageAccount.id, name: this.storageAccount.name }
        : undefined,
    });
    const blob = this.weights.blob;
    // The workspace storage is already readable by the endpoint identity (above); another account needs its own
    // grant, made here when this construct created the identity.
    if (blob && identityCreated && !blob.inWorkspaceStorage) {
      grant(
        'EndpointWeightsBlobDataReader',
        blob.storageAccountId,
        this.endpointIdentity.principalId,
        'Storage Blob Data Reader',
      );
    }
    this.roleAssignments = grants.byKey;
    // Every assignment takes up to 10 minutes to take effect: the workspace (which its identity's roles gate) and
    // the endpoint (whose image pull and blob reads the endpoint identity's roles gate) wait for them.
    this.rolePropagation = rolePropagationWait(this, grants.byKey);
    if (props.workspace) {
      this.workspaceId = props.workspace.id;
      this.workspaceName = props.workspace.name;
    } else if (workspaceDependencies) {
      this.createdWorkspace = new MachineLearningWorkspace(this, 'Workspace', {
        ...common,
        name: resourceName(`${id}-ws`, { maxLength: 33 }),
        applicationInsightsId: workspaceDependencies.applicationInsights.id,
        keyVaultId: workspaceDependencies.keyVault.id,
        storageAccountId: workspaceDependencies.storageAccount.id,
        containerRegistryId: this.registry.id,
        identity: { type: 'UserAssigned', identityIds: [workspaceDependencies.workspaceIdentity.id] },
        primaryUserAssignedIdentity: workspaceDependencies.workspaceIdentity.id,
        publicNetworkAccessEnabled: true,
        dependsOn: this.rolePropagation ? [this.rolePropagation] : [],
      });
      this.workspaceId = this.createdWorkspace.id;
      this.workspaceName = this.createdWorkspace.name;
    } else {
      throw new Error('unreachable: a workspace is either given or created');
    }

    this.image = imageReference(this.registry, props);

    // Endpoint, environment, deployment and traffic.
    const endpointSpec: OnlineEndpointSpec = {
      authMode: ARM_AUTH_MODES[this.authMode],
      publicNetworkAccess: props.publicNetworkAccess === false ? 'Disabled' : 'Enabled',
      description: `pdfme form-field detector: ${this.deployment.baseModel}${
        this.deployment.loraAdapter ? ` + ${this.deployment.loraAdapter}` : ''
      } (${this.deployment.quantization})`,
    };
    this.template = onlineDeploymentTemplate({
      ...endpointSpec,
      egressPublicNetworkAccess: props.egressPublicNetworkAccess === false ? 'Disabled' : 'Enabled',
      instanceType: this.deployment.instance.instanceType,
      port: CONTAINER_PORT,
      routes: {
        liveness: CONTAINER_ROUTES.azureLiveness,
        readiness: CONTAINER_ROUTES.azureReadiness,
        scoring: CONTAINER_ROUTES.azureScore,
      },
      livenessProbe: resolved.livenessProbe,
      readinessProbe: resolved.readinessProbe,
      requestSettings: {
        requestTimeout: Duration.millis(resolved.endpointTimeoutMs).toIsoString(),
        maxConcurrentRequestsPerInstance: this.deployment.maxConcurrency,
      },
      appInsightsEnabled: props.appInsightsEnabled ?? true,
      mountModel: blob !== undefined,
    });
    this.templateParameterValues = {
      workspaceName: this.workspaceName,
      location: props.location,
      endpointName: this.endpointName,
      deploymentName: this.deploymentName,
      environmentName: concat(this.endpointName, '-env'),
      image: this.image,
      endpointIdentityId: this.endpointIdentity.id,
      instanceCount: resolved.instanceCount,
      environmentVariables: containerEnvironment(this.deployment, this.weights.source),
      tags,
      ...(blob ? { modelName: concat(this.endpointName, '-weights'), modelUri: blob.uri } : {}),
    };
    const dependencies: ITerraformDependable[] = [];
    if (this.rolePropagation) dependencies.push(this.rolePropagation);
    if (this.weights.createdContainer) dependencies.push(this.weights.createdContainer);
    if (this.createdWorkspace) dependencies.push(this.createdWorkspace);

    // The bare endpoint, created once: Terraform ignores every later change to it, so no update PUTs the
    // endpoint without traffic (the deployment template below PUTs it again with traffic, after the deployment).
    const endpointValues: OnlineEndpointTemplateParameters = {
      workspaceName: this.templateParameterValues.workspaceName,
      location: this.templateParameterValues.location,
      endpointName: this.templateParameterValues.endpointName,
      endpointIdentityId: this.templateParameterValues.endpointIdentityId,
      tags: this.templateParameterValues.tags,
    };
    this.endpointTemplate = onlineEndpointTemplate(endpointSpec);
    this.endpointTemplateDeployment = new ResourceGroupTemplateDeployment(this, 'Endpoint', {
      name: resourceName(`${id}-online-endpoint-create`, { maxLength: 64 }),
      resourceGroupName: this.resourceGroup.name,
      deploymentMode: 'Incremental',
      templateContent: JSON.stringify(this.endpointTemplate, undefined, 2),
      parametersContent: Fn.jsonencode(templateParameters(endpointValues)),
      timeouts: { create: '30m', update: '30m', delete: '60m' },
      ...tagged,
      lifecycle: { ignoreChanges: 'all' },
      dependsOn: dependencies,
    });
    dependencies.push(this.endpointTemplateDeployment);

    this.templateDeployment = new ResourceGroupTemplateDeployment(this, 'Resource', {
      name: resourceName(`${id}-online-endpoint`, { maxLength: 64 }),
      resourceGroupName: this.resourceGroup.name,
      deploymentMode: 'Incremental',
      templateContent: JSON.stringify(this.template, undefined, 2),
      parametersContent: Fn.jsonencode(templateParameters(this.templateParameterValues)),
      // A GPU deployment waits for quota, pulls a ~10 GB image and loads the model.
      timeouts: { create: '120m', update: '120m', delete: '60m' },
      ...tagged,
      dependsOn: dependencies,
    });

    this.summary = summarizeDeployment({
      service: PLATFORM_LIMITS.azureMl.name,
      endpoint: Token.isUnresolved(this.endpointName) ? this.node.path : this.endpointName,
      mode: 'always-on',
      deployment: this.deployment,
      scaling: this.scaling,
      weights: this.weights.source,
    });
    this.templateDeployment.addOverride(`//.${SUMMARY_METADATA_KEY}`, this.summary);

    this.autoscaleSetting = new MonitorAutoscaleSetting(this, 'Autoscale', {
      ...common,
      name: resourceName(`${id}-autoscale`, { maxLength: 260 }),
      targetResourceId: this.deploymentId,
      profile: [
        {
          name: 'detector',
          capacity: {
            minimum: this.scaling.minCapacity,
            maximum: this.scaling.maxCapacity,
            default: resolved.instanceCount,
          },
          rule: autoscaleRules(this.deploymentId, this.scaling, resolved.autoscale),
        },
      ],
      dependsOn: [this.templateDeployment],
    });
  }

  /** Resource id of the deployment that takes the traffic (the autoscale target). */
  get deploymentId(): string {
    return `${this.endpointId}/deployments/${this.deploymentName}`;
  }

  /** The endpoint's scoring URI, `https://<endpoint>.<region>.inference.ml.azure.com/score`. */
  get scoringUri(): string {
    return this.templateOutput('scoringUri');
  }

  /** The OpenAPI document of the scoring route, as Azure ML serves it. */
  get swaggerUri(): string {
    return this.templateOutput('swaggerUri');
  }

  get registryLoginServer(): string {
    return this.registry.loginServer;
  }

  /** Shell commands that build the image from inference-container/ (run from the repo root) and push it. */
  get pushImageCommand(): string {
    return pushImageCommand(this.registry, this.image);
  }

  /** The shell command that prints a credential for scoring requests. */
  get credentialsCommand(): string {
    if (this.authMode === 'aad_token') {
      return 'az account get-access-token --resource https://ml.azure.com --query accessToken -o tsv';
    }
    return (
      `az ml online-endpoint get-credentials --name ${this.endpointName} ` +
      `--resource-group ${this.resourceGroupName} --workspace-name ${this.workspaceName} --query primaryKey -o tsv`
    );
  }

  private templateOutput(name: string): string {
    return Fn.lookupNested(Fn.jsondecode(this.templateDeployment.outputContent), [name, 'value']);
  }
}

function autoscaleRules(
  deploymentId: string,
  scaling: ScalingSpec,
  thresholds: Required<AzureAutoscaleOptions>,
): MonitorAutoscaleSettingProfileRule[] {
  const rule = (
    metricName: 'GpuUtilizationPercentage' | 'RequestsPerMinute',
    direction: 'Increase' | 'Decrease',
    threshold: number,
  ): MonitorAutoscaleSettingProfileRule => {
    const out = direction === 'Increase';
    return {
      metricTrigger: {
        metricName,
        metricResourceId: deploymentId,
        timeGrain: 'PT1M',
        statistic: 'Average',
        timeWindow: out ? DEFAULTS.scaleOutWindow : DEFAULTS.scaleInWindow,
        timeAggregation: 'Average',
        operator: out ? 'GreaterThan' : 'LessThan',
        threshold,
        // Requests are counted for the whole deployment; compare them per instance.
        ...(metricName === 'RequestsPerMinute' ? { divideByInstanceCount: true } : {}),
      },
      scaleAction: {
        direction,
        type: 'ChangeCount',
        value: 1,
        cooldown: Duration.seconds(
          out ? scaling.scaleOutCooldownSeconds : scaling.scaleInCooldownSeconds,
        ).toIsoString(),
      },
    };
  };
  // Azure Monitor scales out when any scale-out rule fires, and in only when every scale-in rule holds.
  return [
    rule('GpuUtilizationPercentage', 'Increase', thresholds.scaleOutGpuUtilizationPercent),
    rule('RequestsPerMinute', 'Increase', thresholds.scaleOutRequestsPerMinutePerInstance),
    rule('GpuUtilizationPercentage', 'Decrease', thresholds.scaleInGpuUtilizationPercent),
    rule('RequestsPerMinute', 'Decrease', thresholds.scaleInRequestsPerMinutePerInstance),
  ];
}

/** Checks every prop once and throws one error that lists each problem. */
function validate(path: string, props: AzureMlDetectorEndpointProps): ResolvedProps {
  const errors = new ValidationErrors(`AzureMlDetectorEndpoint '${path}'`, (v) => Token.isUnresolved(v));

  const instanceType = props.instanceType ?? DEFAULT_AZURE_INSTANCE_TYPE;
  const found = azureInstance(instanceType);
  if (!found.ok) errors.add('instanceType', instanceType, found.problem);
  const instance = found.ok ? found.value : AZURE_INSTANCES[DEFAULT_AZURE_INSTANCE_TYPE];
  const deployment = resolveDeployment(instance, props, PLATFORM_LIMITS.azureMl, errors);
  const scaling = resolveScaling(
    props.scaling,
    { maxConcurrency: deployment.maxConcurrency, allowZero: false },
    errors,
  );

  const instanceCount = props.instanceCount ?? scaling.minCapacity;
  errors.check(
    'instanceCount',
    props.instanceCount,
    (n) => isPositiveInteger(n) && n >= scaling.minCapacity && n <= scaling.maxCapacity,
    `use a whole number from scaling.minCapacity (${scaling.minCapacity}) to scaling.maxCapacity ` +
      `(${scaling.maxCapacity}); managed online endpoints cannot run zero instances`,
  );
  for (const [name, seconds] of [
    ['scaleOutCooldown', scaling.scaleOutCooldownSeconds],
    ['scaleInCooldown', scaling.scaleInCooldownSeconds],
  ] as const) {
    if (errors.isKnown(seconds)) errors.rule(`scaling.${name}`, AZURE_AUTOSCALE_COOLDOWN, { seconds });
  }

  checkCommonProps(errors, props);
  errors.check(
    'authMode',
    props.authMode,
    (m) => Object.prototype.hasOwnProperty.call(ARM_AUTH_MODES, m),
    `use one of ${Object.keys(ARM_AUTH_MODES).join(', ')}`,
  );
  errors.check(
    'endpointName',
    props.endpointName,
    (n) => ENDPOINT_NAME.test(n),
    '3–32 letters, digits and hyphens, starting with a letter and not ending with a hyphen',
  );
  errors.check(
    'deploymentName',
    props.deploymentName,
    (n) => ENDPOINT_NAME.test(n),
    '3–32 letters, digits and hyphens, starting with a letter and not ending with a hyphen',
  );
  checkImageAndLogProps(errors, props);
  if (props.workspace !== undefined && props.resourceGroup === undefined) {
    errors.add(
      'resourceGroup',
      undefined,
      'an existing workspace needs its resource group too: pass resourceGroup (the group holding the workspace)',
    );
  }

  // The endpoint waits a little longer than the container, so the container's own timeout answer gets through.
  const endpointTimeoutMs = Math.min(
    deployment.requestTimeoutMs + ENDPOINT_TIMEOUT_HEADROOM_MS,
    AZURE_ML_MAX_REQUEST_TIMEOUT_MS,
  );

  const modelLoadSeconds = wholeSeconds(
    errors,
    'modelLoadTimeout',
    props.modelLoadTimeout,
    DEFAULTS.modelLoadTimeoutSeconds,
  );
  errors.check(
    'modelLoadTimeout',
    modelLoadSeconds,
    (s) => s >= 300 && s <= 7200,
    'use 5 minutes to 2 hours (vLLM needs ~15–30 minutes to download and quantize the model)',
  );
  const liveness = probe(errors, 'livenessProbe', props.livenessProbe, DEFAULTS.liveness);
  const readinessDefaults = {
    ...DEFAULTS.readiness,
    failureThreshold: Math.max(
      3,
      Math.ceil(
        (modelLoadSeconds - (toSecondsOr(props.readinessProbe?.initialDelay) ?? DEFAULTS.readiness.initialDelay)) /
          (toSecondsOr(props.readinessProbe?.period) ?? DEFAULTS.readiness.period),
      ),
    ),
  };
  const readiness = probe(errors, 'readinessProbe', props.readinessProbe, readinessDefaults);
  // Liveness (/health/live) answers as soon as the controller runs, model or not; readiness waits for the model,
  // so it is the probe that must outlast the load.
  const readinessWindow = readiness.initialDelay + readiness.period * readiness.failureThreshold;
  if (readinessWindow < modelLoadSeconds) {
    errors.add(
      'readinessProbe',
      `initialDelay ${readiness.initialDelay}s + ${readiness.failureThreshold} × ${readiness.period}s = ${readinessWindow}s`,
      `the probe gives up before modelLoadTimeout (${modelLoadSeconds}s); raise initialDelay or failureThreshold, ` +
        'or lower modelLoadTimeout',
    );
  }

  const autoscaleInput = props.autoscale ?? {};
  const scaleOutRpm =
    autoscaleInput.scaleOutRequestsPerMinutePerInstance ?? Math.max(1, scaling.targetConcurrencyPerInstance * 2);
  const autoscale: Required<AzureAutoscaleOptions> = {
    scaleOutGpuUtilizationPercent:
      autoscaleInput.scaleOutGpuUtilizationPercent ?? DEFAULTS.scaleOutGpuUtilizationPercent,
    scaleInGpuUtilizationPercent: autoscaleInput.scaleInGpuUtilizationPercent ?? DEFAULTS.scaleInGpuUtilizationPercent,
    scaleOutRequestsPerMinutePerInstance: scaleOutRpm,
    scaleInRequestsPerMinutePerInstance:
      autoscaleInput.scaleInRequestsPerMinutePerInstance ?? Math.max(0, Math.floor(scaleOutRpm / 4)),
  };
  const percent = (n: number): boolean => n > 0 && n < 100;
  errors.check(
    'autoscale.scaleOutGpuUtilizationPercent',
    autoscaleInput.scaleOutGpuUtilizationPercent,
    percent,
    'use a percentage between 0 and 100',
  );
  errors.check(
    'autoscale.scaleInGpuUtilizationPercent',
    autoscaleInput.scaleInGpuUtilizationPercent,
    percent,
    'use a percentage between 0 and 100',
  );
  errors.check(
    'autoscale.scaleOutRequestsPerMinutePerInstance',
    autoscaleInput.scaleOutRequestsPerMinutePerInstance,
    (n) => n > 0,
    'use a positive number of requests per minute',
  );
  errors.check(
    'autoscale.scaleInRequestsPerMinutePerInstance',
    autoscaleInput.scaleInRequestsPerMinutePerInstance,
    (n) => n >= 0,
    'use zero or a positive number of requests per minute',
  );
  if (autoscale.scaleInGpuUtilizationPercent >= autoscale.scaleOutGpuUtilizationPercent) {
    errors.add(
      'autoscale.scaleInGpuUtilizationPercent',
      autoscale.scaleInGpuUtilizationPercent,
      `keep it below scaleOutGpuUtilizationPercent (${autoscale.scaleOutGpuUtilizationPercent}), or the ` +
        'autoscaler flaps between the two',
    );
  }
  if (autoscale.scaleInRequestsPerMinutePerInstance >= autoscale.scaleOutRequestsPerMinutePerInstance) {
    errors.add(
      'autoscale.scaleInRequestsPerMinutePerInstance',
      autoscale.scaleInRequestsPerMinutePerInstance,
      `keep it below scaleOutRequestsPerMinutePerInstance (${autoscale.scaleOutRequestsPerMinutePerInstance}), ` +
        'or the autoscaler flaps between the two',
    );
  }

  errors.throwIfAny();
  return {
    deployment,
    scaling,
    instanceCount,
    endpointTimeoutMs,
    livenessProbe: armProbe(liveness),
    readinessProbe: armProbe(readiness),
    autoscale,
  };
}

interface ProbeSeconds {
  readonly initialDelay: number;
  readonly period: number;
  readonly timeout: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

function probe(
  errors: ValidationErrors,
  prop: string,
  options: ProbeOptions | undefined,
  defaults: ProbeSeconds,
): ProbeSeconds {
  const o = options ?? {};
  const result: ProbeSeconds = {
    initialDelay: wholeSeconds(errors, `${prop}.initialDelay`, o.initialDelay, defaults.initialDelay),
    period: wholeSeconds(errors, `${prop}.period`, o.period, defaults.period),
    timeout: wholeSeconds(errors, `${prop}.timeout`, o.timeout, defaults.timeout),
    successThreshold: o.successThreshold ?? defaults.successThreshold,
    failureThreshold: o.failureThreshold ?? defaults.failureThreshold,
  };
  const atLeastOneSecond = (s: number): boolean => s >= 1;
  errors.check(`${prop}.initialDelay`, result.initialDelay, atLeastOneSecond, 'use at least 1 second');
  errors.check(`${prop}.period`, result.period, atLeastOneSecond, 'use at least 1 second');
  errors.check(
    `${prop}.timeout`,
    result.timeout,
    (s) => s >= 1 && s <= result.period,
    `use 1 second up to the period (${result.period}s)`,
  );
  if (prop === 'livenessProbe') {
    errors.check(
      `${prop}.successThreshold`,
      o.successThreshold,
      (n) => n === 1,
      'use 1 (a liveness probe takes only 1)',
    );
  } else {
    errors.check(`${prop}.successThreshold`, o.successThreshold, isPositiveInteger, 'use a whole number ≥ 1');
  }
  errors.check(`${prop}.failureThreshold`, o.failureThreshold, isPositiveInteger, 'use a whole number ≥ 1');
  return result;
}

function armProbe(p: ProbeSeconds): ProbeSettings {
  const iso = (s: number): string => Duration.seconds(s).toIsoString();
  return {
    initialDelay: iso(p.initialDelay),
    period: iso(p.period),
    timeout: iso(p.timeout),
    successThreshold: p.successThreshold,
    failureThreshold: p.failureThreshold,
  };
}
