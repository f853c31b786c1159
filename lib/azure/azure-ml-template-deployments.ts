import { Fn, type ITerraformDependable } from 'cdktf';
import { ResourceGroupTemplateDeployment } from '@cdktf/provider-azurerm/lib/resource-group-template-deployment';
import type { Construct } from 'constructs';
import { CONTAINER_PORT, CONTAINER_ROUTES, Duration, resourceName } from '../core';
import {
  onlineDeploymentTemplate,
  onlineEndpointTemplate,
  templateParameters,
  type ArmEndpointAuthMode,
  type ArmTemplate,
  type OnlineDeploymentTemplateParameters,
  type OnlineEndpointSpec,
  type ProbeSettings,
} from './arm-template';
import type { AzureMlDetectorEndpointProps } from './azure-ml-detector-endpoint-props';
import type { ResolvedAzureMlProps } from './azure-ml-validation';
import { taggedWith } from './common-resources';
import type { ProbeSeconds } from './probes';

/**
 * The Azure ML endpoint's two ARM template deployments (azurerm has no online endpoint resource): the bare endpoint,
 * created once (`ignore_changes = all`, id `Endpoint`), and the template re-applied on every change (id `Resource`)
 * that PUTs the environment, the deployment, then the endpoint again with its traffic, so an update never resets
 * traffic (rule azure-ml.traffic-kept-on-update).
 */

export interface OnlineEndpointDeployments {
  readonly template: ArmTemplate;
  readonly endpointTemplate: ArmTemplate;
  readonly parameters: OnlineDeploymentTemplateParameters;
  readonly endpointTemplateDeployment: ResourceGroupTemplateDeployment;
  readonly templateDeployment: ResourceGroupTemplateDeployment;
}

export function createOnlineEndpointDeployments(
  scope: Construct,
  id: string,
  args: {
    readonly props: AzureMlDetectorEndpointProps;
    readonly resolved: ResolvedAzureMlProps;
    readonly authMode: ArmEndpointAuthMode;
    readonly parameters: OnlineDeploymentTemplateParameters;
    readonly resourceGroupName: string;
    /** What the first template waits for (role propagation, the weights container, the workspace). */
    readonly dependencies: readonly ITerraformDependable[];
  },
): OnlineEndpointDeployments {
  const { props, resolved, parameters } = args;
  const deployment = resolved.deployment;
  const tagged = taggedWith(props.tags);
  const endpointSpec: OnlineEndpointSpec = {
    authMode: args.authMode,
    publicNetworkAccess: props.publicNetworkAccess === false ? 'Disabled' : 'Enabled',
    description: `pdfme form-field detector: ${deployment.baseModel}${
      deployment.loraAdapter ? ` + ${deployment.loraAdapter}` : ''
    } (${deployment.quantization})`,
  };
  const template = onlineDeploymentTemplate({
    ...endpointSpec,
    egressPublicNetworkAccess: props.egressPublicNetworkAccess === false ? 'Disabled' : 'Enabled',
    instanceType: deployment.instance.instanceType,
    port: CONTAINER_PORT,
    routes: {
      liveness: CONTAINER_ROUTES.azureLiveness,
      readiness: CONTAINER_ROUTES.azureReadiness,
      scoring: CONTAINER_ROUTES.azureScore,
    },
    livenessProbe: armProbe(resolved.livenessProbe),
    readinessProbe: armProbe(resolved.readinessProbe),
    requestSettings: {
      requestTimeout: Duration.millis(resolved.endpointTimeoutMs).toIsoString(),
      maxConcurrentRequestsPerInstance: deployment.maxConcurrency,
    },
    appInsightsEnabled: props.appInsightsEnabled ?? true,
    mountModel: parameters.modelUri !== undefined,
  });

  // The bare endpoint, created once: Terraform ignores every later change to it, so no update PUTs the endpoint
  // without traffic (the deployment template below PUTs it again with traffic, after the deployment).
  const endpointTemplate = onlineEndpointTemplate(endpointSpec);
  const endpointTemplateDeployment = new ResourceGroupTemplateDeployment(scope, 'Endpoint', {
    name: resourceName(`${id}-online-endpoint-create`, { maxLength: 64 }),
    resourceGroupName: args.resourceGroupName,
    deploymentMode: 'Incremental',
    templateContent: JSON.stringify(endpointTemplate, undefined, 2),
    parametersContent: Fn.jsonencode(
      templateParameters({
        workspaceName: parameters.workspaceName,
        location: parameters.location,
        endpointName: parameters.endpointName,
        endpointIdentityId: parameters.endpointIdentityId,
        tags: parameters.tags,
      }),
    ),
    timeouts: { create: '30m', update: '30m', delete: '60m' },
    ...tagged,
    lifecycle: { ignoreChanges: 'all' },
    dependsOn: [...args.dependencies],
  });

  const templateDeployment = new ResourceGroupTemplateDeployment(scope, 'Resource', {
    name: resourceName(`${id}-online-endpoint`, { maxLength: 64 }),
    resourceGroupName: args.resourceGroupName,
    deploymentMode: 'Incremental',
    templateContent: JSON.stringify(template, undefined, 2),
    parametersContent: Fn.jsonencode(templateParameters(parameters)),
    // A GPU deployment waits for quota, pulls a ~10 GB image and loads the model.
    timeouts: { create: '120m', update: '120m', delete: '60m' },
    ...tagged,
    dependsOn: [...args.dependencies, endpointTemplateDeployment],
  });
  return { template, endpointTemplate, parameters, endpointTemplateDeployment, templateDeployment };
}

/** A probe in whole seconds as the ARM template takes it (ISO-8601 durations). */
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
