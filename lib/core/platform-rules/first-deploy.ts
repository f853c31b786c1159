import { platformRule, unless } from './rule';

/**
 * The first deploy with a weights store: a store created by a deploy is empty until someone stages the weights, so a
 * platform that starts the container during that same deploy, and waits for it to be ready, fails the deploy.
 */

/** What rule weights.store-staged-before-start checks of one deployment. */
export interface StoreOrderInput {
  /** The deployment, for the message (e.g. `google_cloud_run_v2_service.x`). */
  readonly serving: string;
  /** The store the deployment reads, for the message (e.g. `google_storage_bucket.y`). */
  readonly store: string;
  /** Whether the store is created by the same deploy (the same stack) as the serving resource. */
  readonly storeCreatedInSameDeploy: boolean;
  /** Whether the platform starts the container during the deploy (e.g. Cloud Run always; SageMaker copies > 0). */
  readonly startsAtDeploy: boolean;
}

/** A deployment that starts the container at deploy reads no store created by that deploy. */
export const WEIGHTS_STORE_STAGED_BEFORE_START = platformRule<StoreOrderInput>({
  id: 'weights.store-staged-before-start',
  platform: 'Model weights',
  statement:
    'A deployment whose platform starts the container at deploy time and waits for it to be ready does not read a ' +
    'weights store created by the same deploy: the store is empty until staged, so the container never becomes ' +
    'ready and the deploy fails. The store lives in a stack of its own, deployed and staged first',
  source: 'https://cloud.google.com/run/docs/reference/rest/v2/Condition#RevisionReason',
  alsoSee: [
    'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html (ContainerStartupHealthCheckTimeoutInSeconds)',
    'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRuntimeConfig.html (CopyCount)',
    'https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints/deployModel',
    'https://learn.microsoft.com/azure/machine-learning/reference-yaml-deployment-managed-online (readiness_probe)',
    'https://learn.microsoft.com/azure/container-apps/scale-app (min replicas)',
  ],
  unverified:
    'that a Container Apps revision with minReplicas 0 starts no replica at deploy (taken from the scale-app page: ' +
    'an app at 0 replicas starts one on the first request)',
  appliesTo: [
    'sagemaker-endpoint',
    'sagemaker-inference-component',
    'vertex-endpoint',
    'cloud-run-service',
    'azure-ml-endpoint',
    'container-apps-service',
  ],
  synth: true,
  preflight: true,
  check: ({ serving, store, storeCreatedInSameDeploy, startsAtDeploy }) =>
    unless(
      !(storeCreatedInSameDeploy && startsAtDeploy),
      `${store}, created by the same deploy as ${serving}`,
      'the store is empty until the weights are staged, and the platform starts the container at deploy and waits ' +
        'for it: the first deploy fails. Create the store in a stack of its own (ModelWeightsStore), deploy that ' +
        'stack, stage the weights with the commands it outputs, then deploy this one with ' +
        'ModelWeights.fromStore(store) (the ready-made stacks do this)',
    ),
});
