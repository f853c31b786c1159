import {
  DEPLOYMENT_TEMPLATE_SCHEMA,
  type ArmExpression,
  type ArmParameterType,
  type ArmTemplate,
} from './arm-template';

/**
 * The ARM template of a Container Apps environment with a serverless GPU workload profile.
 *
 * Why not `azurerm_container_app_environment`: azurerm (4.55 through at least 4.64, and 5.x per the issue) sends
 * `minimumCount`/`maximumCount` for every workload profile it creates, and Azure rejects them on the serverless
 * GPU profiles ("WorkloadProfilePropertyNotSupported: Workload Profile property 'MinimumCount' is not supported
 * for Consumption_GPU_NC8as_T4"; hashicorp/terraform-provider-azurerm#31763, fix proposed in #32242, open). The
 * template sends only the name and the type, as the API wants. The container app itself is an
 * `azurerm_container_app`, which has no such problem.
 *
 * Property names follow Microsoft.App API 2025-01-01 (azure-rest-api-specs stable/2025-01-01,
 * ManagedEnvironments.json).
 */

export const CONTAINER_APPS_API_VERSION = '2025-01-01';
export const OPERATIONAL_INSIGHTS_API_VERSION = '2022-10-01';
export const MANAGED_ENVIRONMENT_TYPE = 'Microsoft.App/managedEnvironments';
export const CONTAINER_APP_TYPE = 'Microsoft.App/containerApps';

export interface WorkloadProfile {
  readonly name: string;
  readonly workloadProfileType: string;
}

export interface ManagedEnvironmentProperties {
  readonly appLogsConfiguration: {
    readonly destination: 'log-analytics';
    readonly logAnalyticsConfiguration: { readonly customerId: ArmExpression; readonly sharedKey: ArmExpression };
  };
  /** The built-in Consumption profile plus the GPU profile; GPU profiles take no minimum/maximum count. */
  readonly workloadProfiles: readonly WorkloadProfile[];
  readonly zoneRedundant: boolean;
}

/** Values for the template, passed as `parameters_content` (references resolve at deploy time). */
export interface GpuEnvironmentTemplateParameters {
  readonly environmentName: string;
  readonly location: string;
  /** Resource id of the Log Analytics workspace; the template reads its customer id and key itself. */
  readonly logAnalyticsWorkspaceId: string;
  readonly tags: Readonly<Record<string, string>>;
}

const PARAMETER_TYPES: Readonly<Record<keyof GpuEnvironmentTemplateParameters, ArmParameterType>> = {
  environmentName: 'string',
  location: 'string',
  logAnalyticsWorkspaceId: 'string',
  tags: 'object',
};

const PARAMETER_DESCRIPTIONS: Readonly<Record<keyof GpuEnvironmentTemplateParameters, string>> = {
  environmentName: 'Name of the Container Apps environment.',
  location: 'Region; it must offer serverless GPUs.',
  logAnalyticsWorkspaceId: 'Log Analytics workspace that receives the console and system logs.',
  tags: 'Tags for the environment.',
};

export interface GpuEnvironmentTemplateSpec {
  /** Name of the GPU workload profile inside the environment (short: Azure rejects long profile names). */
  readonly gpuWorkloadProfileName: string;
  /** e.g. 'Consumption-GPU-NC8as-T4'. */
  readonly gpuWorkloadProfileType: string;
}

const p = (name: keyof GpuEnvironmentTemplateParameters): ArmExpression => `[parameters('${name}')]`;
const environmentResourceId = `resourceId('${MANAGED_ENVIRONMENT_TYPE}', parameters('environmentName'))`;

export function gpuEnvironmentTemplate(spec: GpuEnvironmentTemplateSpec): ArmTemplate {
  const workspace = `parameters('logAnalyticsWorkspaceId')`;
  return {
    $schema: DEPLOYMENT_TEMPLATE_SCHEMA,
    contentVersion: '1.0.0.0',
    parameters: Object.fromEntries(
      (Object.keys(PARAMETER_TYPES) as (keyof GpuEnvironmentTemplateParameters)[]).map((name) => [
        name,
        { type: PARAMETER_TYPES[name], metadata: { description: PARAMETER_DESCRIPTIONS[name] } },
      ]),
    ),
    resources: [
      {
        type: MANAGED_ENVIRONMENT_TYPE,
        apiVersion: CONTAINER_APPS_API_VERSION,
        name: p('environmentName'),
        location: p('location'),
        tags: p('tags'),
        properties: {
          // Read here rather than passed in, so the workspace key never passes through Terraform variables.
          appLogsConfiguration: {
            destination: 'log-analytics',
            logAnalyticsConfiguration: {
              customerId: `[reference(${workspace}, '${OPERATIONAL_INSIGHTS_API_VERSION}').customerId]`,
              sharedKey: `[listKeys(${workspace}, '${OPERATIONAL_INSIGHTS_API_VERSION}').primarySharedKey]`,
            },
          },
          workloadProfiles: [
            { name: 'Consumption', workloadProfileType: 'Consumption' },
            { name: spec.gpuWorkloadProfileName, workloadProfileType: spec.gpuWorkloadProfileType },
          ],
          zoneRedundant: false,
        } satisfies ManagedEnvironmentProperties,
      },
    ],
    outputs: {
      environmentId: { type: 'string', value: `[${environmentResourceId}]` },
      defaultDomain: {
        type: 'string',
        value: `[reference(${environmentResourceId}, '${CONTAINER_APPS_API_VERSION}').defaultDomain]`,
      },
    },
  };
}

/** `parameters_content` for the template: each value wrapped as ARM wants it. */
export function gpuEnvironmentParameters(values: GpuEnvironmentTemplateParameters): Record<string, { value: unknown }> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value }]));
}
