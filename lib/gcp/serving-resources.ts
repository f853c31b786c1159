import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { Token } from 'cdktf';
import type { Construct } from 'constructs';
import {
  containerSourceTag,
  DEFAULT_IMAGE_NAME,
  resourceName,
  type ScalingOptions,
  type ValidationErrors,
} from '../core';
import type { GcpServingProps } from './serving-props';

/**
 * What the GCP detector constructs (Vertex AI endpoint, Cloud Run service) share: the project services, the
 * Artifact Registry repository for the image built from inference-container/, the serving service account with its
 * grants, and the validation of the props that describe them. Construct ids are fixed here, so every construct keeps
 * the same tree (`Repository`, `ServiceAccount`, `LogWriter`, …) under itself.
 */

/** Labels on everything a GCP construct creates, unless overridden. */
export const DEFAULT_LABELS: Readonly<Record<string, string>> = { 'managed-by': 'form-detector-stacks' };

const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const SERVICE_ACCOUNT_EMAIL = /^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$|^[^@\s]+@developer\.gserviceaccount\.com$/;

export interface ImageRules {
  /** Whether the image must sit in an Artifact Registry / Container Registry repository (Vertex AI), else any registry. */
  readonly googleRegistryOnly: boolean;
  /** Whether an Artifact Registry image must be in the service's region (Vertex AI). */
  readonly sameRegion: boolean;
  /** What the service is called in messages, e.g. `endpoint`. */
  readonly noun: string;
}

/** The shared props' rules; records every problem in `errors`. */
export function validateServingProps(props: GcpServingProps, errors: ValidationErrors, rules: ImageRules): void {
  for (const [prop, value] of [
    ['project', props.project],
    ['region', props.region],
  ] as const) {
    if (value === undefined || value === '') {
      errors.add(prop, value, `set the GCP ${prop} (e.g. from the stack's ${prop})`);
    }
  }
  errors.check(
    'repositoryName',
    props.repositoryName,
    (v) => /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(v),
    'use lowercase letters, digits and hyphens, starting with a letter, at most 63 characters',
  );
  if (props.image !== undefined && props.repositoryName !== undefined) {
    errors.add('repositoryName', props.repositoryName, 'leave it out when `image` is given: no repository is created');
  }
  if (props.image !== undefined && props.imageTag !== undefined) {
    errors.add('imageTag', props.imageTag, 'leave it out when `image` is given (put the tag in the image URI)');
  }
  errors.check(
    'imageTag',
    props.imageTag,
    (v) => /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(v),
    'use a Docker tag: letters, digits, _ . -, at most 128 characters, e.g. "v1"',
  );
  if (rules.googleRegistryOnly) {
    errors.check(
      'image',
      props.image,
      (v) => /^[a-z0-9.-]+\.(pkg\.dev|gcr\.io)\/\S+$/.test(v) || /^(gcr\.io|[a-z]+\.gcr\.io)\/\S+$/.test(v),
      `use an Artifact Registry image URI in the ${rules.noun} region, e.g. "europe-west4-docker.pkg.dev/my-project/repo/form-detector:v1"`,
    );
  } else {
    errors.check(
      'image',
      props.image,
      (v) => /^[a-z0-9][a-z0-9.-]*(:[0-9]+)?\/[A-Za-z0-9._\-/]+([:@][A-Za-z0-9._:-]+)?$/.test(v),
      'use a full image URI with its registry host, e.g. "us-central1-docker.pkg.dev/my-project/repo/form-detector:v1"',
    );
  }
  if (
    rules.sameRegion &&
    props.image !== undefined &&
    !Token.isUnresolved(props.image) &&
    !Token.isUnresolved(props.region)
  ) {
    const host = /^([a-z0-9-]+)-docker\.pkg\.dev\//.exec(props.image)?.[1];
    if (host && host !== props.region) {
      errors.add(
        'image',
        props.image,
        `the image must be in the ${rules.noun}'s region: push it to a ${props.region}-docker.pkg.dev repository`,
      );
    }
  }
  for (const [key, value] of Object.entries(props.labels ?? {})) {
    if (!LABEL_KEY.test(key)) {
      errors.add(`labels.${key}`, key, 'label keys are lowercase letters, digits, _ and -, start with a letter, ≤ 63');
    }
    if (!Token.isUnresolved(value) && !LABEL_VALUE.test(value)) {
      errors.add(`labels.${key}`, value, 'label values are lowercase letters, digits, _ and -, at most 63 characters');
    }
  }
  errors.check(
    'serviceAccount',
    props.serviceAccount,
    (v) => SERVICE_ACCOUNT_EMAIL.test(v),
    'use a service account email, e.g. "detector@my-project.iam.gserviceaccount.com"',
  );
}

/**
 * Both GCP services scale on their own signal, with neither a concurrency target nor cooldowns: each given one is a
 * problem whose fix says what the platform scales on instead.
 */
export function refuseScalingKnobs(
  scaling: ScalingOptions | undefined,
  errors: ValidationErrors,
  fixes: { readonly target: string; readonly cooldown: string },
): void {
  const s = scaling ?? {};
  errors.check('scaling.targetConcurrencyPerInstance', s.targetConcurrencyPerInstance, () => false, fixes.target);
  for (const name of ['scaleOutCooldown', 'scaleInCooldown'] as const) {
    if (s[name] !== undefined) errors.add(`scaling.${name}`, s[name], fixes.cooldown);
  }
}

/** Enables a project service, and never disables it on destroy (other things in the project may use it). */
export function enableService(scope: Construct, id: string, project: string, service: string): ProjectService {
  return new ProjectService(scope, id, { project, service, disableOnDestroy: false });
}

export interface ServingImage {
  /** The Artifact Registry repository, unless an existing image was given. */
  readonly repository?: ArtifactRegistryRepository;
  /** `<region>-docker.pkg.dev/<project>/<repository>`, when the repository is created here. */
  readonly repositoryUrl?: string;
  /** Where to `docker push` the image built from inference-container/, when the repository is created here. */
  readonly dockerPushTarget?: string;
  /** The image the service runs. */
  readonly imageUri: string;
}

/**
 * The image to serve: the given one, or the one built from inference-container/ in a regional docker repository
 * created here (construct id `Repository`; untagged images deleted after 7 days).
 */
export function servingImage(
  scope: Construct,
  props: GcpServingProps,
  labels: Record<string, string>,
  artifactRegistryService: ProjectService | undefined,
): ServingImage {
  if (props.image !== undefined) return { imageUri: props.image };
  const path = scope.node.path;
  const repository = new ArtifactRegistryRepository(scope, 'Repository', {
    project: props.project,
    location: props.region,
    repositoryId: props.repositoryName ?? resourceName(`${path}-images`, { maxLength: 63, lowercase: true }),
    format: 'DOCKER',
    description: `Inference container images for ${path}`,
    labels,
    cleanupPolicies: [
      {
        id: 'delete-untagged',
        action: 'DELETE',
        condition: { tagState: 'UNTAGGED', olderThan: `${7 * 24 * 3600}s` },
      },
    ],
    dependsOn: artifactRegistryService ? [artifactRegistryService] : undefined,
  });
  const repositoryUrl = `${props.region}-docker.pkg.dev/${props.project}/${repository.repositoryId}`;
  const imageUri = `${repositoryUrl}/${DEFAULT_IMAGE_NAME}:${props.imageTag ?? containerSourceTag()}`;
  return { repository, repositoryUrl, dockerPushTarget: imageUri, imageUri };
}

export interface ServingIdentity {
  /** The service account created here, unless an existing one was given. */
  readonly serviceAccount?: ServiceAccount;
  /** Email of the service account the container runs as. */
  readonly email: string;
  /** Project-level grants to the created account (logs, metrics). */
  readonly projectGrants: ProjectIamMember[];
  /** Read on the created repository. */
  readonly repositoryGrants: ArtifactRegistryRepositoryIamMember[];
}

/**
 * The identity the container runs as: the given service account, or one created here (construct id
 * `ServiceAccount`) with only `roles/logging.logWriter`, `roles/monitoring.metricWriter` and read on the repository.
 */
export function servingIdentity(
  scope: Construct,
  props: GcpServingProps,
  options: {
    /** What the account does, for its description. */
    readonly description: string;
    readonly repository?: ArtifactRegistryRepository;
    readonly iamService: ProjectService;
  },
): ServingIdentity {
  if (props.serviceAccount !== undefined) {
    return { email: props.serviceAccount, projectGrants: [], repositoryGrants: [] };
  }
  const path = scope.node.path;
  const serviceAccount = new ServiceAccount(scope, 'ServiceAccount', {
    project: props.project,
    accountId: resourceName(`${path}-serving`, { maxLength: 30, lowercase: true }),
    displayName: `Form detector serving (${path})`.slice(0, 100),
    description: options.description,
    dependsOn: [options.iamService],
  });
  const member = serviceAccount.member;
  const projectGrants = (
    [
      ['LogWriter', 'roles/logging.logWriter'],
      ['MetricWriter', 'roles/monitoring.metricWriter'],
    ] as const
  ).map(([id, role]) => new ProjectIamMember(scope, id, { project: props.project, role, member }));
  const repositoryGrants = options.repository
    ? [
        new ArtifactRegistryRepositoryIamMember(scope, 'RepositoryReader', {
          project: props.project,
          location: props.region,
          repository: options.repository.name,
          role: 'roles/artifactregistry.reader',
          member,
        }),
      ]
    : [];
  return { serviceAccount, email: serviceAccount.email, projectGrants, repositoryGrants };
}
