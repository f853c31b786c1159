import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { TerraformOutput, TerraformStack, type TerraformBackend } from 'cdktf';
import type { Construct } from 'constructs';
import { stagingCommandsFor, type DetectorDeployment } from '../core';
import { relativeLocalBackend } from '../cdktf/local-backend';
import { ModelWeightsStore, type ModelWeightsStoreProps } from './model-weights';

/**
 * The weights store on its own: a stack that holds only a `ModelWeightsStore` (a Cloud Storage bucket), so the
 * stateful 17 GB outlive the serving stack, and the first deploy goes in order: deploy this stack, stage the weights
 * with its StageWeightsCommand output, then deploy the detector's stack (Cloud Run and Vertex AI start the container
 * at deploy: rule weights.store-staged-before-start). DetectorGcpStack creates one when its weights are a new store.
 */
export class DetectorGcpWeightsStack extends TerraformStack {
  /** The google provider of the store's project and region. */
  readonly provider: GoogleProvider;
  /** The store: read it with `ModelWeights.fromStore(store)`. */
  readonly store: ModelWeightsStore;

  constructor(scope: Construct, id: string, props: ModelWeightsStoreProps) {
    super(scope, id);
    this.provider = new GoogleProvider(this, 'Google', { project: props.project, region: props.region });
    this.store = new ModelWeightsStore(this, 'Weights', props);
    new TerraformOutput(this, 'WeightsLocation', {
      value: this.store.uri,
      description: 'Where to stage the weights: the base model at this prefix, the adapter in adapter/',
    });
  }

  /** Adds the StageWeightsCommand output: the commands that stage what `deployment` serves into the store. */
  addStagingCommand(deployment: Pick<DetectorDeployment, 'baseModel' | 'loraAdapter'>): void {
    new TerraformOutput(this, 'StageWeightsCommand', {
      value: stagingCommandsFor(
        { kind: 'store', store: 'gcs', uri: this.store.uri, createdHere: true, containerPath: '' },
        deployment,
      ).join(' && '),
      description:
        'Run after deploying this stack and before deploying the detector (hf and gcloud CLIs): downloads the base ' +
        'model and adapter from Hugging Face and copies them to WeightsLocation',
    });
  }

  /** Local state at the project root, by a relative path; a backend you add to the stack wins. */
  ensureBackendExists(): TerraformBackend {
    return relativeLocalBackend(this);
  }
}
