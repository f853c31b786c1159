import { Testing, TerraformStack } from 'cdktf';
import 'cdktf/lib/testing/adapters/jest';
import type { Construct } from 'constructs';
import {
  AzureMlDetectorEndpoint,
  ContainerAppsGpuDetectorService,
  type ContainerAppsGpuDetectorServiceProps,
  type ArmResource,
  type ArmTemplate,
  type AzureMlDetectorEndpointProps,
} from '../../lib/azure';

Testing.setupJest();

/** A fixed image tag, so nothing depends on the container sources. */
export const TEST_IMAGE_TAG = 'src-0123456789ab';

export const MINIMAL_PROPS: AzureMlDetectorEndpointProps = { location: 'eastus', imageTag: TEST_IMAGE_TAG };

export interface Synthesized {
  /** The synthesized Terraform JSON, as the cdktf matchers take it. */
  readonly json: string;
  readonly parsed: TerraformJson;
  readonly endpoint: AzureMlDetectorEndpoint;
}

export interface TerraformJson {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly locals?: Record<string, string>;
  readonly output?: Record<string, { value: unknown }>;
}

export function synthEndpoint(
  props: AzureMlDetectorEndpointProps = MINIMAL_PROPS,
  extra?: (scope: Construct, endpoint: AzureMlDetectorEndpoint) => void,
): Synthesized {
  let endpoint: AzureMlDetectorEndpoint | undefined;
  const json = Testing.synthScope((scope) => {
    endpoint = new AzureMlDetectorEndpoint(scope, 'Detector', props);
    extra?.(scope, endpoint);
  });
  return { json, parsed: JSON.parse(json) as TerraformJson, endpoint: endpoint as AzureMlDetectorEndpoint };
}

export function synthStack(stack: TerraformStack): { json: string; parsed: TerraformJson } {
  const json = Testing.synth(stack);
  return { json, parsed: JSON.parse(json) as TerraformJson };
}

/** Resources of one type, by their logical id. */
export function resourcesOf(parsed: TerraformJson, type: string): Record<string, Record<string, unknown>> {
  return parsed.resource[type] ?? {};
}

/** The one resource of a type (fails when there are several or none). */
export function onlyResource(parsed: TerraformJson, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(parsed, type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

/**
 * One of the Azure ML endpoint's two template deployments: `deployment` (construct id `Resource`, re-applied on every
 * change) or `endpoint` (construct id `Endpoint`, the create-once bare endpoint).
 */
export function templateDeployment(parsed: TerraformJson, which: 'deployment' | 'endpoint'): Record<string, unknown> {
  const all = Object.entries(resourcesOf(parsed, 'azurerm_resource_group_template_deployment')).filter(([id]) =>
    which === 'endpoint' ? /_Endpoint_[0-9A-F]{8}$/.test(id) : !/_Endpoint_[0-9A-F]{8}$/.test(id),
  );
  if (all.length !== 1) throw new Error(`expected one ${which} template deployment, found ${all.length}`);
  return all[0][1];
}

/** The ARM template re-applied on every change, parsed back from the synthesized template_content. */
export function armTemplate(parsed: TerraformJson): ArmTemplate {
  return JSON.parse(templateDeployment(parsed, 'deployment').template_content as string) as ArmTemplate;
}

/** The create-once ARM template of the bare endpoint. */
export function endpointArmTemplate(parsed: TerraformJson): ArmTemplate {
  return JSON.parse(templateDeployment(parsed, 'endpoint').template_content as string) as ArmTemplate;
}

export function armResource<P = Record<string, unknown>>(template: ArmTemplate, type: string): ArmResource<P> {
  const found = template.resources.filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type} in the template, found ${found.length}`);
  return found[0] as ArmResource<P>;
}

export const MINIMAL_ON_DEMAND_PROPS: ContainerAppsGpuDetectorServiceProps = {
  location: 'westus3',
  imageTag: TEST_IMAGE_TAG,
};

interface SynthesizedService {
  readonly json: string;
  readonly parsed: TerraformJson;
  readonly service: ContainerAppsGpuDetectorService;
}

export function synthService(
  props: ContainerAppsGpuDetectorServiceProps = MINIMAL_ON_DEMAND_PROPS,
  extra?: (scope: Construct, service: ContainerAppsGpuDetectorService) => void,
): SynthesizedService {
  let service: ContainerAppsGpuDetectorService | undefined;
  const json = Testing.synthScope((scope) => {
    service = new ContainerAppsGpuDetectorService(scope, 'Detector', props);
    extra?.(scope, service);
  });
  return { json, parsed: JSON.parse(json) as TerraformJson, service: service as ContainerAppsGpuDetectorService };
}
