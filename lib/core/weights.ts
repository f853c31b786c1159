import { ENV, WEIGHTS_LAYOUT, weightsStagingCommands } from '../../inference-container/src/contract';
import type { DetectorDeployment } from './deployment';
import type { ColdStart } from './on-demand';

/**
 * One weights vocabulary for every cloud. A deployment's weights come either from Hugging Face (downloaded by the
 * container at every start) or from the cloud's own store, laid out as WEIGHTS_LAYOUT says (base model at the root,
 * adapter in `adapter/`), staged once with standard tools (`hf download`, then the store's copy command) and read
 * from next to the GPU. Each cloud has a `ModelWeights` class with the same factory names (`fromHuggingFace`,
 * `fromNewStore`, and one per existing store kind) that binds to this description; nothing here knows a provider.
 */

export { WEIGHTS_LAYOUT, weightsStagingCommands };

/** The stores the clouds offer. */
export type WeightsStoreKind = 's3' | 'gcs' | 'azure-files' | 'azure-blob';

export const WEIGHTS_STORE_NAMES: Readonly<Record<WeightsStoreKind, string>> = {
  s3: 'Amazon S3',
  gcs: 'Cloud Storage',
  'azure-files': 'Azure Files',
  'azure-blob': 'Azure Blob Storage',
};

/** Where a bound deployment's weights come from, in plain values (what the summary records). */
export type WeightsSource =
  | {
      readonly kind: 'huggingface';
      /** The secret holding the Hugging Face token, when one is used (ARN, version name or Key Vault URL). */
      readonly tokenSecret?: string;
    }
  | {
      readonly kind: 'store';
      readonly store: WeightsStoreKind;
      /** `s3://bucket/prefix/`, `gs://bucket/prefix/`, `https://<account>.file.core.windows.net/<share>/<prefix>`… */
      readonly uri: string;
      /** Whether the construct created the store (bucket, share or container), or was given an existing one. */
      readonly createdHere: boolean;
      /**
       * The stack that creates the store, when it is a ModelWeightsStore (deployed and staged before the detector's
       * stack).
       */
      readonly storeStack?: string;
      /**
       * Where the container reads the weights: an absolute directory (a mount, /opt/ml/model) or
       * WEIGHTS_LAYOUT.platform (the platform's own model location, e.g. AZUREML_MODEL_DIR).
       */
      readonly containerPath: string;
    };

/** The container's environment for a weights source (MODEL_WEIGHTS_DIR, MODEL_WEIGHTS_URI). */
export function weightsEnvironment(source: WeightsSource): Record<string, string> {
  if (source.kind === 'huggingface') return {};
  return { [ENV.modelWeightsDir]: source.containerPath, [ENV.modelWeightsUri]: source.uri };
}

/** What the deployment summary says about the weights. */
export interface WeightsSummary {
  /** 'huggingface' or the store kind. */
  readonly source: 'huggingface' | WeightsStoreKind;
  /** e.g. 'Hugging Face (downloaded at every start)' or 'Amazon S3 s3://bucket/weights/ (created by the stack)'. */
  readonly description: string;
  /** Shell commands that stage the weights into the store; none for Hugging Face. */
  readonly stagingCommands?: readonly string[];
  /** Who creates the store: this deployment's construct, another stack (a ModelWeightsStore), or nobody here. */
  readonly storeCreatedBy?: 'this-stack' | 'existing' | { readonly stack: string };
}

export function summarizeWeights(source: WeightsSource, deployment: DetectorDeployment): WeightsSummary {
  if (source.kind === 'huggingface') {
    return {
      source: 'huggingface',
      description: `Hugging Face, downloaded at every start${source.tokenSecret ? ' (token from the secret store)' : ''}`,
    };
  }
  const createdBy = source.createdHere
    ? ('this-stack' as const)
    : source.storeStack
      ? { stack: source.storeStack }
      : ('existing' as const);
  const where =
    createdBy === 'this-stack'
      ? 'created here'
      : createdBy === 'existing'
        ? 'existing'
        : `created by stack ${createdBy.stack}`;
  return {
    source: source.store,
    description: `${WEIGHTS_STORE_NAMES[source.store]} ${source.uri} (${where})`,
    stagingCommands: stagingCommandsFor(source, deployment),
    storeCreatedBy: createdBy,
  };
}

/** The staging commands for a store source: `hf download` for base model and adapter, then the copy. */
export function stagingCommandsFor(
  source: Extract<WeightsSource, { kind: 'store' }>,
  deployment: Pick<DetectorDeployment, 'baseModel' | 'loraAdapter'>,
): string[] {
  return weightsStagingCommands({
    baseModel: deployment.baseModel,
    loraAdapter: deployment.loraAdapter ?? null,
    storeUri: source.uri,
  });
}

/** The size of a 16-bit Hugging Face snapshot of the base model, GiB (what a start from Hugging Face downloads). */
export function huggingFaceDownloadGiB(deployment: Pick<DetectorDeployment, 'model'>): number {
  const m = deployment.model;
  return ((m.quantizableParamsB + m.unquantizedParamsB + m.visionParamsB) * 1e9 * 2) / 1024 ** 3;
}

/**
 * The cold start from zero, by where the weights come from. Estimates, not measurements: an instance launch or GPU
 * attach, the ~10 GB image pull, then either a ~17 GB download from Hugging Face (throughput unverified; it varies
 * with the region and the Hub's load) or a read from the store next to the GPU, then the 4-bit load and warm-up.
 */
export const COLD_STARTS_BY_WEIGHTS = {
  sagemakerInferenceComponent: {
    store: {
      minMinutes: 6,
      maxMinutes: 12,
      reason: 'instance launch (~5 min), image pull, S3 copy to /opt/ml/model, 4-bit load, vLLM warm-up',
    },
    huggingface: {
      minMinutes: 8,
      maxMinutes: 18,
      reason: 'instance launch (~5 min), image pull, ~17 GB download from Hugging Face, 4-bit load, vLLM warm-up',
    },
  },
  cloudRunGpu: {
    store: {
      minMinutes: 2,
      maxMinutes: 6,
      reason: 'GPU attach (~5 s), image pull, read from the Cloud Storage volume, 4-bit load, vLLM warm-up',
    },
    huggingface: {
      minMinutes: 6,
      maxMinutes: 12,
      reason: 'GPU attach (~5 s), image pull, ~17 GB download from Hugging Face, 4-bit load, vLLM warm-up',
    },
  },
  containerAppsGpu: {
    store: {
      minMinutes: 3,
      maxMinutes: 10,
      reason: 'GPU replica start, image pull, read from the Azure Files volume, 4-bit load, vLLM warm-up',
    },
    // Refused at synth: the download does not fit the replica's ephemeral storage (rule container-apps.replica-storage).
    huggingface: {
      minMinutes: 3,
      maxMinutes: 10,
      reason: 'not possible: the download does not fit the replica storage',
    },
  },
} as const satisfies Record<string, Record<'store' | 'huggingface', ColdStart>>;

export type OnDemandService = keyof typeof COLD_STARTS_BY_WEIGHTS;

/** The cold start of an on-demand service for a weights source. */
export function coldStartFor(service: OnDemandService, source: WeightsSource): ColdStart {
  return COLD_STARTS_BY_WEIGHTS[service][source.kind === 'huggingface' ? 'huggingface' : 'store'];
}

/** The directory a mounted store is read from (Cloud Run and Container Apps volumes). */
export const WEIGHTS_MOUNT_PATH = WEIGHTS_LAYOUT.mountPath;

/** Normalizes a key prefix in a store: no leading or trailing slash; '' for the root. */
export function normalizePrefix(prefix: string | undefined): string {
  return (prefix ?? '').replace(/^\/+|\/+$/g, '');
}

/** Why a key prefix is unusable, or undefined. */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix.split('/').some((part) => part === '..' || part === '.')) {
    return "use a plain key prefix without '.' or '..' segments, e.g. 'qwen3-vl-8b'";
  }
  if (prefix.includes('//')) return "use single slashes between segments, e.g. 'models/qwen3-vl-8b'";
  return undefined;
}
