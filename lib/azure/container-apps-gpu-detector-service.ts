import { Fn, Token, type ITerraformDependable } from 'cdktf';
import type { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import { ContainerApp, type ContainerAppIngressIpSecurityRestriction } from '@cdktf/provider-azurerm/lib/container-app';
import { ContainerAppEnvironmentStorage } from '@cdktf/provider-azurerm/lib/container-app-environment-storage';
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
  CONTAINER_PORT,
  containerEnvironment,
  PLATFORM_LIMITS,
  resourceName,
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  ValidationErrors,
  WEIGHTS_MOUNT_PATH,
  type ContainerAppsGpuProfile,
  type DeploymentSummary,
  type DetectorDeployment,
  type ScalingSpec,
} from '../core';
import { concat } from '../cdktf/concat';
import {
  compactName,
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
} from './common-resources';
import {
  gpuEnvironmentParameters,
  gpuEnvironmentTemplate,
  type GpuEnvironmentTemplateParameters,
} from './container-apps-environment-template';
import type { ContainerAppsGpuDetectorServiceProps } from './container-apps-gpu-detector-service-props';
import {
  ContainerAppsDetectorServiceBase,
  ImportedContainerAppsDetectorService,
  type ContainerAppsDetectorServiceAttributes,
  type IContainerAppsDetectorService,
} from './container-apps-service-base';
import { IPV4_CIDR, IPV4_CIDR_FIX, validateContainerAppsProps } from './container-apps-validation';
import { ModelWeights, type ModelWeightsConfig } from './model-weights';
import type { IdentityReference, RegistryReference, ResourceGroupReference } from './serving-props';

/** Short names for the GPU profile inside a created environment (Azure rejects long profile names). */
const GPU_WORKLOAD_PROFILE_NAMES: Readonly<Record<ContainerAppsGpuProfile, string>> = {
  'Consumption-GPU-NC8as-T4': 'gpu-t4',
  'Consumption-GPU-NC24-A100': 'gpu-a100',
};

/** The volume (and environment storage) that holds the weights. */
const WEIGHTS_VOLUME = 'model-weights';

/**
 * The form-field detector on Azure Container Apps serverless GPU: on demand, scaled to zero when idle, billed per
 * second while a replica runs. An environment with a serverless GPU workload profile (or an existing one), a
 * registry and an identity that pulls from it, and the container app with an HTTP scale rule on concurrent
 * requests.
 *
 * @example
 * const detector = new ContainerAppsGpuDetectorService(this, 'Detector', { location: 'swedencentral' });
 * new TerraformOutput(this, 'ScoringUri', { value: detector.scoringUri });
 */
export class ContainerAppsGpuDetectorService extends ContainerAppsDetectorServiceBase {
  /** A service deployed elsewhere, to read metrics from or call. */
  static fromServiceAttributes(
    scope: Construct,
    id: string,
    attributes: ContainerAppsDetectorServiceAttributes,
  ): IContainerAppsDetectorService {
    return new ImportedContainerAppsDetectorService(scope, id, attributes);
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
    const resolved = validateContainerAppsProps(
      this.node.path,
      props,
      (props.weights ?? ModelWeights.fromNewStore()).storeCreatedWith(this),
    );
    this.gpuProfile = resolved.gpuProfile;
    this.deployment = resolved.deployment;
    this.scaling = resolved.scaling;
    this.location = props.location;
    const tags = props.tags ?? {};
    const tagged = taggedWith(tags);

    this.clientConfig = new DataAzurermClientConfig(this, 'ClientConfig', {});
    const group = resolveResourceGroup(this, props);
    this.resourceGroup = group.resourceGroup;
    this.createdResourceGroup = group.created;
    this.resourceGroupName = this.resourceGroup.name;
    const common = { location: props.location, resourceGroupName: this.resourceGroup.name, ...tagged };
    const suffix = nameSuffix(this, this.clientConfig, this.resourceGroup.name);

    const registry = resolveRegistry(this, props, common, concat(compactName(id, 42), suffix));
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
      this.logAnalyticsWorkspace = createLogAnalytics(this, id, props, common);
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

    this.image = imageReference(this.registry, props);
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
      service: PLATFORM_LIMITS.containerApps.name,
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
    new ValidationErrors(`ContainerAppsGpuDetectorService '${this.node.path}'`, (v) => Token.isUnresolved(v))
      .check('allowedIpRanges', ipAddressRange, (r) => IPV4_CIDR.test(r), IPV4_CIDR_FIX)
      .throwIfAny();
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
