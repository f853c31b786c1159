import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { Construct } from 'constructs';
import {
  CONTAINER_APPS_GPU_REGIONS,
  DEPLOYMENT_MODE_CONTEXT_KEY,
  DEPLOYMENT_MODE_ENV,
  resolveDeploymentMode,
  stagingCommandsFor,
  type DeploymentMode,
} from '../core';
import { AzureMlDetectorEndpoint, type AzureMlDetectorEndpointProps } from './azure-ml-detector-endpoint';
import {
  ContainerAppsGpuDetectorService,
  type ContainerAppsGpuDetectorServiceProps,
} from './container-apps-gpu-detector-service';

/** The environment variable the stack reads the region from when `location` is not passed. */
export const AZURE_LOCATION_ENV = 'AZURE_LOCATION';

export interface DetectorAzureStackProps {
  /**
   * Subscription to deploy into.
   * @default the provider's own lookup at plan time: ARM_SUBSCRIPTION_ID, else the `az login` default
   */
  readonly subscriptionId?: string;
  /**
   * Azure region, e.g. 'eastus' (check NC T4 v3 quota there); on-demand needs a region with Container Apps
   * serverless GPUs, e.g. 'swedencentral' or 'westus3'.
   * @default the AZURE_LOCATION environment variable; synth fails when neither is set
   */
  readonly location?: string;
  /**
   * 'always-on': an Azure ML managed online endpoint (at least one GPU instance around the clock).
   * 'on-demand': a Container Apps serverless GPU service that scales to zero and bills per second while running.
   * @default the construct context key `mode`, else the FORM_DETECTOR_MODE environment variable, else 'always-on'
   */
  readonly mode?: DeploymentMode;
  /**
   * Keep the state in `terraform.<stack id>.tfstate` at the project root, named by a relative path. cdktf's
   * default local backend writes the absolute path of the current directory into cdk.tf.json, which makes the
   * synthesized output machine-dependent. Set false to configure another backend on the stack yourself.
   * @default true
   */
  readonly localBackend?: boolean;
  /**
   * Everything else the always-on endpoint takes (model, instance type, scaling, auth mode, existing resources, …).
   * @default the construct's defaults
   */
  readonly endpoint?: Omit<AzureMlDetectorEndpointProps, 'location'>;
  /**
   * Everything else the on-demand service takes (model, GPU profile, scaling, ingress, existing resources, …).
   * @default the construct's defaults: T4, min 0, max 2 replicas
   */
  readonly onDemand?: Omit<ContainerAppsGpuDetectorServiceProps, 'location'>;
}

/**
 * One `cdktf deploy` for the detector on Azure: the azurerm provider and either an AzureMlDetectorEndpoint
 * (always-on) or a ContainerAppsGpuDetectorService (on-demand), with the scoring URI, the registry and the command
 * to push the image as outputs.
 */
export class DetectorAzureStack extends TerraformStack {
  readonly mode: DeploymentMode;
  /** The always-on endpoint; undefined in on-demand mode. */
  readonly endpoint?: AzureMlDetectorEndpoint;
  /** The on-demand service; undefined in always-on mode. */
  readonly service?: ContainerAppsGpuDetectorService;
  readonly provider: AzurermProvider;

  constructor(scope: Construct, id: string, props: DetectorAzureStackProps = {}) {
    super(scope, id);
    this.mode = resolveDeploymentMode({
      prop: props.mode,
      context: this.node.tryGetContext(DEPLOYMENT_MODE_CONTEXT_KEY),
      env: process.env[DEPLOYMENT_MODE_ENV],
    });
    const location = props.location ?? process.env[AZURE_LOCATION_ENV];
    const problems: string[] = [];
    if (location === undefined || location === '') {
      problems.push(
        `location: got undefined; pass location (e.g. 'eastus') or set ${AZURE_LOCATION_ENV} to a region with ` +
          (this.mode === 'on-demand'
            ? `Container Apps serverless GPUs (${CONTAINER_APPS_GPU_REGIONS.join(', ')})`
            : 'Standard_NC4as_T4_v3 quota'),
      );
    }
    const minCapacity = props.onDemand?.scaling?.minCapacity;
    if (this.mode === 'on-demand' && minCapacity !== undefined && minCapacity > 0) {
      problems.push(
        `onDemand.scaling.minCapacity: got ${minCapacity}; on-demand mode scales to zero when idle, and ` +
          `${minCapacity} warm GPU replica(s) bill around the clock: use minCapacity 0, or mode 'always-on'`,
      );
    }
    if (problems.length > 0 || location === undefined) {
      throw new Error(`Invalid DetectorAzureStack '${id}':\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
    if (props.localBackend !== false) {
      // Terraform runs in <output dir>/stacks/<id>/ (cdktf.json: "output": "cdktf.out"); three levels up is the
      // project root, where cdktf's own default would have put the state.
      new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` });
    }
    this.provider = new AzurermProvider(this, 'azurerm', {
      features: [{}],
      ...(props.subscriptionId ? { subscriptionId: props.subscriptionId } : {}),
    });

    if (this.mode === 'on-demand') {
      this.service = this.onDemandService(location, props);
    } else {
      this.endpoint = this.alwaysOnEndpoint(location, props);
    }
    const detector = this.service ?? this.endpoint;
    const weights = detector?.weights.source;
    if (detector && weights?.kind === 'store') {
      new TerraformOutput(this, 'weights_location', {
        value: weights.uri,
        description: 'Where the weights are staged: the base model at this path, the adapter in adapter/',
      });
      new TerraformOutput(this, 'stage_weights_command', {
        value: stagingCommandsFor(weights, detector.deployment).join(' && '),
        description:
          'Run once (and after changing the model) with the hf and az CLIs: downloads the base model and adapter ' +
          'from Hugging Face and uploads them to weights_location',
      });
    }
  }

  private alwaysOnEndpoint(location: string, props: DetectorAzureStackProps): AzureMlDetectorEndpoint {
    const endpoint = new AzureMlDetectorEndpoint(this, 'Detector', { ...props.endpoint, location });
    new TerraformOutput(this, 'scoring_uri', {
      value: endpoint.scoringUri,
      description: 'POST {"image_base64": "…"} here with the key (or an Entra token) as a Bearer token',
    });
    new TerraformOutput(this, 'registry_login_server', {
      value: endpoint.registryLoginServer,
      description: 'Registry the deployment pulls the image from',
    });
    new TerraformOutput(this, 'image', { value: endpoint.image, description: 'Image the deployment serves' });
    new TerraformOutput(this, 'push_image_command', {
      value: endpoint.pushImageCommand,
      description: 'Build inference-container/ and push it (run from the repo root, before or after deploy)',
    });
    new TerraformOutput(this, 'get_key_command', {
      value: endpoint.credentialsCommand,
      description: 'Print the credential for scoring requests',
    });
    return endpoint;
  }

  private onDemandService(location: string, props: DetectorAzureStackProps): ContainerAppsGpuDetectorService {
    const service = new ContainerAppsGpuDetectorService(this, 'Detector', { ...props.onDemand, location });
    new TerraformOutput(this, 'url', {
      value: service.url,
      description: 'The container app; the first request after idle waits for a GPU replica to start',
    });
    new TerraformOutput(this, 'scoring_uri', {
      value: service.scoringUri,
      description: 'POST {"image_base64": "…"} here (no key: limit access by ingress, see the README)',
    });
    new TerraformOutput(this, 'registry_login_server', {
      value: service.registryLoginServer,
      description: 'Registry the app pulls the image from',
    });
    new TerraformOutput(this, 'image', { value: service.image, description: 'Image the app serves' });
    new TerraformOutput(this, 'push_image_command', {
      value: service.pushImageCommand,
      description: 'Build inference-container/ and push it (run from the repo root, before deploy)',
    });
    return service;
  }
}
