import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import { CONTAINER_ROUTES, refuseProp } from '../core';
import { CONTAINER_APP_TYPE } from './container-apps-environment-template';
import type { AzureMetric, MetricOptions } from './endpoint-base';

/**
 * A Container Apps service serving the detector, created here or imported.
 *
 * There is no `grantInvoke(principalId)`: Container Apps ingress does not authorize callers by identity, so a role
 * assignment would let nobody in and keep nobody out. Limit who reaches the service by network instead
 * (`publicNetworkAccess: false` for environment-internal ingress, `allowedIpRanges` / `allowInvokeFrom()` for an
 * IP allow-list), and put authentication in front where callers are people or arbitrary clients (Container Apps
 * built-in authentication "Easy Auth" with an Entra app registration, or API Management).
 */
export interface IContainerAppsDetectorService {
  /** Name of the container app. */
  readonly serviceName: string;
  /** Resource id of the container app. */
  readonly containerAppId: string;
  /** `https://<fqdn>`. */
  readonly url: string;
  /** Where to POST `{"image_base64": "…"}`: `<url>/score` (the same route and body as the Azure ML endpoint). */
  readonly scoringUri: string;
  metric(metricName: string, options?: Omit<MetricOptions, 'deploymentLevel'>): AzureMetric;
}

/** What identifies an existing service, for `ContainerAppsGpuDetectorService.fromServiceAttributes`. */
export interface ContainerAppsDetectorServiceAttributes {
  /** `/subscriptions/…/resourceGroups/…/providers/Microsoft.App/containerApps/<name>`. */
  readonly containerAppId: string;
  /** `https://<fqdn>` of its ingress. */
  readonly url: string;
}

/** Metrics and URLs that created and imported services share; metric names as Azure Monitor lists them. */
export abstract class ContainerAppsDetectorServiceBase extends Construct implements IContainerAppsDetectorService {
  abstract readonly serviceName: string;
  abstract readonly containerAppId: string;
  abstract readonly url: string;

  get scoringUri(): string {
    return `${this.url}${CONTAINER_ROUTES.azureScore}`;
  }

  /** Any Azure Monitor metric of the container app (namespace Microsoft.App/containerApps). */
  metric(metricName: string, options: Omit<MetricOptions, 'deploymentLevel'> = {}): AzureMetric {
    return {
      resourceId: this.containerAppId,
      metricNamespace: CONTAINER_APP_TYPE,
      metricName,
      aggregation: options.aggregation ?? 'Average',
    };
  }

  /** Requests the app processed (dimensions: statusCodeCategory, statusCode, revisionName). */
  metricRequests(options: Omit<MetricOptions, 'deploymentLevel'> = {}): AzureMetric {
    return this.metric('Requests', { aggregation: 'Total', ...options });
  }

  /** Running replicas: 0 while scaled to zero, so also the GPU hours you pay for. */
  metricReplicas(options: Omit<MetricOptions, 'deploymentLevel'> = {}): AzureMetric {
    return this.metric('Replicas', { aggregation: 'Maximum', ...options });
  }

  /** Replica restarts (a failed model load restarts the replica once the startup probe gives up). */
  metricRestartCount(options: Omit<MetricOptions, 'deploymentLevel'> = {}): AzureMetric {
    return this.metric('RestartCount', { aggregation: 'Total', ...options });
  }
}

/** A service deployed elsewhere (built by `ContainerAppsGpuDetectorService.fromServiceAttributes`). */
export class ImportedContainerAppsDetectorService extends ContainerAppsDetectorServiceBase {
  readonly serviceName: string;
  readonly containerAppId: string;
  readonly url: string;

  constructor(scope: Construct, id: string, attributes: ContainerAppsDetectorServiceAttributes) {
    super(scope, id);
    this.containerAppId = attributes.containerAppId;
    this.url = attributes.url.replace(/\/+$/, '');
    this.serviceName = Token.isUnresolved(attributes.containerAppId)
      ? Fn.element(Fn.split('/', attributes.containerAppId), 8)
      : (attributes.containerAppId.split('/')[8] ?? '');
    if (!Token.isUnresolved(attributes.containerAppId) && this.serviceName === '') {
      refuseProp(
        `fromServiceAttributes '${this.node.path}'`,
        'containerAppId',
        attributes.containerAppId,
        'pass the full resource id, /subscriptions/<s>/resourceGroups/<g>/providers/Microsoft.App/containerApps/<name>',
      );
    }
  }
}
