import { createHash } from 'node:crypto';

/**
 * The ARM templates that declare what azurerm has no resource for: the Azure ML online endpoint, the environment
 * version (our image and its routes), the managed deployment, and the traffic split. Typed here so a wrong property
 * name is a compile error, not a failed deployment 20 minutes in.
 *
 * Property names and enums follow Microsoft.MachineLearningServices API 2024-10-01 (azure-rest-api-specs,
 * stable/2024-10-01: OnlineEndpoint, ManagedOnlineDeployment, EnvironmentVersion).
 *
 * Why two templates. Redeploying a resource in incremental mode "reapplies all properties … Properties that aren't
 * included in the template are reset to the default values"
 * (learn.microsoft.com/azure/azure-resource-manager/templates/deployment-modes#incremental-mode), so an endpoint PUT
 * without `traffic` leaves the endpoint with no traffic until something sets it again; and `traffic` cannot name a
 * deployment that does not exist yet ("cannot be set at creation", reference-yaml-endpoint-online). So:
 * - `onlineEndpointTemplate` creates the bare endpoint once (its Terraform resource ignores every change, so an
 *   update never re-applies it);
 * - `onlineDeploymentTemplate`, re-applied on every change, PUTs the environment, the deployment, then the endpoint
 *   with its traffic: on an update the endpoint keeps its traffic from start to end (rule
 *   azure-ml.traffic-kept-on-update).
 */

/** Pinned: the template keeps its meaning whatever the service's latest version does. */
export const ML_API_VERSION = '2024-10-01';
export const DEPLOYMENT_TEMPLATE_SCHEMA =
  'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

export const ONLINE_ENDPOINT_TYPE = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints';
export const ONLINE_DEPLOYMENT_TYPE = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments';
export const ENVIRONMENT_VERSION_TYPE = 'Microsoft.MachineLearningServices/workspaces/environments/versions';
/** A model asset: the weights' blob path, which the deployment mounts at AZUREML_MODEL_DIR. */
export const MODEL_VERSION_TYPE = 'Microsoft.MachineLearningServices/workspaces/models/versions';

/** An ARM template language expression, e.g. `[parameters('image')]`. */
export type ArmExpression = `[${string}]`;

export type ArmParameterType = 'string' | 'securestring' | 'int' | 'bool' | 'object' | 'secureObject' | 'array';

export interface ArmParameter {
  readonly type: ArmParameterType;
  readonly defaultValue?: unknown;
  readonly metadata?: { readonly description: string };
}

export interface ArmOutput {
  readonly type: 'string' | 'int' | 'bool' | 'object';
  readonly value: unknown;
}

export interface ArmTemplate {
  readonly $schema: string;
  readonly contentVersion: string;
  readonly parameters: Readonly<Record<string, ArmParameter>>;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly resources: readonly ArmResource[];
  readonly outputs?: Readonly<Record<string, ArmOutput>>;
}

export interface ArmResource<P = unknown> {
  readonly type: string;
  readonly apiVersion: string;
  readonly name: string;
  readonly location?: string;
  readonly tags?: string | Readonly<Record<string, string>>;
  readonly kind?: string;
  readonly sku?: { readonly name: string; readonly capacity: number | ArmExpression };
  readonly identity?: ManagedServiceIdentity;
  readonly dependsOn?: readonly string[];
  readonly properties: P;
}

export interface ManagedServiceIdentity {
  readonly type: 'UserAssigned';
  /** Keys are identity resource ids (expressions allowed); values are empty objects. */
  readonly userAssignedIdentities: Readonly<Record<string, Record<string, never>>>;
}

/** ARM's spelling of the auth modes (the CLI's YAML says key / aml_token / aad_token). */
export type ArmEndpointAuthMode = 'Key' | 'AMLToken' | 'AADToken';
export type ArmPublicNetworkAccess = 'Enabled' | 'Disabled';

export interface OnlineEndpointProperties {
  readonly authMode: ArmEndpointAuthMode;
  readonly description?: string;
  readonly publicNetworkAccess: ArmPublicNetworkAccess;
  /** Deployment name → percent. Rejected at creation when it names a deployment that does not exist yet. */
  readonly traffic?: Readonly<Record<string, number>> | ArmExpression;
}

export interface Route {
  readonly path: string;
  readonly port: number;
}

export interface EnvironmentVersionProperties {
  readonly description?: string;
  readonly image: string;
  readonly osType: 'Linux';
  readonly inferenceConfig: {
    readonly livenessRoute: Route;
    readonly readinessRoute: Route;
    readonly scoringRoute: Route;
  };
}

/** ISO-8601 durations, as ARM wants them. */
export interface ProbeSettings {
  readonly initialDelay: string;
  readonly period: string;
  readonly timeout: string;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

export interface OnlineRequestSettings {
  /** ISO-8601; the service allows at most 180 s. */
  readonly requestTimeout: string;
  readonly maxConcurrentRequestsPerInstance: number;
}

export interface ManagedOnlineDeploymentProperties {
  readonly endpointComputeType: 'Managed';
  readonly description?: string;
  readonly environmentId: string;
  readonly environmentVariables: Readonly<Record<string, string>> | ArmExpression;
  readonly instanceType: string;
  readonly livenessProbe: ProbeSettings;
  readonly readinessProbe: ProbeSettings;
  readonly requestSettings: OnlineRequestSettings;
  readonly scaleSettings: { readonly scaleType: 'Default' };
  readonly appInsightsEnabled: boolean;
  readonly egressPublicNetworkAccess: ArmPublicNetworkAccess;
  /** Resource id of the model asset mounted at AZUREML_MODEL_DIR (API 2024-10-01 `model`). */
  readonly model?: string;
}

/** API 2024-10-01 ModelVersion properties (the fields we set). */
export interface ModelVersionProperties {
  readonly description?: string;
  /**
   * 'custom_model', the model type Azure ML documents for "a model file or folder trained with a custom standard"
   * (https://learn.microsoft.com/azure/machine-learning/how-to-manage-models: `custom_model`, `mlflow_model`,
   * `triton_model`; azure-ai-ml AssetTypes.CUSTOM_MODEL); the REST spec types it as a free string.
   */
  readonly modelType: string;
  /**
   * Where the files are: a datastore path, `azureml://subscriptions/<s>/resourcegroups/<g>/workspaces/<w>/datastores/
   * <d>/paths/<path>` (the supported paths of how-to-manage-models list datastore paths, not https blob URLs).
   */
  readonly modelUri: string;
}

/** What the endpoint itself is, fixed at synth time (both templates PUT it with these properties). */
export interface OnlineEndpointSpec {
  readonly authMode: ArmEndpointAuthMode;
  readonly publicNetworkAccess: ArmPublicNetworkAccess;
  readonly description: string;
}

/** Everything the template needs that is fixed at synth time; names and ids arrive as parameters. */
export interface OnlineDeploymentTemplateSpec extends OnlineEndpointSpec {
  readonly egressPublicNetworkAccess: ArmPublicNetworkAccess;
  readonly instanceType: string;
  readonly port: number;
  readonly routes: { readonly liveness: string; readonly readiness: string; readonly scoring: string };
  readonly livenessProbe: ProbeSettings;
  readonly readinessProbe: ProbeSettings;
  readonly requestSettings: OnlineRequestSettings;
  readonly appInsightsEnabled: boolean;
  /** Register the weights' blob path (parameter modelUri) as a model asset and mount it in the deployment. */
  readonly mountModel?: boolean;
}

/**
 * The parameters the template takes, with the values the construct passes through `parameters_content`.
 * Anything that may be a Terraform reference (names, ids, the image, the environment) is a parameter, so the
 * template text itself is plain JSON that never embeds a Terraform expression.
 */
export interface OnlineDeploymentTemplateParameters {
  readonly workspaceName: string;
  readonly location: string;
  readonly endpointName: string;
  readonly deploymentName: string;
  readonly environmentName: string;
  readonly image: string;
  readonly endpointIdentityId: string;
  readonly instanceCount: number;
  readonly environmentVariables: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  /** With `mountModel`: the model asset's name and the weights' blob path. */
  readonly modelName?: string;
  readonly modelUri?: string;
}

const PARAMETER_TYPES: Readonly<Record<keyof OnlineDeploymentTemplateParameters, ArmParameterType>> = {
  workspaceName: 'string',
  location: 'string',
  endpointName: 'string',
  deploymentName: 'string',
  environmentName: 'string',
  image: 'string',
  endpointIdentityId: 'string',
  instanceCount: 'int',
  // Secure, so values such as HF_TOKEN stay out of the deployment history.
  environmentVariables: 'secureObject',
  tags: 'object',
  modelName: 'string',
  modelUri: 'string',
};
const MODEL_PARAMETERS: readonly (keyof OnlineDeploymentTemplateParameters)[] = ['modelName', 'modelUri'];

const PARAMETER_DESCRIPTIONS: Readonly<Record<keyof OnlineDeploymentTemplateParameters, string>> = {
  workspaceName: 'Azure ML workspace that holds the endpoint.',
  location: 'Region of the workspace.',
  endpointName: 'Online endpoint name (unique in the region: it is the scoring host name).',
  deploymentName: 'Deployment that receives all traffic.',
  environmentName: 'Environment whose versions carry the image.',
  image: 'Container image reference, registry/repository:tag.',
  endpointIdentityId: 'Resource id of the user-assigned identity the endpoint pulls the image with.',
  instanceCount: 'Instances at deployment; the autoscale setting moves it between its minimum and maximum.',
  environmentVariables: 'Environment of the inference container.',
  tags: 'Tags for the endpoint and the deployment.',
  modelName: 'Model asset that registers the weights.',
  modelUri:
    'Datastore path of the weights, azureml://…/datastores/<d>/paths/<p> (base model at the root, adapter in adapter/).',
};

/** The parameters of the create-once endpoint template: a subset of the deployment template's. */
export const ENDPOINT_TEMPLATE_PARAMETERS = [
  'workspaceName',
  'location',
  'endpointName',
  'endpointIdentityId',
  'tags',
] as const satisfies ReadonlyArray<keyof OnlineDeploymentTemplateParameters>;

export type OnlineEndpointTemplateParameters = Pick<
  OnlineDeploymentTemplateParameters,
  (typeof ENDPOINT_TEMPLATE_PARAMETERS)[number]
>;

const p = (name: keyof OnlineDeploymentTemplateParameters): ArmExpression => `[parameters('${name}')]`;
const param = (name: keyof OnlineDeploymentTemplateParameters): string => `parameters('${name}')`;

const endpointResourceId = `resourceId('${ONLINE_ENDPOINT_TYPE}', ${param('workspaceName')}, ${param('endpointName')})`;
const deploymentResourceId =
  `resourceId('${ONLINE_DEPLOYMENT_TYPE}', ${param('workspaceName')}, ${param('endpointName')}, ` +
  `${param('deploymentName')})`;
// Model versions are immutable: a new blob path is a new version, named from a hash of the path.
const modelVersion = `uniqueString(${param('modelUri')})`;
const modelResourceId = `resourceId('${MODEL_VERSION_TYPE}', ${param('workspaceName')}, ${param('modelName')}, ${modelVersion})`;

const environmentResourceId =
  `resourceId('${ENVIRONMENT_VERSION_TYPE}', ${param('workspaceName')}, ${param('environmentName')}, ` +
  `variables('environmentVersion'))`;

/** The endpoint resource with the spec's properties, and `traffic` when given. */
function endpointResource(
  spec: OnlineEndpointSpec,
  traffic?: OnlineEndpointProperties['traffic'],
  dependsOn?: readonly string[],
): ArmResource<OnlineEndpointProperties> {
  return {
    type: ONLINE_ENDPOINT_TYPE,
    apiVersion: ML_API_VERSION,
    name: `[format('{0}/{1}', ${param('workspaceName')}, ${param('endpointName')})]`,
    location: p('location'),
    tags: p('tags'),
    identity: {
      type: 'UserAssigned',
      userAssignedIdentities: { [p('endpointIdentityId')]: {} },
    },
    ...(dependsOn ? { dependsOn } : {}),
    properties: {
      authMode: spec.authMode,
      description: spec.description,
      publicNetworkAccess: spec.publicNetworkAccess,
      ...(traffic === undefined ? {} : { traffic }),
    },
  };
}

function templateParameterDeclarations(
  names: readonly (keyof OnlineDeploymentTemplateParameters)[],
): Record<string, ArmParameter> {
  return Object.fromEntries(
    names.map((name) => [
      name,
      { type: PARAMETER_TYPES[name], metadata: { description: PARAMETER_DESCRIPTIONS[name] } },
    ]),
  );
}

/**
 * The create-once template: the bare endpoint, without traffic (traffic cannot name a deployment that does not
 * exist yet). Its Terraform resource ignores every change, so no update ever PUTs the endpoint without traffic.
 */
export function onlineEndpointTemplate(spec: OnlineEndpointSpec): ArmTemplate {
  return {
    $schema: DEPLOYMENT_TEMPLATE_SCHEMA,
    contentVersion: '1.0.0.0',
    parameters: templateParameterDeclarations(ENDPOINT_TEMPLATE_PARAMETERS),
    resources: [endpointResource(spec)],
    outputs: { endpointId: { type: 'string', value: `[${endpointResourceId}]` } },
  };
}

/**
 * The template re-applied on every change: the environment version, the deployment (into the endpoint the
 * create-once template made), then the endpoint again with all traffic on the deployment. `templateParameters`
 * turns the values into `parameters_content`.
 */
export function onlineDeploymentTemplate(spec: OnlineDeploymentTemplateSpec): ArmTemplate {
  const model: ArmResource<ModelVersionProperties> | undefined = spec.mountModel
    ? {
        type: MODEL_VERSION_TYPE,
        apiVersion: ML_API_VERSION,
        name: `[format('{0}/{1}/{2}', ${param('workspaceName')}, ${param('modelName')}, ${modelVersion})]`,
        properties: {
          description: 'form-detector weights: base model at the root, LoRA adapter in adapter/',
          modelType: 'custom_model',
          modelUri: p('modelUri'),
        },
      }
    : undefined;
  const environmentProperties: EnvironmentVersionProperties = {
    description: 'form-detector inference container',
    image: p('image'),
    osType: 'Linux',
    inferenceConfig: {
      livenessRoute: { path: spec.routes.liveness, port: spec.port },
      readinessRoute: { path: spec.routes.readiness, port: spec.port },
      scoringRoute: { path: spec.routes.scoring, port: spec.port },
    },
  };
  // Environment versions are immutable: a new image or new routes need a new version. The version is a hash of
  // the image (resolved at deploy time) and of the rest of the environment, so an unchanged image reuses it.
  const environmentFingerprint = createHash('sha256')
    .update(JSON.stringify({ ...environmentProperties, image: undefined }))
    .digest('hex')
    .slice(0, 12);

  const environment: ArmResource<EnvironmentVersionProperties> = {
    type: ENVIRONMENT_VERSION_TYPE,
    apiVersion: ML_API_VERSION,
    name: `[format('{0}/{1}/{2}', ${param('workspaceName')}, ${param('environmentName')}, variables('environmentVersion'))]`,
    properties: environmentProperties,
  };

  // The endpoint is not declared before the deployment: it exists already (the create-once template), and an
  // endpoint PUT here before the deployment would have to leave traffic out, resetting it for the whole update.
  const deployment: ArmResource<ManagedOnlineDeploymentProperties> = {
    type: ONLINE_DEPLOYMENT_TYPE,
    apiVersion: ML_API_VERSION,
    name: `[format('{0}/{1}/{2}', ${param('workspaceName')}, ${param('endpointName')}, ${param('deploymentName')})]`,
    location: p('location'),
    tags: p('tags'),
    kind: 'Managed',
    sku: { name: 'Default', capacity: p('instanceCount') },
    dependsOn: [`[${environmentResourceId}]`, ...(model ? [`[${modelResourceId}]`] : [])],
    properties: {
      endpointComputeType: 'Managed',
      description: spec.description,
      environmentId: `[${environmentResourceId}]`,
      environmentVariables: p('environmentVariables'),
      instanceType: spec.instanceType,
      livenessProbe: spec.livenessProbe,
      readinessProbe: spec.readinessProbe,
      requestSettings: spec.requestSettings,
      scaleSettings: { scaleType: 'Default' },
      appInsightsEnabled: spec.appInsightsEnabled,
      egressPublicNetworkAccess: spec.egressPublicNetworkAccess,
      ...(model ? { model: `[${modelResourceId}]` } : {}),
    },
  };

  // Every PUT of the endpoint in this template carries the traffic it must keep: all of it on the deployment.
  const endpointWithTraffic = endpointResource(spec, `[createObject(${param('deploymentName')}, 100)]`, [
    `[${deploymentResourceId}]`,
  ]);

  return {
    $schema: DEPLOYMENT_TEMPLATE_SCHEMA,
    contentVersion: '1.0.0.0',
    parameters: templateParameterDeclarations(
      (Object.keys(PARAMETER_TYPES) as (keyof OnlineDeploymentTemplateParameters)[]).filter(
        (name) => spec.mountModel || !MODEL_PARAMETERS.includes(name),
      ),
    ),
    variables: {
      environmentVersion: `[uniqueString(${param('image')}, '${environmentFingerprint}')]`,
    },
    resources: [environment, ...(model ? [model] : []), deployment, endpointWithTraffic],
    outputs: {
      scoringUri: { type: 'string', value: `[reference(${endpointResourceId}, '${ML_API_VERSION}').scoringUri]` },
      swaggerUri: { type: 'string', value: `[reference(${endpointResourceId}, '${ML_API_VERSION}').swaggerUri]` },
      endpointId: { type: 'string', value: `[${endpointResourceId}]` },
      deploymentId: { type: 'string', value: `[${deploymentResourceId}]` },
      environmentId: { type: 'string', value: `[${environmentResourceId}]` },
    },
  };
}

/** `parameters_content` for the template: each value wrapped as ARM wants it, `{ "name": { "value": … } }`. */
export function templateParameters(
  values: OnlineDeploymentTemplateParameters | OnlineEndpointTemplateParameters,
): Record<string, { value: unknown }> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value }]));
}
