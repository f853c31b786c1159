/**
 * The model upload + deploy + undeploy that no Terraform resource does (terraform-provider-google #15303, #25152):
 * run by the `terraform_data` step of VertexDetectorEndpoint through `bin/vertex-deploy`.
 *
 * Idempotent, keyed by the config hash: the DeployedModel's display name and the Model's labels carry it, so a run
 * with the same image and config finds its deployment and makes no mutating call. A changed config deploys the new
 * model first (taking 100% of traffic), then undeploys the previous one and deletes its Model: no downtime.
 */
import { CONTAINER_ENV as ENV, weightsStagingCommands } from '../core';
import { dockerBuildAndPushCommand } from '../core/image-build';
import { VertexApi, VertexApiError, type Operation } from './vertex-api';
import {
  CONFIG_HASH_LABEL,
  configHash,
  DEPLOYED_MODEL_PREFIX,
  ENDPOINT_LABEL,
  type VertexDeployConfig,
} from './vertex-deploy-config';

interface DeployedModel {
  readonly id: string;
  readonly model: string;
  readonly displayName?: string;
}

interface Endpoint {
  readonly name: string;
  readonly deployedModels?: DeployedModel[];
  readonly trafficSplit?: Record<string, number>;
}

interface Model {
  readonly name: string;
  readonly labels?: Record<string, string>;
}

export type DeployOutcome =
  | { readonly action: 'unchanged'; readonly deployedModelId: string; readonly configHash: string }
  | {
      readonly action: 'deployed';
      readonly deployedModelId: string;
      readonly model: string;
      readonly configHash: string;
      /** DeployedModel ids of previous configs that were undeployed. */
      readonly undeployed: string[];
    };

export interface UndeployOutcome {
  readonly action: 'undeployed' | 'nothing-to-undeploy';
  readonly undeployed: string[];
  readonly deletedModels: string[];
  readonly configHash: string;
}

export class VertexDeployer {
  private readonly hash: string;
  private readonly deployedName: string;
  private readonly endpointPath: string;
  private readonly locationPath: string;
  private readonly endpointId: string;

  constructor(
    private readonly config: VertexDeployConfig,
    private readonly api: VertexApi,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.hash = configHash(config);
    this.deployedName = `${DEPLOYED_MODEL_PREFIX}${this.hash}`;
    this.locationPath = `projects/${config.project}/locations/${config.region}`;
    // The id, whether Terraform stored the endpoint's name as the id or as the full resource name.
    this.endpointId = config.endpointId.split('/').pop() ?? config.endpointId;
    this.endpointPath = `${this.locationPath}/endpoints/${this.endpointId}`;
  }

  /** Makes the endpoint serve this config, with 100% of its traffic. */
  async deploy(): Promise<DeployOutcome> {
    const endpoint = await this.getEndpoint();
    const deployed = endpoint.deployedModels ?? [];
    const current = deployed.find((d) => d.displayName === this.deployedName);
    const previous = deployed.filter((d) => d !== current && d.displayName?.startsWith(DEPLOYED_MODEL_PREFIX));

    if (current) {
      if (previous.length === 0 && endpoint.trafficSplit?.[current.id] === 100) {
        this.log(`Config ${this.hash} is already deployed as ${current.id} with 100% of traffic: nothing to do.`);
        return { action: 'unchanged', deployedModelId: current.id, configHash: this.hash };
      }
      // A previous run stopped between deploy and clean-up: finish it.
      await this.retire(previous, { [current.id]: 100 });
      return { action: 'unchanged', deployedModelId: current.id, configHash: this.hash };
    }

    await this.checkWeightsStaged();
    const model = (await this.findModels())[0]?.name ?? (await this.upload());
    this.log(`Deploying ${model} to endpoint ${this.endpointId} (this takes as long as the model load)…`);
    const op = await this.api.call<Operation>(
      'POST',
      `${this.endpointPath}:deployModel`,
      {
        deployedModel: {
          model,
          displayName: this.deployedName,
          dedicatedResources: this.config.dedicatedResources,
          serviceAccount: this.config.serviceAccount,
          enableContainerLogging: this.config.enableContainerLogging,
        },
        // "0" is the DeployedModel being created: it takes all traffic once it is ready.
        trafficSplit: { '0': 100 },
      },
      `deploy model to endpoint ${this.endpointId}`,
    );
    const response = await this.api.wait(
      op,
      `deploy model to endpoint ${this.endpointId}`,
      this.config.operationTimeoutSeconds,
    );
    const deployedModelId = String((response.deployedModel as { id?: string } | undefined)?.id ?? '');
    this.log(`Deployed ${deployedModelId} (config ${this.hash}); it now takes 100% of traffic.`);

    const undeployed = await this.retire(previous, deployedModelId ? { [deployedModelId]: 100 } : undefined);
    const others = deployed.filter((d) => !d.displayName?.startsWith(DEPLOYED_MODEL_PREFIX));
    for (const d of others) {
      this.log(
        `Note: deployed model ${d.id} (${d.displayName ?? 'no name'}) was not deployed by this stack; left as is, with no traffic.`,
      );
    }
    return { action: 'deployed', deployedModelId, model, configHash: this.hash, undeployed };
  }

  /** Undeploys this config's deployed model and deletes its Model; a no-op when there is none. */
  async undeploy(): Promise<UndeployOutcome> {
    let endpoint: Endpoint;
    try {
      endpoint = await this.getEndpoint();
    } catch (e) {
      // A deleted endpoint has nothing to undeploy; a bad region ("Location … is not found") is still an error.
      if (e instanceof VertexApiError && e.status === 'NOT_FOUND' && /endpoint/i.test(e.apiMessage)) {
        this.log(`Endpoint ${this.endpointId} does not exist: nothing to undeploy.`);
        return { action: 'nothing-to-undeploy', undeployed: [], deletedModels: [], configHash: this.hash };
      }
      throw e;
    }
    const deployed = endpoint.deployedModels ?? [];
    const targets = deployed.filter((d) => d.displayName === this.deployedName);
    const undeployed: string[] = [];
    let remaining = deployed;
    let split = { ...(endpoint.trafficSplit ?? {}) };
    for (const target of targets) {
      remaining = remaining.filter((d) => d.id !== target.id);
      split = reassignTraffic(split, remaining);
      await this.undeployOne(target, remaining.length > 0 ? split : undefined);
      undeployed.push(target.id);
    }
    // The endpoint names a deployed model's Model by project number, models.list by project id: one Model, two names.
    const models = new Map<string, string>();
    for (const name of [...targets.map((t) => t.model), ...(await this.findModels()).map((m) => m.name)]) {
      models.set(name.split('/').pop() ?? name, name);
    }
    const deletedModels: string[] = [];
    for (const model of models.values()) {
      if (await this.deleteModel(model)) deletedModels.push(model);
    }
    if (undeployed.length === 0 && deletedModels.length === 0) {
      this.log(`Config ${this.hash} is not deployed on endpoint ${this.endpointId}: nothing to undeploy.`);
    }
    return {
      action: undeployed.length + deletedModels.length > 0 ? 'undeployed' : 'nothing-to-undeploy',
      undeployed,
      deletedModels,
      configHash: this.hash,
    };
  }

  /**
   * deployModel starts the replicas and waits for them: with weights in Cloud Storage that are not staged yet, the
   * container would never become ready and the deploy would fail only after the deployment timeout. So the step
   * looks for the store's config.json first and stops at once with the staging commands when it is missing (rule
   * weights.store-staged-before-start).
   */
  private async checkWeightsStaged(): Promise<void> {
    const uri = this.config.artifactUri;
    if (!uri.startsWith('gs://')) return;
    const configJson = `${uri.replace(/\/*$/, '/')}config.json`;
    if (await this.api.objectExists(configJson)) return;
    const env = Object.fromEntries(this.config.containerSpec.env.map((e) => [e.name, e.value]));
    const staging = weightsStagingCommands({
      baseModel: env[ENV.baseModel] ?? '<base model id>',
      loraAdapter: env[ENV.loraAdapter],
      storeUri: uri,
    });
    throw new Error(
      `the weights are not staged: ${configJson} does not exist, and Vertex AI would start the replicas against an ` +
        `empty store. Stage them, then run the deploy again:\n    ${staging.join(' && \\\n    ')}`,
    );
  }

  private getEndpoint(): Promise<Endpoint> {
    return this.api.call<Endpoint>('GET', this.endpointPath, undefined, `get endpoint ${this.endpointId}`);
  }

  /** Models uploaded earlier for this endpoint and config (an interrupted run may have left one). */
  private async findModels(): Promise<Model[]> {
    const filter = `labels.${CONFIG_HASH_LABEL}=${this.hash} AND labels.${ENDPOINT_LABEL}=${this.endpointId}`;
    const found = await this.api.call<{ models?: Model[] }>(
      'GET',
      `${this.locationPath}/models?filter=${encodeURIComponent(filter)}`,
      undefined,
      'list models',
    );
    return found.models ?? [];
  }

  private async upload(): Promise<string> {
    const { containerSpec, artifactUri, labels, modelDisplayName } = this.config;
    this.log(`Uploading model ${modelDisplayName} (image ${containerSpec.imageUri}, config ${this.hash})…`);
    const action = `upload model (image ${containerSpec.imageUri})`;
    let op: Operation;
    try {
      op = await this.api.call<Operation>(
        'POST',
        `${this.locationPath}/models:upload`,
        {
          model: {
            displayName: `${modelDisplayName}-${this.hash}`,
            labels: { ...labels, [CONFIG_HASH_LABEL]: this.hash, [ENDPOINT_LABEL]: this.endpointId },
            containerSpec,
            ...(artifactUri ? { artifactUri } : {}),
          },
        },
        action,
      );
    } catch (e) {
      throw withImageHint(e, containerSpec.imageUri);
    }
    const response = await this.api.wait(op, action, this.config.operationTimeoutSeconds).catch((e: unknown) => {
      throw withImageHint(e, containerSpec.imageUri);
    });
    const model = String(response.model ?? '');
    if (!model) throw new Error(`${action}: the operation finished without a model name`);
    this.log(`Uploaded ${model}.`);
    return model;
  }

  /** Undeploys earlier configs' deployed models (they have no traffic by now) and deletes their Models. */
  private async retire(previous: DeployedModel[], split: Record<string, number> | undefined): Promise<string[]> {
    const done: string[] = [];
    for (const old of previous) {
      await this.undeployOne(old, split);
      done.push(old.id);
      await this.deleteModel(old.model);
    }
    return done;
  }

  private async undeployOne(target: DeployedModel, split: Record<string, number> | undefined): Promise<void> {
    const action = `undeploy ${target.id} (${target.displayName ?? ''}) from endpoint ${this.endpointId}`;
    this.log(`${action[0].toUpperCase()}${action.slice(1)}…`);
    const op = await this.api.call<Operation>(
      'POST',
      `${this.endpointPath}:undeployModel`,
      { deployedModelId: target.id, ...(split ? { trafficSplit: split } : {}) },
      action,
    );
    await this.api.wait(op, action, this.config.operationTimeoutSeconds);
  }

  /** Deletes a Model; a model that is gone already, or still deployed elsewhere, is reported, not fatal. */
  private async deleteModel(model: string): Promise<boolean> {
    const action = `delete model ${model}`;
    try {
      const op = await this.api.call<Operation>('DELETE', model, undefined, action);
      await this.api.wait(op, action, this.config.operationTimeoutSeconds);
      this.log(`Deleted ${model}.`);
      return true;
    } catch (e) {
      if (e instanceof VertexApiError && (e.status === 'NOT_FOUND' || e.status === 'FAILED_PRECONDITION')) {
        this.log(`Kept ${model}: ${e.status}: ${e.apiMessage}`);
        return false;
      }
      throw e;
    }
  }
}

/**
 * The traffic split once a deployed model leaves: its share goes to the remaining deployed model with the most traffic
 * (the API refuses to undeploy a model that still has traffic unless the request reassigns it).
 */
export function reassignTraffic(
  split: Readonly<Record<string, number>>,
  remaining: readonly DeployedModel[],
): Record<string, number> {
  const next: Record<string, number> = {};
  for (const d of remaining) next[d.id] = split[d.id] ?? 0;
  const total = Object.values(next).reduce((a, b) => a + b, 0);
  if (remaining.length > 0 && total < 100) {
    const heir = [...remaining].sort((a, b) => (next[b.id] ?? 0) - (next[a.id] ?? 0))[0];
    next[heir.id] += 100 - total;
  }
  return next;
}

function withImageHint(e: unknown, imageUri: string): unknown {
  if (
    e instanceof VertexApiError &&
    ['NOT_FOUND', 'INVALID_ARGUMENT'].includes(e.status) &&
    /image/i.test(e.apiMessage)
  ) {
    return new Error(
      `${e.message}\n  hint: build and push the image first, then run the deploy again:\n` +
        `    ${dockerBuildAndPushCommand(imageUri)}`,
    );
  }
  return e;
}
