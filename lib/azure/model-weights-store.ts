import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { StorageShare } from '@cdktf/provider-azurerm/lib/storage-share';
import { Construct } from 'constructs';
import { normalizePrefix, prefixProblem, refuseProp } from '../core';
import { concat } from '../cdktf/concat';
import { compactName, nameSuffix, resolveResourceGroup, taggedWith } from './common-resources';
import type { ResourceGroupReference } from './serving-props';

/** The prefix of the weights in a store created by `ModelWeights.fromNewStore()` or a `ModelWeightsStore`. */
export const DEFAULT_WEIGHTS_PREFIX = 'weights';

/** Quota of the Azure Files share a store creates for Container Apps, GiB (the 8B weights are ~17 GB). */
export const DEFAULT_WEIGHTS_SHARE_QUOTA_GIB = 100;

/** Which store a construct reads: a file share mounted by Container Apps, or a blob path Azure ML mounts. */
export type AzureWeightsTarget = 'azure-files' | 'azure-blob';

/** Props of a `ModelWeightsStore`. */
export interface ModelWeightsStoreProps {
  /** Region of the storage account: the detector's region. */
  readonly location: string;
  /**
   * What reads it: 'azure-files' (a file share, which Container Apps mounts) or 'azure-blob' (a blob container, which
   * Azure ML registers as a model asset and mounts).
   */
  readonly kind: AzureWeightsTarget;
  /**
   * An existing resource group for the storage account.
   * @default a new resource group named after the construct path
   */
  readonly resourceGroup?: ResourceGroupReference;
  /**
   * Name of the resource group created when `resourceGroup` is not given.
   * @default derived from the construct path
   */
  readonly resourceGroupName?: string;
  /**
   * Path of the weights inside the share or container.
   * @default 'weights'
   */
  readonly prefix?: string;
  /**
   * Quota of the file share ('azure-files'), GiB.
   * @default 100
   */
  readonly shareQuotaGiB?: number;
  /**
   * Tags on every resource created here.
   * @default none
   */
  readonly tags?: Record<string, string>;
}

/**
 * A storage account for the weights, in a stack of its own (`ModelWeights.fromStore(store)` reads it): HTTPS only,
 * TLS 1.2, no public blob access, encrypted at rest by Azure Storage, with a file share ('azure-files') or a private
 * blob container ('azure-blob'); no role assignment to anyone (the detector that reads it grants its own identity).
 * Deploy its stack, stage the weights with the commands it outputs, then deploy the detector: the staged weights
 * outlive the detector's stack. Shared-key access stays on: Container Apps mounts an Azure Files share with the
 * account key.
 */
export class ModelWeightsStore extends Construct {
  /** What reads it: a file share ('azure-files') or a blob container ('azure-blob'). */
  readonly kind: AzureWeightsTarget;
  /** The storage account (escape hatch). */
  readonly storageAccount: StorageAccount;
  /** The file share ('azure-files'). */
  readonly share?: StorageShare;
  /** The blob container ('azure-blob'). */
  readonly container?: StorageContainer;
  /** The resource group created for it, when none was given. */
  readonly createdResourceGroup?: ResourceGroup;
  /** The resource group of the storage account. */
  readonly resourceGroupName: string;
  /** The storage account's name (staging commands) and resource id (the datastore and the read grant). */
  readonly storageAccountName: string;
  readonly storageAccountId: string;
  /** Name of the share or container. */
  readonly shareOrContainerName: string;
  /** Resource id of the blob container ('azure-blob'): the scope of the detector's read grant, and its datastore. */
  readonly containerResourceId?: string;
  /** The path of the weights inside the share or container, without slashes ('' for the root). */
  readonly prefix: string;
  /** `https://<account>.file.core.windows.net/<share>/<prefix>/` or `https://<account>.blob.core.windows.net/…`. */
  readonly uri: string;

  constructor(scope: Construct, id: string, props: ModelWeightsStoreProps) {
    super(scope, id);
    this.kind = props.kind;
    this.prefix = checkedPrefix(`ModelWeightsStore '${this.node.path}'`, props.prefix ?? DEFAULT_WEIGHTS_PREFIX);
    const group = resolveResourceGroup(this, props);
    this.createdResourceGroup = group.created;
    this.resourceGroupName = group.resourceGroup.name;
    const clientConfig = new DataAzurermClientConfig(this, 'ClientConfig', {});
    const suffix = nameSuffix(this, clientConfig, this.resourceGroupName);
    const created = createWeightsStorage(this, props.kind, {
      location: props.location,
      resourceGroupName: this.resourceGroupName,
      tags: props.tags ?? {},
      accountName: concat(`${compactName(id, 10)}w`, suffix),
      shareQuotaGiB: props.shareQuotaGiB,
    });
    this.storageAccount = created.account;
    this.share = created.share;
    this.container = created.container;
    this.storageAccountName = this.storageAccount.name;
    this.storageAccountId = this.storageAccount.id;
    this.shareOrContainerName = (created.share ?? created.container)!.name;
    this.containerResourceId = created.container
      ? `${this.storageAccountId}/blobServices/default/containers/${created.container.name}`
      : undefined;
    this.uri = storeUri(this.storageAccountName, props.kind, this.shareOrContainerName, this.prefix);
  }
}

/** The URL of a store path, as the staging commands and the summaries name it. */
export function storeUri(account: string, kind: AzureWeightsTarget, shareOrContainer: string, prefix: string): string {
  const service = kind === 'azure-files' ? 'file' : 'blob';
  return `https://${account}.${service}.core.windows.net/${shareOrContainer}/${prefix ? `${prefix}/` : ''}`;
}

/** The account and its share or container, as `fromNewStore()` and `ModelWeightsStore` create them. */
export function createWeightsStorage(
  scope: Construct,
  kind: AzureWeightsTarget,
  options: {
    readonly location: string;
    readonly resourceGroupName: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly accountName: string;
    readonly shareQuotaGiB?: number;
  },
): { account: StorageAccount; share?: StorageShare; container?: StorageContainer } {
  const account = new StorageAccount(scope, 'WeightsStorage', {
    name: options.accountName,
    location: options.location,
    resourceGroupName: options.resourceGroupName,
    accountTier: 'Standard',
    accountReplicationType: 'LRS',
    accountKind: 'StorageV2',
    allowNestedItemsToBePublic: false,
    httpsTrafficOnlyEnabled: true,
    minTlsVersion: 'TLS1_2',
    ...taggedWith({ ...options.tags }),
  });
  if (kind === 'azure-files') {
    const share = new StorageShare(scope, 'WeightsShare', {
      name: 'model-weights',
      storageAccountId: account.id,
      quota: options.shareQuotaGiB ?? DEFAULT_WEIGHTS_SHARE_QUOTA_GIB,
    });
    return { account, share };
  }
  const container = new StorageContainer(scope, 'WeightsContainer', {
    name: 'model-weights',
    storageAccountId: account.id,
    containerAccessType: 'private',
  });
  return { account, container };
}

export function checkedPrefix(subject: string, prefix: string | undefined): string {
  const normalized = normalizePrefix(prefix);
  const problem = prefixProblem(normalized);
  if (problem) refuseProp(subject, 'prefix', prefix, problem);
  return normalized;
}
