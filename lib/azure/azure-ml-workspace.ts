import { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights';
import type { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import type { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MachineLearningWorkspace } from '@cdktf/provider-azurerm/lib/machine-learning-workspace';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import type { Sleep } from '@cdktf/provider-time/lib/sleep';
import type { Construct } from 'constructs';
import { resourceName } from '../core';
import { AZURE_ML_DEFAULTS } from './azure-ml-validation';
import { concat } from '../cdktf/concat';
import { createLogAnalytics, type CommonArgs, type RoleGrants } from './common-resources';
import type { AzureServingProps, RegistryReference } from './serving-props';

/**
 * The Azure ML workspace an endpoint lives in, when none is given: Log Analytics, Application Insights, a Key Vault,
 * a storage account and the workspace's own identity with the roles Azure ML documents for it, then the workspace
 * (created after the role assignments have had time to take effect). Construct ids are those the endpoint has
 * always used, so the synthesized addresses do not move.
 */

/** What the workspace depends on, created under the endpoint. */
export interface WorkspaceDependencies {
  readonly logAnalyticsWorkspace: LogAnalyticsWorkspace;
  readonly applicationInsights: ApplicationInsights;
  readonly keyVault: KeyVault;
  readonly storageAccount: StorageAccount;
  readonly workspaceIdentity: UserAssignedIdentity;
}

/** Names of the globally unique resources: the construct id squeezed, plus the stack's name suffix. */
export interface WorkspaceNames {
  readonly id: string;
  readonly compactId: string;
  readonly suffix: string;
}

/**
 * Creates the workspace's dependencies and grants its identity Contributor on each (Key Vault Administrator on the
 * RBAC vault, Storage Blob Data Contributor for data preview: Azure ML "identity-based service authentication"), and
 * the endpoint identity Storage Blob Data Reader on the storage.
 */
export function createWorkspaceDependencies(
  scope: Construct,
  props: AzureServingProps & { readonly keyVaultPurgeProtection?: boolean },
  common: CommonArgs,
  names: WorkspaceNames,
  clientConfig: DataAzurermClientConfig,
  registry: RegistryReference,
  endpointPrincipalId: string,
  grants: RoleGrants,
): WorkspaceDependencies {
  const { id, compactId, suffix } = names;
  const logAnalyticsWorkspace = createLogAnalytics(scope, id, props, common);
  const applicationInsights = new ApplicationInsights(scope, 'AppInsights', {
    ...common,
    name: resourceName(`${id}-insights`, { maxLength: 255 }),
    applicationType: 'web',
    workspaceId: logAnalyticsWorkspace.id,
  });
  const keyVault = new KeyVault(scope, 'KeyVault', {
    ...common,
    name: concat(compactId, suffix),
    tenantId: clientConfig.tenantId,
    skuName: 'standard',
    rbacAuthorizationEnabled: true,
    purgeProtectionEnabled: props.keyVaultPurgeProtection ?? true,
    softDeleteRetentionDays: AZURE_ML_DEFAULTS.keyVaultSoftDeleteRetentionDays,
  });
  const storageAccount = new StorageAccount(scope, 'Storage', {
    ...common,
    name: concat(compactId, suffix),
    accountTier: 'Standard',
    accountReplicationType: 'LRS',
    accountKind: 'StorageV2',
    allowNestedItemsToBePublic: false,
    minTlsVersion: 'TLS1_2',
    httpsTrafficOnlyEnabled: true,
  });
  const workspaceIdentity = new UserAssignedIdentity(scope, 'WorkspaceIdentity', {
    ...common,
    name: resourceName(`${id}-workspace`, { maxLength: 128 }),
  });
  const ws = workspaceIdentity.principalId;
  grants.grant('WorkspaceStorageContributor', storageAccount.id, ws, 'Contributor');
  grants.grant('WorkspaceStorageBlobDataContributor', storageAccount.id, ws, 'Storage Blob Data Contributor');
  grants.grant('WorkspaceKeyVaultContributor', keyVault.id, ws, 'Contributor');
  grants.grant('WorkspaceKeyVaultAdministrator', keyVault.id, ws, 'Key Vault Administrator');
  grants.grant('WorkspaceRegistryContributor', registry.id, ws, 'Contributor');
  grants.grant('WorkspaceAppInsightsContributor', applicationInsights.id, ws, 'Contributor');
  grants.grant('EndpointStorageBlobDataReader', storageAccount.id, endpointPrincipalId, 'Storage Blob Data Reader');
  return { logAnalyticsWorkspace, applicationInsights, keyVault, storageAccount, workspaceIdentity };
}

/** The workspace itself, waiting for its identity's role assignments to take effect. */
export function createWorkspace(
  scope: Construct,
  id: string,
  dependencies: WorkspaceDependencies,
  common: CommonArgs,
  registry: RegistryReference,
  rolePropagation: Sleep | undefined,
): MachineLearningWorkspace {
  return new MachineLearningWorkspace(scope, 'Workspace', {
    ...common,
    name: resourceName(`${id}-ws`, { maxLength: 33 }),
    applicationInsightsId: dependencies.applicationInsights.id,
    keyVaultId: dependencies.keyVault.id,
    storageAccountId: dependencies.storageAccount.id,
    containerRegistryId: registry.id,
    identity: { type: 'UserAssigned', identityIds: [dependencies.workspaceIdentity.id] },
    primaryUserAssignedIdentity: dependencies.workspaceIdentity.id,
    publicNetworkAccessEnabled: true,
    dependsOn: rolePropagation ? [rolePropagation] : [],
  });
}
