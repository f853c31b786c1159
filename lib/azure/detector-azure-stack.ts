import { TerraformOutput, TerraformStack, Token, type TerraformBackend } from 'cdktf';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import type { Construct } from 'constructs';
import {
  CONTAINER_APPS_GPU_REGIONS,
  DEPLOYMENT_MODE_CONTEXT_KEY,
  DEPLOYMENT_MODE_ENV,
  resolveDeploymentMode,
  stagingCommandsFor,
  ValidationErrors,
  type DeploymentMode,
} from '../core';
import { relativeLocalBackend } from '../cdktf/local-backend';
import { AzureMlDetectorEndpoint } from './azure-ml-detector-endpoint';
import type { AzureMlDetectorEndpointProps } from './azure-ml-detector-endpoint-props';
import { ContainerAppsGpuDetectorService } from './container-apps-gpu-detector-service';
import { DetectorAzureWeightsStack } from './detector-azure-weights-stack';
import { ModelWeights } from './model-weights';
import type { ContainerAppsGpuDetectorServiceProps } from './container-apps-gpu-detector-service-props';

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
   * The always-on endpoint's props (model, instance type, scaling, auth mode, existing resources, …), used in that
   * mode.
   * @default the construct's defaults
   */
  readonly alwaysOn?: Omit<AzureMlDetectorEndpointProps, 'location'>;
  /**
   * The on-demand service's props (model, GPU profile, scaling, ingress, existing resources, …), used in that mode.
   * @default the construct's defaults: T4, min 0, max 2 replicas
   */
  readonly onDemand?: Omit<ContainerAppsGpuDetectorServiceProps, 'location'>;
}

/**
 * The detector on Azure: the azurerm provider and either an AzureMlDetectorEndpoint (always-on) or a
 * ContainerAppsGpuDetectorService (on-demand), with the scoring URI, the registry and the command to push the image
 * as outputs (CamelCase, as on every cloud's stack: CloudFormation output ids allow no underscore). Without a
 * backend of your own, the state stays in `terraform.<stack id>.tfstate` at the project root, named by a relative
 * path.
 *
 * Weights from a new store (`ModelWeights.fromNewStore()`, the on-demand default) go in a stack of their own,
 * `<id>-weights` (`weightsStack`), which this stack reads: the first deploy is `cdktf deploy <id>-weights`, the
 * staging commands it outputs, then `cdktf deploy <id>` (rule weights.store-staged-before-start). The staged weights
 * also outlive a `cdktf destroy <id>`.
 */
export class DetectorAzureStack extends TerraformStack {
  readonly mode: DeploymentMode;
  /** The always-on endpoint; undefined in on-demand mode. */
  readonly endpoint?: AzureMlDetectorEndpoint;
  /** The on-demand service; undefined in always-on mode. */
  readonly service?: ContainerAppsGpuDetectorService;
  readonly provider: AzurermProvider;
  /** The stack that holds the weights store, when the weights are a new store (deploy and stage it first). */
  readonly weightsStack?: DetectorAzureWeightsStack;

  constructor(scope: Construct, id: string, props: DetectorAzureStackProps = {}) {
    super(scope, id);
    const errors = new ValidationErrors(`DetectorAzureStack '${this.node.path}'`, (v) => Token.isUnresolved(v));
    errors.renamed(props, { endpoint: 'alwaysOn' });
    if ((props as { localBackend?: unknown }).localBackend !== undefined) {
      errors.add(
        'localBackend',
        (props as { localBackend?: unknown }).localBackend,
        'leave it out: local state is added only when no backend was added to the stack, so a backend of your own wins',
      );
    }
    this.mode = resolveDeploymentMode(
      {
        prop: props.mode,
        context: this.node.tryGetContext(DEPLOYMENT_MODE_CONTEXT_KEY),
        env: process.env[DEPLOYMENT_MODE_ENV]?.trim(),
      },
      errors,
      ' (Container Apps scales to zero in on-demand)',
    );
    const location = props.location ?? process.env[AZURE_LOCATION_ENV];
    if (location === undefined || location === '') {
      errors.add(
        'location',
        location,
        `pass location (e.g. 'eastus') or set ${AZURE_LOCATION_ENV} to a region with ` +
          (this.mode === 'on-demand'
            ? `Container Apps serverless GPUs (${CONTAINER_APPS_GPU_REGIONS.join(', ')})`
            : 'Standard_NC4as_T4_v3 quota'),
      );
    }
    const minCapacity = props.onDemand?.scaling?.minCapacity;
    if (this.mode === 'on-demand' && minCapacity !== undefined && errors.isKnown(minCapacity) && minCapacity > 0) {
      errors.add(
        'onDemand.scaling.minCapacity',
        minCapacity,
        `on-demand mode scales to zero when idle, and ${minCapacity} warm GPU replica(s) bill around the clock: use ` +
          "minCapacity 0, or mode 'always-on'",
      );
    }
    errors.throwIfAny();
    this.provider = new AzurermProvider(this, 'azurerm', {
      features: [{}],
      ...(props.subscriptionId ? { subscriptionId: props.subscriptionId } : {}),
    });

    const where = { location: location as string };
    // A new store goes in a stack of its own, deployed and staged before this one.
    const given =
      this.mode === 'on-demand' ? (props.onDemand?.weights ?? ModelWeights.fromNewStore()) : props.alwaysOn?.weights;
    let weights = given;
    if (given?.newStore) {
      this.weightsStack = new DetectorAzureWeightsStack(scope, `${id}-weights`, {
        ...where,
        kind: this.mode === 'on-demand' ? 'azure-files' : 'azure-blob',
        ...given.newStore,
        subscriptionId: props.subscriptionId,
        tags: (this.mode === 'on-demand' ? props.onDemand?.tags : props.alwaysOn?.tags) ?? undefined,
      });
      weights = ModelWeights.fromStore(this.weightsStack.store);
    }
    const withWeights = weights ? { weights } : {};
    if (this.mode === 'on-demand') {
      this.service = this.onDemandService({ ...props.onDemand, ...where, ...withWeights });
    } else {
      this.endpoint = this.alwaysOnEndpoint({ ...props.alwaysOn, ...where, ...withWeights });
    }
    const detector = this.service ?? this.endpoint;
    if (detector) this.weightsStack?.addStagingCommand(detector.deployment);
    const source = detector?.weights.source;
    if (detector && source?.kind === 'store') {
      new TerraformOutput(this, 'WeightsLocation', {
        value: source.uri,
        description: 'Where the weights are staged: the base model at this path, the adapter in adapter/',
      });
      new TerraformOutput(this, 'StageWeightsCommand', {
        value: stagingCommandsFor(source, detector.deployment).join(' && '),
        description:
          'Run once (and after changing the model) with the hf and az CLIs: downloads the base model and adapter ' +
          'from Hugging Face and uploads them to WeightsLocation',
      });
    }
  }

  /** Local state at the project root, by a relative path; a backend you add to the stack wins. */
  ensureBackendExists(): TerraformBackend {
    return relativeLocalBackend(this);
  }

  private alwaysOnEndpoint(props: AzureMlDetectorEndpointProps): AzureMlDetectorEndpoint {
    const endpoint = new AzureMlDetectorEndpoint(this, 'Detector', props);
    new TerraformOutput(this, 'ScoringUri', {
      value: endpoint.scoringUri,
      description: 'POST {"image_base64": "…"} here with the key (or an Entra token) as a Bearer token',
    });
    this.imageOutputs(endpoint, 'the deployment', 'before or after deploy');
    new TerraformOutput(this, 'GetKeyCommand', {
      value: endpoint.credentialsCommand,
      description: 'Print the credential for scoring requests',
    });
    return endpoint;
  }

  private onDemandService(props: ContainerAppsGpuDetectorServiceProps): ContainerAppsGpuDetectorService {
    const service = new ContainerAppsGpuDetectorService(this, 'Detector', props);
    new TerraformOutput(this, 'ServiceUrl', {
      value: service.url,
      description: 'The container app; the first request after idle waits for a GPU replica to start',
    });
    new TerraformOutput(this, 'ScoringUri', {
      value: service.scoringUri,
      description: 'POST {"image_base64": "…"} here (no key: limit access by ingress, see the README)',
    });
    this.imageOutputs(service, 'the app', 'before deploy');
    return service;
  }

  /** RegistryLoginServer, Image and PushImageCommand. */
  private imageOutputs(
    detector: AzureMlDetectorEndpoint | ContainerAppsGpuDetectorService,
    what: string,
    when: string,
  ): void {
    new TerraformOutput(this, 'RegistryLoginServer', {
      value: detector.registryLoginServer,
      description: `Registry ${what} pulls the image from`,
    });
    new TerraformOutput(this, 'Image', { value: detector.image, description: `Image ${what} serves` });
    new TerraformOutput(this, 'PushImageCommand', {
      value: detector.pushImageCommand,
      description: `Build inference-container/ and push it (run from the repo root, ${when})`,
    });
  }
}
