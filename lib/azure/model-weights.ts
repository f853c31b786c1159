import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { StorageShare } from '@cdktf/provider-azurerm/lib/storage-share';
import type { Construct } from 'constructs';
import { normalizePrefix, prefixProblem, refuseProp, WEIGHTS_LAYOUT, type WeightsSource } from '../core';
import { concat } from '../cdktf/concat';

/** The prefix of the weights in a store created by `ModelWeights.fromNewStore()`. */
export const DEFAULT_WEIGHTS_PREFIX = 'weights';

/** Quota of the Azure Files share `fromNewStore()` creates for Container Apps, GiB (the 8B weights are ~17 GB). */
export const DEFAULT_WEIGHTS_SHARE_QUOTA_GIB = 100;

/** Which store a construct reads: a file share mounted by Container Apps, or a blob path Azure ML mounts. */
export type AzureWeightsTarget = 'azure-files' | 'azure-blob';

export interface ModelWeightsBindContext {
  readonly target: AzureWeightsTarget;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Globally unique names: the construct's name suffix. */
  readonly nameSuffix: string;
  /** A short lowercase base for storage names, from the construct id. */
  readonly compactId: string;
  /** Azure ML: the workspace storage account created by the construct, for a blob container of its own. */
  readonly workspaceStorage?: { readonly id: string; readonly name: string };
}

/** What weights resolve to once bound. */
export interface ModelWeightsConfig {
  readonly source: WeightsSource;
  /** Azure Files: the account, share and key the environment storage definition needs. */
  readonly fileShare?: {
    readonly accountName: string;
    readonly shareName: string;
    readonly accessKey: string;
    readonly prefix: string;
  };
  /** Azure Blob: the storage account (for the read grant) and the model asset's path. */
  readonly blob?: {
    readonly storageAccountId: string;
    readonly uri: string;
    /** Whether the path is in the workspace storage the construct created (its identity already reads it). */
    readonly inWorkspaceStorage: boolean;
  };
  /** Resources created for the store. */
  readonly createdStorageAccount?: StorageAccount;
  readonly createdShare?: StorageShare;
  readonly createdContainer?: StorageContainer;
}

export interface NewAzureStoreOptions {
  /**
   * Path of the weights inside the share or container.
   * @default 'weights'
   */
  readonly prefix?: string;
  /**
   * Quota of the file share (Container Apps), GiB.
   * @default 100
   */
  readonly shareQuotaGiB?: number;
}

export interface AzureFilesWeightsOptions {
  /** Name of the storage account holding the share. */
  readonly storageAccountName: string;
  /** Name of the file share. */
  readonly shareName: string;
  /**
   * The storage account key the Container Apps environment mounts the share with (Container Apps Azure Files
   * volumes authenticate with the account key; e.g. an `azurerm_storage_account` data source's primary_access_key).
   */
  readonly accessKey: string;
  /**
   * Path of the weights inside the share.
   * @default '' (the share's root)
   */
  readonly prefix?: string;
}

export interface BlobContainerWeightsOptions {
  /** Resource id of the storage account (the endpoint identity gets Storage Blob Data Reader on it). */
  readonly storageAccountId: string;
  /** Name of the storage account. */
  readonly storageAccountName: string;
  /** Name of the blob container. */
  readonly containerName: string;
  /**
   * Path of the weights inside the container.
   * @default '' (the container's root)
   */
  readonly prefix?: string;
}

/**
 * Where the weights come from on Azure: Hugging Face (Azure ML only: Container Apps refuses it, the download does not
 * fit a replica's 8 GiB of ephemeral storage), an Azure Files share that Container Apps mounts read-only as a volume,
 * or a blob path that Azure ML registers as a model asset and mounts at AZUREML_MODEL_DIR. The same factory names
 * as on the other clouds.
 */
export abstract class ModelWeights {
  /** The container downloads the base model and adapter from Hugging Face at every start (Azure ML only). */
  static fromHuggingFace(): ModelWeights {
    return new HuggingFaceWeights();
  }

  /** An existing Azure Files share (Container Apps). */
  static fromAzureFiles(options: AzureFilesWeightsOptions): ModelWeights {
    const prefix = checkedPrefix('fromAzureFiles', options.prefix);
    return new StoreWeights('azure-files', () => ({
      fileShare: {
        accountName: options.storageAccountName,
        shareName: options.shareName,
        accessKey: options.accessKey,
        prefix,
      },
      uri: `https://${options.storageAccountName}.file.core.windows.net/${options.shareName}/${slash(prefix)}`,
      createdHere: false,
    }));
  }

  /** An existing blob container path (Azure ML). */
  static fromBlobContainer(options: BlobContainerWeightsOptions): ModelWeights {
    const prefix = checkedPrefix('fromBlobContainer', options.prefix);
    return new StoreWeights('azure-blob', () => {
      const uri = `https://${options.storageAccountName}.blob.core.windows.net/${options.containerName}/${slash(prefix)}`;
      return {
        blob: { storageAccountId: options.storageAccountId, uri, inWorkspaceStorage: false },
        uri,
        createdHere: false,
      };
    });
  }

  /**
   * A store created by the construct that takes the weights: for Container Apps a storage account (HTTPS only, TLS
   * 1.2, no public blob access, shared-key access for the mount) with a file share; for Azure ML a blob container in
   * the workspace storage account it created.
   */
  static fromNewStore(options: NewAzureStoreOptions = {}): ModelWeights {
    const prefix = checkedPrefix('fromNewStore', options.prefix ?? DEFAULT_WEIGHTS_PREFIX);
    return new StoreWeights(undefined, (scope, context) => {
      if (context.target === 'azure-files') {
        const account = new StorageAccount(scope, 'WeightsStorage', {
          name: concat(`${context.compactId.slice(0, 8)}w`, context.nameSuffix),
          location: context.location,
          resourceGroupName: context.resourceGroupName,
          accountTier: 'Standard',
          accountReplicationType: 'LRS',
          accountKind: 'StorageV2',
          allowNestedItemsToBePublic: false,
          httpsTrafficOnlyEnabled: true,
          minTlsVersion: 'TLS1_2',
          ...(Object.keys(context.tags).length > 0 ? { tags: { ...context.tags } } : {}),
        });
        const share = new StorageShare(scope, 'WeightsShare', {
          name: 'model-weights',
          storageAccountId: account.id,
          quota: options.shareQuotaGiB ?? DEFAULT_WEIGHTS_SHARE_QUOTA_GIB,
        });
        return {
          fileShare: { accountName: account.name, shareName: share.name, accessKey: account.primaryAccessKey, prefix },
          uri: `https://${account.name}.file.core.windows.net/${share.name}/${slash(prefix)}`,
          createdHere: true,
          createdStorageAccount: account,
          createdShare: share,
        };
      }
      const storage = context.workspaceStorage;
      if (!storage) {
        refuseProp(
          `${scope.constructor.name} '${scope.node.path}'`,
          'weights',
          'ModelWeights.fromNewStore()',
          'it puts a blob container in the workspace storage this construct creates; with an existing workspace, ' +
            'stage the weights in a container of your own and pass ModelWeights.fromBlobContainer({ ' +
            'storageAccountId, storageAccountName, containerName, prefix })',
        );
      }
      const container = new StorageContainer(scope, 'WeightsContainer', {
        name: 'model-weights',
        storageAccountId: storage.id,
        containerAccessType: 'private',
      });
      const uri = `https://${storage.name}.blob.core.windows.net/${container.name}/${slash(prefix)}`;
      return {
        blob: { storageAccountId: storage.id, uri, inWorkspaceStorage: true },
        uri,
        createdHere: true,
        createdContainer: container,
      };
    });
  }

  abstract readonly kind: 'huggingface' | 'azure-files' | 'azure-blob' | 'new-store';

  abstract bind(scope: Construct, context: ModelWeightsBindContext): ModelWeightsConfig;
}

class HuggingFaceWeights extends ModelWeights {
  readonly kind = 'huggingface' as const;

  bind(): ModelWeightsConfig {
    return { source: { kind: 'huggingface' } };
  }
}

type StoreParts = Omit<ModelWeightsConfig, 'source'> & { readonly uri: string; readonly createdHere: boolean };

class StoreWeights extends ModelWeights {
  readonly kind: 'azure-files' | 'azure-blob' | 'new-store';

  constructor(
    private readonly store: AzureWeightsTarget | undefined,
    private readonly create: (scope: Construct, context: ModelWeightsBindContext) => StoreParts,
  ) {
    super();
    this.kind = store ?? 'new-store';
  }

  bind(scope: Construct, context: ModelWeightsBindContext): ModelWeightsConfig {
    if (this.store !== undefined && this.store !== context.target) {
      refuseProp(
        `${scope.constructor.name} '${scope.node.path}'`,
        'weights',
        this.store === 'azure-files' ? 'an Azure Files share' : 'a blob container',
        `it cannot be read here; use ${context.target === 'azure-files' ? 'ModelWeights.fromAzureFiles' : 'ModelWeights.fromBlobContainer'}(...) or ModelWeights.fromNewStore()`,
      );
    }
    const { uri, createdHere, ...parts } = this.create(scope, context);
    const containerPath =
      context.target === 'azure-files'
        ? `${WEIGHTS_LAYOUT.mountPath}${parts.fileShare?.prefix ? `/${parts.fileShare.prefix}` : ''}`
        : WEIGHTS_LAYOUT.platform;
    return { source: { kind: 'store', store: context.target, uri, createdHere, containerPath }, ...parts };
  }
}

function checkedPrefix(factory: string, prefix: string | undefined): string {
  const normalized = normalizePrefix(prefix);
  const problem = prefixProblem(normalized);
  if (problem) refuseProp(`ModelWeights.${factory}`, 'prefix', prefix, problem);
  return normalized;
}

function slash(prefix: string): string {
  return prefix ? `${prefix}/` : '';
}
