import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { CONTAINER_ROUTES, refuseProp } from '../core';

/**
 * What every Cloud Run detector service offers, created here or imported: the interface, the base class that carries
 * `grantInvoke()` and the metric filters (so imported services get them too), and the import.
 */

/** What every Cloud Run detector service offers, whether defined here or imported. */
export interface ICloudRunDetectorService {
  readonly project: string;
  readonly region: string;
  /** The Cloud Run service's name. */
  readonly serviceName: string;
  /** `https://<service>-<hash>.<region>.run.app`. */
  readonly url: string;
  /** `<url>/predict`: POST `{"instances": [{"image_base64": "..."}]}` with an identity token. */
  readonly predictUrl: string;
  /** Lets `member` (e.g. `serviceAccount:app@p.iam.gserviceaccount.com`) call the service. */
  grantInvoke(member: string): CloudRunV2ServiceIamMember;
  /** A Cloud Monitoring filter for one of the service's `run.googleapis.com/*` metrics. */
  metricFilter(metric: string): string;
}

/** Attributes of a service defined elsewhere. */
export interface CloudRunDetectorServiceAttributes {
  readonly project: string;
  readonly region: string;
  readonly serviceName: string;
  /** The service's URL (`uri`). */
  readonly url: string;
}

export const INVOKER_ROLE = 'roles/run.invoker';
const PUBLIC_MEMBERS = ['allUsers', 'allAuthenticatedUsers'];
const MEMBER = /^(user|serviceAccount|group|domain):\S+$|^principal(Set)?:\/\/\S+$/;

/** Why `member` cannot be granted invoke, or undefined. */
export function invokerProblem(member: string): string | undefined {
  if (PUBLIC_MEMBERS.includes(member)) {
    return (
      'public access is refused: every request runs on a GPU and the detector has no authentication of its own. ' +
      'Grant specific members, e.g. "serviceAccount:app@my-project.iam.gserviceaccount.com" or ' +
      '"group:forms@example.com", and call with an identity token'
    );
  }
  if (!MEMBER.test(member)) {
    return 'use an IAM member: "user:…", "serviceAccount:…", "group:…", "domain:…" or a "principal://…" identifier';
  }
  return undefined;
}

/** grantInvoke() and the metric helpers, shared by defined and imported services. */
export abstract class CloudRunDetectorServiceBase extends Construct implements ICloudRunDetectorService {
  abstract readonly project: string;
  abstract readonly region: string;
  abstract readonly serviceName: string;
  abstract readonly url: string;
  private readonly grants = new Map<string, CloudRunV2ServiceIamMember>();

  get predictUrl(): string {
    return `${this.url}${CONTAINER_ROUTES.vertexPredict}`;
  }

  /**
   * Grants `member` `roles/run.invoker` on this service only (`google_cloud_run_v2_service_iam_member`).
   * Throws for `allUsers` / `allAuthenticatedUsers`: the service is never public.
   */
  grantInvoke(member: string): CloudRunV2ServiceIamMember {
    if (!Token.isUnresolved(member)) {
      const problem = invokerProblem(member);
      if (problem) refuseProp(`grantInvoke on '${this.node.path}'`, 'member', member, problem);
    }
    const existing = this.grants.get(member);
    if (existing) return existing;
    const grant = new CloudRunV2ServiceIamMember(this, `InvokeGrant${this.grants.size}`, {
      project: this.project,
      location: this.region,
      name: this.serviceName,
      role: INVOKER_ROLE,
      member,
    });
    this.grants.set(member, grant);
    return grant;
  }

  metricFilter(metric: string): string {
    const type = metric.includes('.googleapis.com/') ? metric : `run.googleapis.com/${metric}`;
    return (
      `metric.type="${type}" AND resource.type="cloud_run_revision" ` +
      `AND resource.labels.service_name="${this.serviceName}" AND resource.labels.location="${this.region}"`
    );
  }

  /** Requests served, by response code class. */
  metricRequestCount(): string {
    return this.metricFilter('request_count');
  }

  /** Request latency (ms distribution), including waits for a cold start. */
  metricRequestLatencies(): string {
    return this.metricFilter('request_latencies');
  }

  /** Instances by state (active, idle): zero while the service idles. */
  metricInstanceCount(): string {
    return this.metricFilter('container/instance_count');
  }
}

/** A service defined elsewhere (built by `CloudRunGpuDetectorService.fromServiceAttributes`). */
export class ImportedCloudRunDetectorService extends CloudRunDetectorServiceBase {
  readonly project: string;
  readonly region: string;
  readonly serviceName: string;
  readonly url: string;
  constructor(scope: Construct, id: string, attrs: CloudRunDetectorServiceAttributes) {
    super(scope, id);
    this.project = attrs.project;
    this.region = attrs.region;
    this.serviceName = attrs.serviceName;
    this.url = attrs.url;
  }
}
