import { Fn, TerraformLocal, TerraformProvider, TerraformStack } from 'cdktf';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { Sleep } from '@cdktf/provider-time/lib/sleep';
import { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import type { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import type { Construct } from 'constructs';
import {
  AZURE_LIMITS,
  containerSourceTag,
  DEFAULT_IMAGE_NAME,
  dockerBuildAndPushCommand,
  resourceName,
  type ValidationErrors,
} from '../core';
import { concat } from '../cdktf/concat';
import type { AzureServingProps, IdentityReference, RegistryReference, ResourceGroupReference } from './serving-props';

/**
 * What the Azure ML endpoint and the Container Apps service both create or take: resource group, registry,
 * identity, Log Analytics, the name suffix for globally unique names, and the checks of the props they share
 * (AzureServingProps). Construct ids stay those the first construct used, so moving code here changed no
 * synthesized address. Internal to lib/azure.
 */

export const DEFAULT_REGISTRY_SKU = 'Standard';
export const DEFAULT_LOG_RETENTION_DAYS = 30;

const IMAGE_REPOSITORY = /^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Where a construct creates its resources, and their tags. */
export interface CommonArgs {
  readonly location: string;
  readonly resourceGroupName: string;
  readonly tags?: Record<string, string>;
}

/** `{ tags }` when there are any, else nothing (so untagged resources synthesize without an empty map). */
export function taggedWith(tags: Record<string, string> | undefined): { tags?: Record<string, string> } {
  return tags !== undefined && Object.keys(tags).length > 0 ? { tags } : {};
}

/** The given resource group, or a new one named after the construct path (`ResourceGroup`). */
export function resolveResourceGroup(
  scope: Construct,
  props: AzureServingProps,
): { readonly resourceGroup: ResourceGroupReference; readonly created?: ResourceGroup } {
  if (props.resourceGroup) return { resourceGroup: props.resourceGroup };
  const created = new ResourceGroup(scope, 'ResourceGroup', {
    name:
      props.resourceGroupName ??
      resourceName(scope.node.path, { maxLength: 90, allowed: 'A-Za-z0-9_.()\\-', separator: '-' }),
    location: props.location,
    ...taggedWith(props.tags),
  });
  return { resourceGroup: created, created };
}

/**
 * Eight hex digits of subscription + resource group + construct path (`NameSuffix`): what makes globally unique
 * names (registry, vault, storage, endpoint host) unique without an environment literal.
 */
export function nameSuffix(scope: Construct, clientConfig: DataAzurermClientConfig, resourceGroupName: string): string {
  return new TerraformLocal(
    scope,
    'NameSuffix',
    Fn.substr(Fn.sha1(Fn.join('/', [clientConfig.subscriptionId, resourceGroupName, scope.node.path])), 0, 8),
  ).asString;
}

/** The construct id squeezed into lowercase letters and digits, for names that allow nothing else. */
export function compactName(id: string, maxLength: number): string {
  return resourceName(id, { maxLength, lowercase: true, separator: '', letterPrefix: 'd' });
}

/** Role assignments a construct makes on its own resources, kept by key for tests and overrides. */
export class RoleGrants {
  readonly byKey: Record<string, RoleAssignment> = {};

  constructor(
    private readonly scope: Construct,
    private readonly id: string,
  ) {}

  grant(key: string, scopeId: string, principalId: string, role: string): RoleAssignment {
    this.byKey[key] = new RoleAssignment(this.scope, key, {
      scope: scopeId,
      principalId,
      principalType: 'ServicePrincipal',
      roleDefinitionName: role,
      description: `form-detector ${this.id}: ${role}`,
    });
    return this.byKey[key];
  }
}

/** How long what uses a role assignment waits after it, as time_sleep's create_duration. */
export const ROLE_PROPAGATION_WAIT = `${AZURE_LIMITS.roleAssignmentPropagationSeconds}s`;

/**
 * A `time_sleep` (construct id `RolePropagation`) of ROLE_PROPAGATION_WAIT after the given role assignments, for
 * what uses them to depend on: Azure documents up to 10 minutes before an assignment takes effect, and an image
 * pull that runs before it fails the first deploy (rule azure.role-assignment-propagation). The wait runs again
 * only when an assignment is replaced. Undefined when there are no assignments (nothing to wait for).
 *
 * Adds the `time` provider to the stack unless it has one.
 */
export function rolePropagationWait(scope: Construct, assignments: Record<string, RoleAssignment>): Sleep | undefined {
  const entries = Object.entries(assignments);
  if (entries.length === 0) return undefined;
  const stack = TerraformStack.of(scope);
  const hasTimeProvider = stack.node
    .findAll()
    .some((c) => c instanceof TerraformProvider && c.terraformResourceType === 'time');
  if (!hasTimeProvider) new TimeProvider(stack, 'TimeProvider');
  return new Sleep(scope, 'RolePropagation', {
    createDuration: ROLE_PROPAGATION_WAIT,
    triggers: Object.fromEntries(entries.map(([key, assignment]) => [key, assignment.id])),
    dependsOn: entries.map(([, assignment]) => assignment),
  });
}

/** The given registry, or a new one (`Registry`) with the admin user off. */
export function resolveRegistry(
  scope: Construct,
  props: AzureServingProps,
  common: CommonArgs,
  name: string,
): { readonly registry: RegistryReference; readonly created?: ContainerRegistry } {
  if (props.registry) return { registry: props.registry };
  const created = new ContainerRegistry(scope, 'Registry', {
    ...common,
    name,
    sku: props.registrySku ?? DEFAULT_REGISTRY_SKU,
    adminEnabled: false,
  });
  return { registry: created, created };
}

/** The given identity, or a new user-assigned one under `constructId`. */
export function resolveIdentity(
  scope: Construct,
  given: IdentityReference | undefined,
  constructId: string,
  common: CommonArgs,
  name: string,
): { readonly identity: IdentityReference; readonly created?: UserAssignedIdentity } {
  if (given) return { identity: given };
  const created = new UserAssignedIdentity(scope, constructId, { ...common, name });
  return { identity: created, created };
}

/** A Log Analytics workspace (`LogAnalytics`) for the service's logs. */
export function createLogAnalytics(
  scope: Construct,
  id: string,
  props: AzureServingProps,
  common: CommonArgs,
): LogAnalyticsWorkspace {
  return new LogAnalyticsWorkspace(scope, 'LogAnalytics', {
    ...common,
    name: resourceName(`${id}-logs`, { maxLength: 63 }),
    sku: 'PerGB2018',
    retentionInDays: props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
  });
}

/** `image`, or `<registry login server>/<imageRepository>:<imageTag>`. */
export function imageReference(registry: RegistryReference, props: AzureServingProps): string {
  return (
    props.image ??
    concat(
      registry.loginServer,
      `/${props.imageRepository ?? DEFAULT_IMAGE_NAME}:${props.imageTag ?? containerSourceTag()}`,
    )
  );
}

/** Shell commands that build the image from inference-container/ (run from the repo root) and push it. */
export function pushImageCommand(registry: RegistryReference, image: string): string {
  return `az acr login --name ${registry.name} && ${dockerBuildAndPushCommand(image)}`;
}

/** Records problems with the shared props: region name, image reference parts, log retention. */
export function checkCommonProps(errors: ValidationErrors, props: AzureServingProps): void {
  errors.check(
    'location',
    props.location,
    (l) => /^[A-Za-z][A-Za-z0-9 ]*$/.test(l),
    "use an Azure region name, e.g. 'westeurope' (see az account list-locations)",
  );
}

/** Image and log checks, recorded after the construct-specific ones (their order is part of the messages). */
export function checkImageAndLogProps(errors: ValidationErrors, props: AzureServingProps): void {
  errors.check(
    'imageRepository',
    props.imageRepository,
    (r) => IMAGE_REPOSITORY.test(r),
    'use lowercase letters, digits and separators (. _ - /), e.g. form-detector',
  );
  errors.check('imageTag', props.imageTag, (t) => IMAGE_TAG.test(t), 'use up to 128 letters, digits, _ . -');
  if (props.image !== undefined && (props.imageTag !== undefined || props.imageRepository !== undefined)) {
    errors.add('image', props.image, 'pass either image, or imageRepository/imageTag for the registry, not both');
  }
  errors.check(
    'logRetentionDays',
    props.logRetentionDays,
    (d) => Number.isInteger(d) && d >= 30 && d <= 730,
    'use a whole number of days from 30 to 730',
  );
}
