import type { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import type { StorageShare } from '@cdktf/provider-azurerm/lib/storage-share';
import { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { refuseProp, WEIGHTS_LAYOUT, type WeightsSource } from '../core';
import { concat } from '../cdktf/concat';
import {
  checkedPrefix,
  createWeightsStorage,
  DEFAULT_WEIGHTS_PREFIX,
  DEFAULT_WEIGHTS_SHARE_QUOTA_GIB,
  storeUri,
  type AzureWeightsTarget,
  type ModelWeightsStore,
} from './model-weights-store';

export { DEFAULT_WEIGHTS_PREFIX, DEFAULT_WEIGHTS_SHARE_QUOTA_GIB, type AzureWeightsTarget };

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
  /** Azure Blob: the container (for the read grant and the datastore) and the path of the weights in it. */
  readonly blob?: {
    readonly storageAccountId: string;
    /** Resource id of the blob container: the datastore's target and the scope of the read grant. */
    readonly containerResourceId: string;
    /** The path of the weights inside the container, without slashes ('' for the root). */
    readonly prefix: string;
    readonly uri: string;
    /** Whether the path is in the workspace storage the construct created (its identity already reads it). */
    readonly inWorkspaceStorage: boolean;
  };
  /** The Key Vault secret holding the Hugging Face token (`fromHuggingFace({ tokenSecret })`). */
  readonly tokenSecret?: KeyVaultSecretReference;
  /** Resources created for the store. */
  readonly createdStorageAccount?: StorageAccount;
  readonly createdShare?: StorageShare;
  readonly createdContainer?: StorageContainer;
}

/**
 * An existing Key Vault secret (an `azurerm_key_vault_secret` resource or data source fits): where the container reads
 * the Hugging Face token with the endpoint's identity.
 */
export interface KeyVaultSecretReference {
  /** `https://<vault>.vault.azure.net/secrets/<name>`: the latest version is read at every start. */
  readonly versionlessId: string;
  /**
   * Its Azure resource id, `…/providers/Microsoft.KeyVault/vaults/<vault>/secrets/<name>`: the scope of the
   * endpoint identity's Key Vault Secrets User role.
   */
  readonly resourceVersionlessId: string;
}

/** Options for weights downloaded from Hugging Face (Azure ML only). */
export interface HuggingFaceWeightsOptions {
  /**
   * A Key Vault secret holding a Hugging Face token (for gated or private repositories). The endpoint identity gets
   * Key Vault Secrets User on that secret alone (a role assignment scoped to the secret: Key Vault's Azure RBAC allows
   * it, https://learn.microsoft.com/azure/key-vault/general/rbac-guide, so the vault must use Azure RBAC
   * authorization); the container reads it at start with that identity (Azure ML's managed identity endpoint) and
   * gives it to vLLM alone, never as a plain environment value.
   * @default no token (the profile's model and adapter are public)
   */
  readonly tokenSecret?: KeyVaultSecretReference;
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
  static fromHuggingFace(options: HuggingFaceWeightsOptions = {}): ModelWeights {
    return new HuggingFaceWeights(options);
  }

  /** An existing Azure Files share (Container Apps). */
  static fromAzureFiles(options: AzureFilesWeightsOptions): ModelWeights {
    const prefix = checkedPrefix('ModelWeights.fromAzureFiles', options.prefix);
    return new StoreWeights('azure-files', () => ({
      fileShare: {
        accountName: options.storageAccountName,
        shareName: options.shareName,
        accessKey: options.accessKey,
        prefix,
      },
      uri: storeUri(options.storageAccountName, 'azure-files', options.shareName, prefix),
      createdHere: false,
    }));
  }

  /** An existing blob container path (Azure ML). */
  static fromBlobContainer(options: BlobContainerWeightsOptions): ModelWeights {
    const prefix = checkedPrefix('ModelWeights.fromBlobContainer', options.prefix);
    return new StoreWeights('azure-blob', () => {
      const uri = storeUri(options.storageAccountName, 'azure-blob', options.containerName, prefix);
      return {
        blob: {
          storageAccountId: options.storageAccountId,
          containerResourceId: `${options.storageAccountId}/blobServices/default/containers/${options.containerName}`,
          prefix,
          uri,
          inWorkspaceStorage: false,
        },
        uri,
        createdHere: false,
      };
    });
  }

  /**
   * The share or container of a `ModelWeightsStore`, which lives in a stack of its own: deploy that stack, stage the
   * weights with its commands, then deploy the detector. Its `kind` must be what the detector reads ('azure-files'
   * for Container Apps, 'azure-blob' for Azure ML).
   */
  static fromStore(store: ModelWeightsStore): ModelWeights {
    return new StoreWeights(
      store.kind,
      () => ({
        ...(store.kind === 'azure-files'
          ? {
              fileShare: {
                accountName: store.storageAccountName,
                shareName: store.shareOrContainerName,
                accessKey: store.storageAccount.primaryAccessKey,
                prefix: store.prefix,
              },
            }
          : {
              blob: {
                storageAccountId: store.storageAccountId,
                containerResourceId: store.containerResourceId as string,
                prefix: store.prefix,
                uri: store.uri,
                inWorkspaceStorage: false,
              },
            }),
        uri: store.uri,
        createdHere: false,
      }),
      { store },
    );
  }

  /**
   * A store created by the construct that takes the weights: for Container Apps a storage account (HTTPS only, TLS
   * 1.2, no public blob access, shared-key access for the mount) with a file share, taken at 0 replicas (nothing starts
   * at deploy); Azure ML starts the deployment at deploy and refuses it, as does Container Apps with warm replicas
   * (rule weights.store-staged-before-start). DetectorAzureStack reads these options and creates the store as a
   * `ModelWeightsStore` in a stack of its own (`<id>-weights`), deployed and staged first.
   */
  static fromNewStore(options: NewAzureStoreOptions = {}): ModelWeights {
    const prefix = checkedPrefix('ModelWeights.fromNewStore', options.prefix ?? DEFAULT_WEIGHTS_PREFIX);
    return new StoreWeights(
      undefined,
      (scope, context) => {
        if (context.target === 'azure-files') {
          const { account, share } = createWeightsStorage(scope, 'azure-files', {
            location: context.location,
            resourceGroupName: context.resourceGroupName,
            tags: context.tags,
            accountName: concat(`${context.compactId.slice(0, 8)}w`, context.nameSuffix),
            shareQuotaGiB: options.shareQuotaGiB,
          });
          return {
            fileShare: {
              accountName: account.name,
              shareName: (share as StorageShare).name,
              accessKey: account.primaryAccessKey,
              prefix,
            },
            uri: storeUri(account.name, 'azure-files', (share as StorageShare).name, prefix),
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
        const uri = storeUri(storage.name, 'azure-blob', container.name, prefix);
        return {
          blob: {
            storageAccountId: storage.id,
            containerResourceId: `${storage.id}/blobServices/default/containers/${container.name}`,
            prefix,
            uri,
            inWorkspaceStorage: true,
          },
          uri,
          createdHere: true,
          createdContainer: container,
        };
      },
      { newStore: { ...options, prefix } },
    );
  }

  /**
   * The options of `fromNewStore()`: DetectorAzureStack reads them to create the store in a stack of its own.
   * Undefined for every other source.
   */
  abstract readonly newStore?: NewAzureStoreOptions;

  /**
   * The store these weights create in the same deploy as `scope` (`fromNewStore()`, or a `ModelWeightsStore` in the
   * same stack), described for a message; undefined when the store exists before (or there is none).
   */
  abstract storeCreatedWith(scope: Construct): string | undefined;

  abstract readonly kind: 'huggingface' | 'azure-files' | 'azure-blob' | 'new-store';

  abstract bind(scope: Construct, context: ModelWeightsBindContext): ModelWeightsConfig;
}

class HuggingFaceWeights extends ModelWeights {
  readonly kind = 'huggingface' as const;
  readonly newStore = undefined;

  storeCreatedWith(): undefined {
    return undefined;
  }

  constructor(private readonly options: HuggingFaceWeightsOptions) {
    super();
  }

  bind(): ModelWeightsConfig {
    const secret = this.options.tokenSecret;
    if (!secret) return { source: { kind: 'huggingface' } };
    return { source: { kind: 'huggingface', tokenSecret: secret.versionlessId }, tokenSecret: secret };
  }
}

type StoreParts = Omit<ModelWeightsConfig, 'source'> & { readonly uri: string; readonly createdHere: boolean };

class StoreWeights extends ModelWeights {
  readonly kind: 'azure-files' | 'azure-blob' | 'new-store';

  constructor(
    private readonly store: AzureWeightsTarget | undefined,
    private readonly create: (scope: Construct, context: ModelWeightsBindContext) => StoreParts,
    origin: { readonly newStore?: NewAzureStoreOptions; readonly store?: ModelWeightsStore } = {},
  ) {
    super();
    this.kind = store ?? 'new-store';
    this.newStore = origin.newStore;
    this.weightsStore = origin.store;
  }

  readonly newStore?: NewAzureStoreOptions;
  private readonly weightsStore?: ModelWeightsStore;

  storeCreatedWith(scope: Construct): string | undefined {
    if (this.newStore) return 'ModelWeights.fromNewStore() (a store this construct creates)';
    if (this.weightsStore && TerraformStack.of(this.weightsStore) === TerraformStack.of(scope)) {
      return `ModelWeightsStore '${this.weightsStore.node.path}', in the same stack`;
    }
    return undefined;
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
    return {
      source: {
        kind: 'store',
        store: context.target,
        uri,
        createdHere,
        containerPath,
        ...(this.weightsStore ? { storeStack: TerraformStack.of(this.weightsStore).node.id } : {}),
      },
      ...parts,
    };
  }
}
