import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { TerraformOutput, TerraformStack, type TerraformBackend } from 'cdktf';
import type { Construct } from 'constructs';
import { stagingCommandsFor, type DetectorDeployment } from '../core';
import { relativeLocalBackend } from '../cdktf/local-backend';
import { ModelWeightsStore, type ModelWeightsStoreProps } from './model-weights-store';

/** Props of a `DetectorAzureWeightsStack`. */
export interface DetectorAzureWeightsStackProps extends ModelWeightsStoreProps {
  /**
   * Subscription to deploy into.
   * @default the provider's own lookup at plan time: ARM_SUBSCRIPTION_ID, else the `az login` default
   */
  readonly subscriptionId?: string;
}

/**
 * The weights store on its own: a stack that holds only a `ModelWeightsStore` (a storage account with a file share
 * or a blob container), so the staged 17 GB outlive the detector's stack, and the first deploy goes in order:
 * `cdktf deploy <this stack>`, the staging commands it outputs, then `cdktf deploy <the detector's stack>` (Azure ML
 * starts the deployment at deploy: rule weights.store-staged-before-start). DetectorAzureStack creates one when its
 * weights are a new store.
 */
export class DetectorAzureWeightsStack extends TerraformStack {
  /** The azurerm provider of the store's subscription. */
  readonly provider: AzurermProvider;
  /** The store: read it with `ModelWeights.fromStore(store)`. */
  readonly store: ModelWeightsStore;

  constructor(scope: Construct, id: string, props: DetectorAzureWeightsStackProps) {
    super(scope, id);
    const { subscriptionId, ...storeProps } = props;
    this.provider = new AzurermProvider(this, 'azurerm', {
      features: [{}],
      ...(subscriptionId ? { subscriptionId } : {}),
    });
    this.store = new ModelWeightsStore(this, 'Weights', storeProps);
    new TerraformOutput(this, 'WeightsLocation', {
      value: this.store.uri,
      description: 'Where to stage the weights: the base model at this path, the adapter in adapter/',
    });
  }

  /** Adds the StageWeightsCommand output: the commands that stage what `deployment` serves into the store. */
  addStagingCommand(deployment: Pick<DetectorDeployment, 'baseModel' | 'loraAdapter'>): void {
    new TerraformOutput(this, 'StageWeightsCommand', {
      value: stagingCommandsFor(
        { kind: 'store', store: this.store.kind, uri: this.store.uri, createdHere: true, containerPath: '' },
        deployment,
      ).join(' && '),
      description:
        'Run after deploying this stack and before deploying the detector (hf and az CLIs): downloads the base ' +
        'model and adapter from Hugging Face and uploads them to WeightsLocation',
    });
  }

  /** Local state at the project root, by a relative path; a backend you add to the stack wins. */
  ensureBackendExists(): TerraformBackend {
    return relativeLocalBackend(this);
  }
}
