import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { stagingCommandsFor, type DetectorDeployment } from '../core';
import { ModelWeightsStore, type ModelWeightsStoreProps } from './model-weights-store';

/** Props of a `DetectorAwsWeightsStack`. */
export interface DetectorAwsWeightsStackProps extends StackProps {
  /**
   * The store's bucket and prefix.
   * @default a bucket with the weights under 'weights/', SSE-S3, retained on destroy
   */
  readonly store?: ModelWeightsStoreProps;
}

/**
 * The weights store on its own: a stack that holds only a `ModelWeightsStore` (an S3 bucket), so the staged 17 GB
 * outlive the endpoint's stack, and the first deploy goes in order: `cdk deploy <this stack>`, the staging commands
 * it outputs, then `cdk deploy <the endpoint's stack>`. DetectorAwsStack creates one when its weights are a new store.
 */
export class DetectorAwsWeightsStack extends Stack {
  /** The store: read it with `ModelWeights.fromStore(store)`. */
  readonly store: ModelWeightsStore;

  constructor(scope: Construct, id: string, props: DetectorAwsWeightsStackProps = {}) {
    super(scope, id, {
      description: 'pdfme form-field detector: the S3 bucket its model weights are staged in',
      ...props,
    });
    this.store = new ModelWeightsStore(this, 'Weights', props.store);
    new CfnOutput(this, 'WeightsLocation', {
      description: 'Where to stage the weights: the base model at this prefix, the adapter in adapter/',
      value: this.store.uri,
    });
  }

  /** Adds the StageWeightsCommand output: the commands that stage what `deployment` serves into the store. */
  addStagingCommand(deployment: Pick<DetectorDeployment, 'baseModel' | 'loraAdapter'>): void {
    new CfnOutput(this, 'StageWeightsCommand', {
      description:
        'Run after deploying this stack and before the first request to the endpoint (hf and aws CLIs): downloads ' +
        'the base model and adapter from Hugging Face and copies them to WeightsLocation',
      value: stagingCommandsFor(
        { kind: 'store', store: 's3', uri: this.store.uri, createdHere: true, containerPath: '' },
        deployment,
      ).join(' && '),
    });
  }
}
