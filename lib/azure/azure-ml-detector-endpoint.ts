import { Fn, TerraformLocal, Token } from 'cdktf';
import type { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights';
import type { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import type { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import type { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MachineLearningDatastoreBlobstorage } from '@cdktf/provider-azurerm/lib/machine-learning-datastore-blobstorage';
import type { MachineLearningWorkspace } from '@cdktf/provider-azurerm/lib/machine-learning-workspace';
import { MonitorAutoscaleSetting } from '@cdktf/provider-azurerm/lib/monitor-autoscale-setting';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { ResourceGroupTemplateDeployment } from '@cdktf/provider-azurerm/lib/resource-group-template-deployment';
import type { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import type { Sleep } from '@cdktf/provider-time/lib/sleep';
import type { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import type { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import type { Construct } from 'constructs';
import {
  CONTAINER_ENV,
  containerEnvironment,
  PLATFORM_LIMITS,
  resourceName,
  summarizeDeployment,
  SUMMARY_METADATA_KEY,
  type DeploymentSummary,
  type DetectorDeployment,
  type ScalingSpec,
} from '../core';
import type { ArmTemplate, OnlineDeploymentTemplateParameters } from './arm-template';
import { autoscaleRules } from './azure-ml-autoscale';
import type {
  AzureMlAuthMode,
  AzureMlDetectorEndpointProps,
  WorkspaceReference,
} from './azure-ml-detector-endpoint-props';
import { ARM_AUTH_MODES, AZURE_ML_DEFAULTS, validateAzureMlProps } from './azure-ml-validation';
import { createWorkspace, createWorkspaceDependencies, type WorkspaceDependencies } from './azure-ml-workspace';
import { concat } from '../cdktf/concat';
import {
  compactName,
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
  AzureMlDetectorEndpointBase,
  ImportedAzureMlDetectorEndpoint,
  type AzureMlDetectorEndpointAttributes,
  type IAzureMlDetectorEndpoint,
} from './endpoint-base';
import { createOnlineEndpointDeployments } from './azure-ml-template-deployments';
import { ModelWeights, type ModelWeightsConfig } from './model-weights';
import type { IdentityReference, RegistryReference, ResourceGroupReference } from './serving-props';

/**
 * The form-field detector on an Azure ML managed online endpoint: workspace and its dependencies (or existing
 * ones), an identity that can pull the image, the endpoint + environment + deployment + traffic in one ARM
 * template deployment, and an autoscale setting on the deployment.
 *
 * @example
 * const detector = new AzureMlDetectorEndpoint(this, 'Detector', { location: 'eastus' });
 * new TerraformOutput(this, 'ScoringUri', { value: detector.scoringUri });
 */
export class AzureMlDetectorEndpoint extends AzureMlDetectorEndpointBase {
  /** An endpoint deployed elsewhere, to grant scoring on or read metrics from. */
  static fromEndpointAttributes(
    scope: Construct,
    id: string,
    attributes: AzureMlDetectorEndpointAttributes,
  ): IAzureMlDetectorEndpoint {
    return new ImportedAzureMlDetectorEndpoint(scope, id, attributes);
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
  /** The workspace datastore of the weights' container, when the weights are a blob path (the model asset's path). */
  readonly weightsDatastore?: MachineLearningDatastoreBlobstorage;
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
    const resolved = validateAzureMlProps(this.node.path, props, props.weights?.storeCreatedWith(this));
    this.deployment = resolved.deployment;
    this.scaling = resolved.scaling;
    this.authMode = props.authMode ?? 'key';
    this.location = props.location;
    this.deploymentName = props.deploymentName ?? AZURE_ML_DEFAULTS.deploymentName;
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
    let workspaceDependencies: WorkspaceDependencies | undefined;
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
      workspaceDependencies = createWorkspaceDependencies(
        this,
        props,
        common,
        { id, compactId: base(16), suffix },
        this.clientConfig,
        this.registry,
        this.endpointIdentity.principalId,
        grants,
      );
      this.logAnalyticsWorkspace = workspaceDependencies.logAnalyticsWorkspace;
      this.applicationInsights = workspaceDependencies.applicationInsights;
      this.keyVault = workspaceDependencies.keyVault;
      this.storageAccount = workspaceDependencies.storageAccount;
      this.workspaceIdentity = workspaceDependencies.workspaceIdentity;
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
    // The workspace storage is already readable by the endpoint identity (above); another store needs its own grant,
    // on the weights' container alone, made here when this construct created the identity.
    if (blob && identityCreated && !blob.inWorkspaceStorage) {
      grant(
        'EndpointWeightsBlobDataReader',
        blob.containerResourceId,
        this.endpointIdentity.principalId,
        'Storage Blob Data Reader',
      );
    }
    // The Hugging Face token: Key Vault Secrets User on that one secret (Key Vault RBAC takes a secret as scope:
    // https://learn.microsoft.com/azure/key-vault/general/rbac-guide), read by the container with this identity.
    const tokenSecret = this.weights.tokenSecret;
    if (tokenSecret && identityCreated) {
      grant(
        'EndpointHfTokenSecretsUser',
        tokenSecret.resourceVersionlessId,
        this.endpointIdentity.principalId,
        'Key Vault Secrets User',
      );
    }
    this.roleAssignments = grants.byKey;
    // Every assignment takes up to 10 minutes to take effect: the workspace (which its identity's roles gate) and
    // the endpoint (whose image pull and blob reads the endpoint identity's roles gate) wait for them.
    this.rolePropagation = rolePropagationWait(this, grants.byKey);
    if (workspaceDependencies) {
      this.createdWorkspace = createWorkspace(
        this,
        id,
        workspaceDependencies,
        common,
        this.registry,
        this.rolePropagation,
      );
      this.workspaceId = this.createdWorkspace.id;
      this.workspaceName = this.createdWorkspace.name;
    } else {
      this.workspaceId = (props.workspace as WorkspaceReference).id;
      this.workspaceName = (props.workspace as WorkspaceReference).name;
    }

    this.image = imageReference(this.registry, props);

    // A model asset's path is a datastore path, `azureml://…/datastores/<name>/paths/<path>` (Azure ML "Work with
    // models": supported paths; an https blob URL is not one), so the weights' container becomes an identity-based
    // datastore of the workspace (no key or SAS stored), and the model version points into it.
    if (blob) {
      this.weightsDatastore = new MachineLearningDatastoreBlobstorage(this, 'WeightsDatastore', {
        name: resourceName(`${id}_weights`, { maxLength: 255, lowercase: true, separator: '_' }),
        workspaceId: this.workspaceId,
        storageContainerId: blob.containerResourceId,
        description: 'form-detector weights: base model at the root of the path, LoRA adapter in adapter/',
        ...(this.weights.createdContainer ? { dependsOn: [this.weights.createdContainer] } : {}),
      });
    }
    const modelUri = this.weightsDatastore
      ? concat(
          'azureml://subscriptions/',
          this.clientConfig.subscriptionId,
          '/resourcegroups/',
          this.resourceGroup.name,
          '/workspaces/',
          this.workspaceName,
          '/datastores/',
          this.weightsDatastore.name,
          `/paths/${blob?.prefix ? `${blob.prefix}/` : ''}`,
        )
      : undefined;

    // Endpoint, environment, deployment and traffic: two ARM template deployments.
    const templates = createOnlineEndpointDeployments(this, id, {
      props,
      resolved,
      authMode: ARM_AUTH_MODES[this.authMode],
      parameters: {
        workspaceName: this.workspaceName,
        location: props.location,
        endpointName: this.endpointName,
        deploymentName: this.deploymentName,
        environmentName: concat(this.endpointName, '-env'),
        image: this.image,
        endpointIdentityId: this.endpointIdentity.id,
        instanceCount: resolved.instanceCount,
        environmentVariables: {
          ...containerEnvironment(this.deployment, this.weights.source),
          // The secret's URL and the identity that reads it (the endpoint's user-assigned one, by client id).
          ...(tokenSecret
            ? {
                [CONTAINER_ENV.hfTokenSecret]: tokenSecret.versionlessId,
                [CONTAINER_ENV.azureClientId]: this.endpointIdentity.clientId,
              }
            : {}),
        },
        tags,
        ...(modelUri ? { modelName: concat(this.endpointName, '-weights'), modelUri } : {}),
      },
      resourceGroupName: this.resourceGroup.name,
      dependencies: [
        ...(this.rolePropagation ? [this.rolePropagation] : []),
        ...(this.weights.createdContainer ? [this.weights.createdContainer] : []),
        ...(this.weightsDatastore ? [this.weightsDatastore] : []),
        ...(this.createdWorkspace ? [this.createdWorkspace] : []),
      ],
    });
    this.template = templates.template;
    this.endpointTemplate = templates.endpointTemplate;
    this.templateParameterValues = templates.parameters;
    this.endpointTemplateDeployment = templates.endpointTemplateDeployment;
    this.templateDeployment = templates.templateDeployment;

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
