import { Fn, Token, type ITerraformDependable } from 'cdktf';
import type { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import {
  ContainerApp,
  type ContainerAppIngressIpSecurityRestriction,
  type ContainerAppTemplateContainerLivenessProbe,
  type ContainerAppTemplateContainerReadinessProbe,
  type ContainerAppTemplateContainerStartupProbe,
} from '@cdktf/provider-azurerm/lib/container-app';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import type { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { ResourceGroupTemplateDeployment } from '@cdktf/provider-azurerm/lib/resource-group-template-deployment';
import type { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import type { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import type { Sleep } from '@cdktf/provider-time/lib/sleep';
import type { Construct } from 'constructs';
import {
  coldStartFor,
  CONTAINER_APPS_GPU_PROFILES,
  huggingFaceDownloadGiB,
  WEIGHTS_MOUNT_PATH,
  WEIGHTS_PLATFORM_LIMITS,
  AZURE_LIMITS,
  CONTAINER_APPS_GPU_REGION,
  CONTAINER_APPS_MAX_REPLICAS,
  CONTAINER_APPS_PROBE_RANGES,
  CONTAINER_PORT,
  CONTAINER_ROUTES,
  containerEnvironment,
  PLATFORM_LIMITS,
  resolveDeployment,
  resolveScaling,
  resourceName,
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  ValidationErrors,
  type ContainerAppsGpuProfile,
  type DeploymentSummary,
  type DetectorDeployment,
  type DetectorModelOptions,
  type DurationLike,
  type PlatformLimits,
  type ScalingOptions,
  type ScalingSpec,
} from '../core';
import type { ProbeOptions } from './azure-ml-detector-endpoint';
import { ModelWeights, type ModelWeightsConfig } from './model-weights';
import { ContainerAppEnvironmentStorage } from '@cdktf/provider-azurerm/lib/container-app-environment-storage';
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
  type CommonResourceProps,
  type IdentityReference,
  type RegistryReference,
  type ResourceGroupReference,
} from './common-resources';
import {
  gpuEnvironmentParameters,
  gpuEnvironmentTemplate,
  type GpuEnvironmentTemplateParameters,
} from './container-apps-environment-template';
import {
  ContainerAppsDetectorServiceBase,
  importContainerAppsDetectorService,
  type ContainerAppsDetectorServiceAttributes,
  type IContainerAppsDetectorService,
} from './container-apps-service-base';

export const DEFAULT_CONTAINER_APPS_GPU_PROFILE: ContainerAppsGpuProfile = 'Consumption-GPU-NC8as-T4';

/** Short names for the GPU profile inside a created environment (Azure rejects long profile names). */
const GPU_WORKLOAD_PROFILE_NAMES: Readonly<Record<ContainerAppsGpuProfile, string>> = {
  'Consumption-GPU-NC8as-T4': 'gpu-t4',
  'Consumption-GPU-NC24-A100': 'gpu-a100',
};

/**
 * What Container Apps allows a request. Its HTTP ingress ends a request after about 240 s (a figure from a
 * third-party guide, not verified here), so the container's deadline stays at the Azure ML endpoint's safe value:
 * one deadline for both Azure services, with room for the answer to get out.
 */
export const CONTAINER_APPS_LIMITS: PlatformLimits = {
  name: 'Azure Container Apps serverless GPU',
  defaultRequestTimeoutMs: PLATFORM_LIMITS.azureMl.defaultRequestTimeoutMs,
  maxRequestTimeoutMs: PLATFORM_LIMITS.azureMl.maxRequestTimeoutMs,
  maxRequestTimeoutReason: 'Container Apps ingress ends a request at about 240 s; 175 s leaves room for the answer',
};

/** Probe limits of azurerm_container_app 4.55 (rule container-apps.probe-ranges). */
export const CONTAINER_APPS_PROBE_LIMITS = AZURE_LIMITS.containerAppsProbe;

/** An existing Container Apps environment that already has a serverless GPU workload profile. */
export interface ContainerAppsEnvironmentReference {
  /** Resource id of the environment. */
  readonly id: string;
  /** Name of its GPU workload profile (of the type `gpuProfile` names). */
  readonly gpuWorkloadProfileName: string;
}

export interface ContainerAppsGpuDetectorServiceProps extends DetectorModelOptions {
  /** Azure region of everything created here; it must offer serverless GPUs (westus3, swedencentral, …). */
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
   * A complete image reference to serve instead of the image built from inference-container/. Pass the registry
   * that holds it as `registry` so the identity may pull it.
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
   * An existing identity for the app; it must be able to pull the image (AcrPull on the registry).
   * @default a new user-assigned identity with AcrPull on the registry
   */
  readonly endpointIdentity?: IdentityReference;
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
  /**
   * How long a replica may take from container start to ready: weight download, quantization, warm-up (the
   * image pull comes before and is not counted). The startup probe is sized from it; a replica that is not ready
   * by then is restarted.
   * @default 30 minutes
   */
  readonly modelLoadTimeout?: DurationLike;
  /**
   * Liveness probe on /health/live (answers as soon as the controller runs).
   * @default period 10 s, timeout 5 s, 3 failures before a restart
   */
  readonly livenessProbe?: Omit<ProbeOptions, 'successThreshold'>;
  /**
   * Readiness probe on /health/ready, after the startup probe has passed.
   * @default period 10 s, timeout 5 s, 3 failures take the replica out of traffic
   */
  readonly readinessProbe?: ProbeOptions;
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
   * Where the weights come from: an Azure Files share mounted read-only as a volume at /mnt/model-weights. Hugging
   * Face is refused: a replica over 1 vCPU has 8 GiB of ephemeral storage, and the 16-bit download is ~17 GB.
   * @default ModelWeights.fromNewStore() — a storage account and file share created here
   */
  readonly weights?: ModelWeights;
}

const DEFAULTS = {
  modelLoadTimeoutSeconds: 30 * 60,
  startupInitialDelay: 60,
  liveness: { initialDelay: 0, period: 10, timeout: 5, failureThreshold: 3 },
  readiness: { initialDelay: 0, period: 10, timeout: 5, successThreshold: 1, failureThreshold: 3 },
} as const;

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
/** The volume (and environment storage) that holds the weights. */
const WEIGHTS_VOLUME = 'model-weights';
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/;

interface ResolvedProps {
  readonly gpuProfile: ContainerAppsGpuProfile;
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  readonly startupProbe: ContainerAppTemplateContainerStartupProbe;
  readonly livenessProbe: ContainerAppTemplateContainerLivenessProbe;
  readonly readinessProbe: ContainerAppTemplateContainerReadinessProbe;
}

/**
 * The form-field detector on Azure Container Apps serverless GPU: on demand, scaled to zero when idle, billed per
 * second while a replica runs. An environment with a serverless GPU workload profile (or an existing one), a
 * registry and an identity that pulls from it, and the container app with an HTTP scale rule on concurrent
 * requests.
 *
 * @example
 * const detector = new ContainerAppsGpuDetectorService(this, 'Detector', { location: 'swedencentral' });
 * new TerraformOutput(this, 'scoring_uri', { value: detector.scoringUri });
 */
export class ContainerAppsGpuDetectorService extends ContainerAppsDetectorServiceBase {
  /** A service deployed elsewhere, to read metrics from or call. */
  static fromServiceAttributes(
    scope: Construct,
    id: string,
    attributes: ContainerAppsDetectorServiceAttributes,
  ): IContainerAppsDetectorService {
    return importContainerAppsDetectorService(scope, id, attributes);
  }

  readonly serviceName: string;
  readonly containerAppId: string;
  /** `https://<fqdn>` of the ingress. */
  readonly url: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly gpuProfile: ContainerAppsGpuProfile;
  /** The image the app serves. */
  readonly image: string;
  /** What runs, at what scale and price (also recorded in the synthesized container app). */
  readonly summary: DeploymentSummary;
  readonly deployment: DetectorDeployment;
  readonly scaling: ScalingSpec;
  /** Resource id of the environment (created or given). */
  readonly environmentId: string;
  /** Name of the GPU workload profile the app runs on. */
  readonly gpuWorkloadProfileName: string;

  // Escape hatches: the provider resources. Undefined where an existing one was passed in.
  readonly clientConfig: DataAzurermClientConfig;
  readonly createdResourceGroup?: ResourceGroup;
  readonly createdRegistry?: ContainerRegistry;
  readonly createdEndpointIdentity?: UserAssignedIdentity;
  readonly logAnalyticsWorkspace?: LogAnalyticsWorkspace;
  /** The environment, as an ARM template deployment (see container-apps-environment-template.ts for why). */
  readonly environmentDeployment?: ResourceGroupTemplateDeployment;
  /** Role assignments this construct made, by what they allow. */
  readonly roleAssignments: Readonly<Record<string, RoleAssignment>>;
  /** The wait between the AcrPull assignment and the first image pull; undefined when no assignment is made here. */
  readonly rolePropagation?: Sleep;
  /** The main resource. */
  readonly containerApp: ContainerApp;
  /** Where the weights come from (share, account, and what was created for them). */
  readonly weights: ModelWeightsConfig;
  /** The environment's definition of the weights share, mounted read-only. */
  readonly weightsEnvironmentStorage?: ContainerAppEnvironmentStorage;

  readonly resourceGroup: ResourceGroupReference;
  readonly registry: RegistryReference;
  /** The identity the app runs as and pulls the image with (created or given). */
  readonly endpointIdentity: IdentityReference;

  private readonly ipRestrictions: ContainerAppIngressIpSecurityRestriction[] = [];

  constructor(scope: Construct, id: string, props: ContainerAppsGpuDetectorServiceProps) {
    super(scope, id);
    const resolved = validate(this.node.path, props);
    this.gpuProfile = resolved.gpuProfile;
    this.deployment = resolved.deployment;
    this.scaling = resolved.scaling;
    this.location = props.location;
    const tags = props.tags ?? {};
    const tagged = taggedWith(tags);
    const shared: CommonResourceProps = props;

    this.clientConfig = new DataAzurermClientConfig(this, 'ClientConfig', {});
    const group = resolveResourceGroup(this, shared);
    this.resourceGroup = group.resourceGroup;
    this.createdResourceGroup = group.created;
    this.resourceGroupName = this.resourceGroup.name;
    const common = { location: props.location, resourceGroupName: this.resourceGroup.name, ...tagged };
    const suffix = nameSuffix(this, this.clientConfig, this.resourceGroup.name);

    const registry = resolveRegistry(this, shared, common, concat(compactName(id, 42), suffix));
    this.registry = registry.registry;
    this.createdRegistry = registry.created;

    // The app's identity: pulls the image; nothing else.
    const identity = resolveIdentity(
      this,
      props.endpointIdentity,
      'EndpointIdentity',
      common,
      resourceName(`${id}-service`, { maxLength: 128 }),
    );
    this.endpointIdentity = identity.identity;
    this.createdEndpointIdentity = identity.created;
    const grants = new RoleGrants(this, id);
    // Made here when this construct created either side; between two existing resources it is the platform
    // team's to make.
    if (this.createdEndpointIdentity || this.createdRegistry) {
      grants.grant('EndpointAcrPull', this.registry.id, this.endpointIdentity.principalId, 'AcrPull');
    }
    this.roleAssignments = grants.byKey;
    // AcrPull takes up to 10 minutes to take effect: the first revision's image pull waits for it.
    this.rolePropagation = rolePropagationWait(this, grants.byKey);

    if (props.containerAppsEnvironment) {
      this.environmentId = props.containerAppsEnvironment.id;
      this.gpuWorkloadProfileName = props.containerAppsEnvironment.gpuWorkloadProfileName;
    } else {
      this.logAnalyticsWorkspace = createLogAnalytics(this, id, shared, common);
      this.gpuWorkloadProfileName = GPU_WORKLOAD_PROFILE_NAMES[this.gpuProfile];
      const values: GpuEnvironmentTemplateParameters = {
        environmentName: resourceName(`${id}-env`, { maxLength: 60, lowercase: true }),
        location: props.location,
        logAnalyticsWorkspaceId: this.logAnalyticsWorkspace.id,
        tags,
      };
      this.environmentDeployment = new ResourceGroupTemplateDeployment(this, 'Environment', {
        name: resourceName(`${id}-gpu-environment`, { maxLength: 64 }),
        resourceGroupName: this.resourceGroup.name,
        deploymentMode: 'Incremental',
        templateContent: JSON.stringify(
          gpuEnvironmentTemplate({
            gpuWorkloadProfileName: this.gpuWorkloadProfileName,
            gpuWorkloadProfileType: this.gpuProfile,
          }),
          undefined,
          2,
        ),
        parametersContent: Fn.jsonencode(gpuEnvironmentParameters(values)),
        timeouts: { create: '60m', update: '60m', delete: '60m' },
        ...tagged,
      });
      this.environmentId = Fn.lookupNested(Fn.jsondecode(this.environmentDeployment.outputContent), [
        'environmentId',
        'value',
      ]);
    }

    // Weights: an Azure Files share the environment mounts read-only (account key, the only authentication
    // Container Apps Azure Files volumes take here), at the same path in every replica.
    this.weights = (props.weights ?? ModelWeights.fromNewStore()).bind(this, {
      target: 'azure-files',
      location: props.location,
      resourceGroupName: this.resourceGroup.name,
      tags,
      nameSuffix: suffix,
      compactId: compactName(id, 16),
    });
    const share = this.weights.fileShare;
    if (share) {
      this.weightsEnvironmentStorage = new ContainerAppEnvironmentStorage(this, 'WeightsEnvironmentStorage', {
        name: WEIGHTS_VOLUME,
        containerAppEnvironmentId: this.environmentId,
        accountName: share.accountName,
        shareName: share.shareName,
        accessKey: share.accessKey,
        accessMode: 'ReadOnly',
        ...(this.environmentDeployment ? { dependsOn: [this.environmentDeployment] } : {}),
      });
    }

    this.image = imageReference(this.registry, shared);
    this.serviceName = props.serviceName ?? resourceName(id, { maxLength: 32, lowercase: true });
    const instance = this.deployment.instance;
    const env = containerEnvironment(this.deployment, this.weights.source);
    const port = CONTAINER_PORT;
    const dependencies: ITerraformDependable[] = [
      ...(this.rolePropagation ? [this.rolePropagation] : []),
      ...(this.environmentDeployment ? [this.environmentDeployment] : []),
      ...(this.weightsEnvironmentStorage ? [this.weightsEnvironmentStorage] : []),
    ];

    this.containerApp = new ContainerApp(this, 'Resource', {
      name: this.serviceName,
      resourceGroupName: this.resourceGroup.name,
      containerAppEnvironmentId: this.environmentId,
      workloadProfileName: this.gpuWorkloadProfileName,
      revisionMode: 'Single',
      identity: { type: 'UserAssigned', identityIds: [this.endpointIdentity.id] },
      registry: [{ server: this.registry.loginServer, identity: this.endpointIdentity.id }],
      ingress: {
        externalEnabled: props.publicNetworkAccess ?? true,
        targetPort: port,
        transport: 'auto',
        allowInsecureConnections: false,
        trafficWeight: [{ latestRevision: true, percentage: 100 }],
      },
      template: {
        minReplicas: this.scaling.minCapacity,
        maxReplicas: this.scaling.maxCapacity,
        cooldownPeriodInSeconds: this.scaling.scaleInCooldownSeconds,
        httpScaleRule: [
          { name: 'concurrent-requests', concurrentRequests: String(this.scaling.targetConcurrencyPerInstance) },
        ],
        // The controller drains in-flight detections within 25 s of SIGTERM.
        terminationGracePeriodSeconds: 30,
        ...(this.weightsEnvironmentStorage
          ? {
              volume: [
                { name: WEIGHTS_VOLUME, storageType: 'AzureFile', storageName: this.weightsEnvironmentStorage.name },
              ],
            }
          : {}),
        container: [
          {
            name: 'detector',
            image: this.image,
            // The whole profile: a serverless GPU replica is billed for the profile whatever the container asks.
            cpu: instance.vcpus,
            memory: `${instance.memoryGiB}Gi`,
            env: Object.entries(env).map(([name, value]) => ({ name, value })),
            startupProbe: [{ ...resolved.startupProbe, port }],
            livenessProbe: [{ ...resolved.livenessProbe, port }],
            readinessProbe: [{ ...resolved.readinessProbe, port }],
            ...(this.weightsEnvironmentStorage
              ? { volumeMounts: [{ name: WEIGHTS_VOLUME, path: WEIGHTS_MOUNT_PATH }] }
              : {}),
          },
        ],
      },
      // Creating the first revision pulls a ~10 GB image.
      timeouts: { create: '60m', update: '60m', delete: '30m' },
      ...tagged,
      ...(dependencies.length > 0 ? { dependsOn: dependencies } : {}),
    });
    this.containerAppId = this.containerApp.id;
    this.url = `https://${this.containerApp.ingress.fqdn}`;
    for (const range of props.allowedIpRanges ?? []) this.allowInvokeFrom(range);

    this.summary = summarizeDeployment({
      service: CONTAINER_APPS_LIMITS.name,
      endpoint: Token.isUnresolved(this.serviceName) ? this.node.path : this.serviceName,
      mode: 'on-demand',
      deployment: this.deployment,
      scaling: this.scaling,
      // A warm replica (minCapacity ≥ 1) means no cold start for the first request.
      ...(this.scaling.minCapacity === 0 ? { coldStart: coldStartFor('containerAppsGpu', this.weights.source) } : {}),
      weights: this.weights.source,
    });
    this.containerApp.addOverride(`//.${SUMMARY_METADATA_KEY}`, this.summary);
  }

  get registryLoginServer(): string {
    return this.registry.loginServer;
  }

  /** Shell commands that build the image from inference-container/ (run from the repo root) and push it. */
  get pushImageCommand(): string {
    return pushImageCommand(this.registry, this.image);
  }

  /**
   * Lets an IPv4 range (CIDR) call the service, by the ingress IP allow-list: once any range is allowed, every
   * other address gets 403. Network-level only; see IContainerAppsDetectorService for why there is no
   * identity-based grantInvoke.
   */
  allowInvokeFrom(ipAddressRange: string, options: { readonly name?: string; readonly description?: string } = {}) {
    if (!Token.isUnresolved(ipAddressRange) && !IPV4_CIDR.test(ipAddressRange)) {
      throw new Error(
        `Invalid ContainerAppsGpuDetectorService '${this.node.path}':\n  - allowedIpRanges: got ` +
          `${JSON.stringify(ipAddressRange)}; use an IPv4 address or CIDR range, e.g. '203.0.113.0/24'`,
      );
    }
    const n = this.ipRestrictions.length + 1;
    this.ipRestrictions.push({
      name: options.name ?? `allow-${n}`,
      action: 'Allow',
      ipAddressRange,
      description: options.description ?? 'May call the form detector',
    });
    this.containerApp.ingress.putIpSecurityRestriction([...this.ipRestrictions]);
  }
}

/** Checks every prop once and throws one error that lists each problem. */
function validate(path: string, props: ContainerAppsGpuDetectorServiceProps): ResolvedProps {
  const errors = new ValidationErrors(`ContainerAppsGpuDetectorService '${path}'`, (v) => Token.isUnresolved(v));

  const requestedProfile = props.gpuProfile ?? DEFAULT_CONTAINER_APPS_GPU_PROFILE;
  const known = Object.prototype.hasOwnProperty.call(CONTAINER_APPS_GPU_PROFILES, requestedProfile);
  if (!known) {
    errors.add(
      'gpuProfile',
      requestedProfile,
      `unknown Container Apps serverless GPU profile; use one of ${Object.keys(CONTAINER_APPS_GPU_PROFILES).join(', ')}`,
    );
  }
  const gpuProfile = known ? requestedProfile : DEFAULT_CONTAINER_APPS_GPU_PROFILE;
  const deployment = resolveDeployment(CONTAINER_APPS_GPU_PROFILES[gpuProfile], props, CONTAINER_APPS_LIMITS, errors);
  // The point of this service is idling at zero, so zero is the default here (core's default is 1).
  const scaling = resolveScaling(
    { ...props.scaling, minCapacity: props.scaling?.minCapacity ?? 0 },
    { maxConcurrency: deployment.maxConcurrency, allowZero: true },
    errors,
  );
  if (props.scaling?.maxCapacity !== undefined && errors.isKnown(props.scaling.maxCapacity)) {
    errors.rule('scaling.maxCapacity', CONTAINER_APPS_MAX_REPLICAS, { maxReplicas: props.scaling.maxCapacity });
  }
  if (props.scaling?.scaleOutCooldown !== undefined) {
    errors.add(
      'scaling.scaleOutCooldown',
      props.scaling.scaleOutCooldown,
      'Container Apps scales out as soon as the HTTP scale rule asks and has no scale-out cooldown; leave it out',
    );
  }

  checkCommonProps(errors, props);
  if (errors.isKnown(props.location)) errors.rule('location', CONTAINER_APPS_GPU_REGION, { region: props.location });
  errors.check(
    'serviceName',
    props.serviceName,
    (n) => SERVICE_NAME.test(n),
    '2–32 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
  );
  for (const range of props.allowedIpRanges ?? []) {
    errors.check(
      'allowedIpRanges',
      range,
      (r) => IPV4_CIDR.test(r),
      "use an IPv4 address or CIDR range, e.g. '203.0.113.0/24'",
    );
  }
  if (props.containerAppsEnvironment !== undefined) {
    errors.check(
      'containerAppsEnvironment.gpuWorkloadProfileName',
      props.containerAppsEnvironment.gpuWorkloadProfileName,
      (n) => n.trim() !== '',
      "name the environment's serverless GPU workload profile, e.g. 'gpu-t4'",
    );
  }
  checkImageAndLogProps(errors, props);
  const bakedIntoImage = deployment.baseModel.startsWith('/');
  if (props.weights?.kind === 'huggingface' && !bakedIntoImage) {
    const limits = WEIGHTS_PLATFORM_LIMITS;
    errors.add(
      'weights',
      'ModelWeights.fromHuggingFace()',
      `a serverless GPU replica has ${limits.containerAppsEphemeralStorageGiB} GiB of ephemeral storage (over 1 ` +
        `vCPU; the container file system has no capacity guarantee: ${limits.containerAppsStorageSource}) and the ` +
        `download is ~${huggingFaceDownloadGiB(deployment).toFixed(0)} GiB of 16-bit weights, so the first request ` +
        'would fail after a successful deploy. Stage the weights in Azure Files: leave weights out ' +
        '(ModelWeights.fromNewStore(), a share created here) or pass ModelWeights.fromAzureFiles(...)',
    );
  }

  const modelLoadSeconds = wholeSeconds(
    errors,
    'modelLoadTimeout',
    props.modelLoadTimeout,
    DEFAULTS.modelLoadTimeoutSeconds,
  );
  const limits = CONTAINER_APPS_PROBE_LIMITS;
  const longestStartup = limits.initialDelaySeconds.max + limits.periodSeconds.max * limits.failureThreshold.max;
  errors.check(
    'modelLoadTimeout',
    modelLoadSeconds,
    (s) => s >= 300 && s <= longestStartup,
    `use 5 minutes to ${longestStartup} s (the longest startup probe Container Apps allows: ` +
      `${limits.initialDelaySeconds.max} s + ${limits.failureThreshold.max} × ${limits.periodSeconds.max} s)`,
  );
  // The startup probe waits for readiness (the model served), as long as modelLoadTimeout, in the fewest,
  // shortest periods the limits allow: ready is noticed at most one period late.
  const startupPeriod = Math.min(
    limits.periodSeconds.max,
    Math.max(10, Math.ceil((modelLoadSeconds - DEFAULTS.startupInitialDelay) / limits.failureThreshold.max)),
  );
  const startupFailures = Math.min(
    limits.failureThreshold.max,
    Math.max(1, Math.ceil((modelLoadSeconds - DEFAULTS.startupInitialDelay) / startupPeriod)),
  );

  const liveness = probeSeconds(errors, 'livenessProbe', props.livenessProbe, DEFAULTS.liveness);
  const readiness = probeSeconds(errors, 'readinessProbe', props.readinessProbe, DEFAULTS.readiness);

  errors.throwIfAny();
  return {
    gpuProfile,
    deployment,
    scaling,
    startupProbe: {
      transport: 'HTTP',
      port: CONTAINER_PORT,
      path: CONTAINER_ROUTES.azureReadiness,
      initialDelay: DEFAULTS.startupInitialDelay,
      intervalSeconds: startupPeriod,
      timeout: 5,
      failureCountThreshold: startupFailures,
    },
    livenessProbe: {
      transport: 'HTTP',
      port: CONTAINER_PORT,
      path: CONTAINER_ROUTES.azureLiveness,
      initialDelay: liveness.initialDelay,
      intervalSeconds: liveness.period,
      timeout: liveness.timeout,
      failureCountThreshold: liveness.failureThreshold,
    },
    readinessProbe: {
      transport: 'HTTP',
      port: CONTAINER_PORT,
      path: CONTAINER_ROUTES.azureReadiness,
      initialDelay: readiness.initialDelay,
      intervalSeconds: readiness.period,
      timeout: readiness.timeout,
      successCountThreshold: readiness.successThreshold,
      failureCountThreshold: readiness.failureThreshold,
    },
  };
}

interface ProbeSeconds {
  readonly initialDelay: number;
  readonly period: number;
  readonly timeout: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

function probeSeconds(
  errors: ValidationErrors,
  prop: string,
  options: ProbeOptions | undefined,
  defaults: Omit<ProbeSeconds, 'successThreshold'> & { successThreshold?: number },
): ProbeSeconds {
  const o = options ?? {};
  const limits = CONTAINER_APPS_PROBE_LIMITS;
  const result: ProbeSeconds = {
    initialDelay: wholeSeconds(errors, `${prop}.initialDelay`, o.initialDelay, defaults.initialDelay),
    period: wholeSeconds(errors, `${prop}.period`, o.period, defaults.period),
    timeout: wholeSeconds(errors, `${prop}.timeout`, o.timeout, defaults.timeout),
    successThreshold: o.successThreshold ?? defaults.successThreshold ?? 1,
    failureThreshold: o.failureThreshold ?? defaults.failureThreshold,
  };
  // The ranges Container Apps takes, for the values given (defaults are within them).
  errors.rule(prop, CONTAINER_APPS_PROBE_RANGES, {
    probe: prop,
    initialDelaySeconds: toSecondsOr(o.initialDelay),
    periodSeconds: toSecondsOr(o.period),
    failureThreshold: o.failureThreshold,
    successThreshold: prop === 'readinessProbe' ? o.successThreshold : undefined,
  });
  errors.check(
    `${prop}.timeout`,
    result.timeout,
    (s) =>
      Number.isInteger(s) && s >= limits.timeoutSeconds.min && s <= limits.timeoutSeconds.max && s <= result.period,
    `use 1 second up to the period (${result.period}s)`,
  );
  return result;
}
