import { Fn } from 'cdktf';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition';
import { Construct } from 'constructs';
import { ONLINE_DEPLOYMENT_TYPE, ONLINE_ENDPOINT_TYPE } from './arm-template';

/** The one action a caller needs to score an endpoint whose auth mode is `aad_token`. */
export const SCORE_ACTION = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action';

/** An Azure ML online endpoint serving the detector, created here or imported. */
export interface IAzureMlDetectorEndpoint {
  /** Online endpoint name (the first label of the scoring host). */
  readonly endpointName: string;
  /** Resource id of the Azure ML workspace that holds the endpoint. */
  readonly workspaceId: string;
  /** Resource id of the online endpoint. */
  readonly endpointId: string;
  /** Resource id of the deployment that takes the traffic, when known. */
  readonly deploymentId: string | undefined;
  grantInvoke(principalId: string, options?: GrantInvokeOptions): RoleAssignment;
  metric(metricName: string, options?: MetricOptions): AzureMetric;
}

export interface GrantInvokeOptions {
  /**
   * Construct id of the role assignment. Pass one when you grant several principals, so the ids do not depend
   * on the order of the calls.
   * @default 'InvokeGrant' for the first call, then 'InvokeGrant2', 'InvokeGrant3', …
   */
  readonly id?: string;
  /**
   * A built-in role to assign instead of the custom role that allows only scoring, e.g. 'AzureML Data Scientist'
   * where custom roles are not allowed (it also allows managing the workspace's endpoints).
   * @default a custom role with `Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action` only
   */
  readonly roleDefinitionName?: string;
  /**
   * What the principal is; 'ServicePrincipal' for managed identities avoids a failed assignment while a new
   * identity replicates through Entra ID.
   * @default 'ServicePrincipal'
   */
  readonly principalType?: 'ServicePrincipal' | 'User' | 'Group';
}

/** Where a metric comes from, for `azurerm_monitor_metric_alert` criteria, dashboards or autoscale rules. */
export interface AzureMetric {
  /** Resource id the metric is read from (`scopes` of a metric alert, `metric_resource_id` of autoscale). */
  readonly resourceId: string;
  readonly metricNamespace: string;
  readonly metricName: string;
  readonly aggregation: 'Average' | 'Minimum' | 'Maximum' | 'Total' | 'Count';
}

export interface MetricOptions {
  /** @default 'Average' */
  readonly aggregation?: AzureMetric['aggregation'];
  /**
   * Read the metric from the deployment (GPU, CPU, instance metrics) rather than from the endpoint.
   * @default false
   */
  readonly deploymentLevel?: boolean;
}

/** What identifies an existing endpoint, for `AzureMlDetectorEndpoint.fromEndpointAttributes`. */
export interface AzureMlDetectorEndpointAttributes {
  readonly endpointName: string;
  /** Resource id of the workspace, `/subscriptions/…/resourceGroups/…/providers/Microsoft.MachineLearningServices/workspaces/…`. */
  readonly workspaceId: string;
  /**
   * The deployment that takes the traffic, for deployment-level metrics.
   * @default none: deployment-level metrics throw
   */
  readonly deploymentName?: string;
}

/**
 * What created and imported endpoints share: scoring grants and metrics. Same method names as the SageMaker and
 * Vertex endpoints.
 */
export abstract class AzureMlDetectorEndpointBase extends Construct implements IAzureMlDetectorEndpoint {
  abstract readonly endpointName: string;
  abstract readonly workspaceId: string;
  abstract readonly deploymentId: string | undefined;

  private scoreRole: RoleDefinition | undefined;
  private grants = 0;

  get endpointId(): string {
    return `${this.workspaceId}/onlineEndpoints/${this.endpointName}`;
  }

  /** The resource group id, from the workspace id (`/subscriptions/<s>/resourceGroups/<g>`). */
  protected get resourceGroupIdFromWorkspace(): string {
    return Fn.join('/', Fn.slice(Fn.split('/', this.workspaceId), 0, 5));
  }

  /**
   * Lets `principalId` score this endpoint when its auth mode is `aad_token` (key-auth endpoints take the key
   * instead and need no role). The assignment is scoped to the endpoint alone.
   */
  grantInvoke(principalId: string, options: GrantInvokeOptions = {}): RoleAssignment {
    this.grants += 1;
    const id = options.id ?? (this.grants === 1 ? 'InvokeGrant' : `InvokeGrant${this.grants}`);
    const role = options.roleDefinitionName === undefined ? this.scoringRole() : undefined;
    return new RoleAssignment(this, id, {
      scope: this.endpointId,
      principalId,
      principalType: options.principalType ?? 'ServicePrincipal',
      ...(role
        ? { roleDefinitionId: role.roleDefinitionResourceId }
        : { roleDefinitionName: options.roleDefinitionName }),
      description: `Score the form detector endpoint ${this.endpointName}`,
    });
  }

  /** Any Azure Monitor metric of the endpoint (or, with `deploymentLevel`, of its deployment). */
  metric(metricName: string, options: MetricOptions = {}): AzureMetric {
    if (options.deploymentLevel && this.deploymentId === undefined) {
      throw new Error(
        `${this.node.path}: deployment-level metric ${metricName} needs the deployment name; ` +
          'pass deploymentName when importing the endpoint',
      );
    }
    return {
      resourceId: options.deploymentLevel ? (this.deploymentId as string) : this.endpointId,
      metricNamespace: options.deploymentLevel ? ONLINE_DEPLOYMENT_TYPE : ONLINE_ENDPOINT_TYPE,
      metricName,
      aggregation: options.aggregation ?? 'Average',
    };
  }

  /** Scoring requests per minute reaching the endpoint. */
  metricRequestsPerMinute(options: Omit<MetricOptions, 'deploymentLevel'> = {}): AzureMetric {
    return this.metric('RequestsPerMinute', options);
  }

  /** End-to-end request latency at the endpoint, milliseconds. */
  metricRequestLatency(options: Omit<MetricOptions, 'deploymentLevel'> = {}): AzureMetric {
    return this.metric('RequestLatency', options);
  }

  /** GPU utilization of the deployment's instances, percent. */
  metricGpuUtilization(options: Omit<MetricOptions, 'deploymentLevel'> = {}): AzureMetric {
    return this.metric('GpuUtilizationPercentage', { ...options, deploymentLevel: true });
  }

  /** GPU memory utilization of the deployment's instances, percent. */
  metricGpuMemoryUtilization(options: Omit<MetricOptions, 'deploymentLevel'> = {}): AzureMetric {
    return this.metric('GpuMemoryUtilizationPercentage', { ...options, deploymentLevel: true });
  }

  /** A custom role that allows scoring this endpoint and nothing else; made once, on the first grant. */
  private scoringRole(): RoleDefinition {
    if (!this.scoreRole) {
      const scope = this.resourceGroupIdFromWorkspace;
      this.scoreRole = new RoleDefinition(this, 'ScoreRole', {
        // Role names are unique in the tenant; the endpoint name is unique in its region.
        name: `Form detector scorer (${this.endpointName})`,
        scope,
        description: `Score the Azure ML online endpoint ${this.endpointName}; nothing else.`,
        permissions: [{ actions: [SCORE_ACTION] }],
        assignableScopes: [scope],
      });
    }
    return this.scoreRole;
  }
}

/** An endpoint deployed elsewhere (built by `AzureMlDetectorEndpoint.fromEndpointAttributes`). */
export class ImportedAzureMlDetectorEndpoint extends AzureMlDetectorEndpointBase {
  readonly endpointName: string;
  readonly workspaceId: string;
  readonly deploymentId: string | undefined;

  constructor(scope: Construct, id: string, attributes: AzureMlDetectorEndpointAttributes) {
    super(scope, id);
    this.endpointName = attributes.endpointName;
    this.workspaceId = attributes.workspaceId;
    this.deploymentId =
      attributes.deploymentName === undefined
        ? undefined
        : `${this.endpointId}/deployments/${attributes.deploymentName}`;
  }
}

/** Resource type strings, exported for tests and for users writing their own alerts. */
export const METRIC_NAMESPACES = { endpoint: ONLINE_ENDPOINT_TYPE, deployment: ONLINE_DEPLOYMENT_TYPE } as const;
