import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { Construct } from 'constructs';
import { resourceName } from '../core';

/**
 * What every Vertex AI detector endpoint offers, created here or imported: the interface, the base class that
 * carries `grantInvoke()` and the metric filters (so imported endpoints get them too), and the import.
 */

/** What every Vertex detector endpoint offers, whether defined here or imported. */
export interface IVertexDetectorEndpoint {
  readonly project: string;
  readonly region: string;
  /** The endpoint's id (last segment of its resource name). */
  readonly endpointId: string;
  /** `https://<dedicated DNS>/v1/projects/<p>/locations/<r>/endpoints/<id>:predict`. */
  readonly predictUrl: string;
  /** Lets `member` (e.g. `serviceAccount:app@p.iam.gserviceaccount.com`) call predict. */
  grantInvoke(member: string): ProjectIamMember;
  /** A Cloud Monitoring filter for one of the endpoint's `aiplatform.googleapis.com/prediction/online/*` metrics. */
  metricFilter(metric: string): string;
}

/** Attributes of an endpoint defined elsewhere. */
export interface VertexDetectorEndpointAttributes {
  readonly project: string;
  readonly region: string;
  readonly endpointId: string;
  /** The endpoint's `dedicated_endpoint_dns`. */
  readonly dedicatedEndpointDns: string;
}

/** Permissions the invoker role holds: calling the model, nothing else. */
export const INVOKE_PERMISSIONS = ['aiplatform.endpoints.predict'] as const;

/** grantInvoke() and the metric helpers, shared by defined and imported endpoints. */
export abstract class VertexDetectorEndpointBase extends Construct implements IVertexDetectorEndpoint {
  abstract readonly project: string;
  abstract readonly region: string;
  abstract readonly endpointId: string;
  abstract readonly predictUrl: string;
  private invokerRole: ProjectIamCustomRole | undefined;
  private readonly grants = new Map<string, ProjectIamMember>();

  /**
   * Grants `member` a custom role holding only `aiplatform.endpoints.predict`, on the project. The google provider
   * 6.50 (GA) has no endpoint-level IAM resource (google-beta has `google_vertex_ai_endpoint_iam_*`, on the v1beta1
   * API), so the grant covers every endpoint in the project — narrower than roles/aiplatform.user, which also
   * creates and deletes Vertex resources.
   */
  grantInvoke(member: string): ProjectIamMember {
    const existing = this.grants.get(member);
    if (existing) return existing;
    if (!this.invokerRole) {
      this.invokerRole = new ProjectIamCustomRole(this, 'InvokerRole', {
        project: this.project,
        roleId: resourceName(`formDetectorInvoke_${this.node.path}`, { maxLength: 64, separator: '_' }),
        title: 'Form detector invoker',
        description: `Calls predict on Vertex AI endpoints (granted by ${this.node.path})`,
        permissions: [...INVOKE_PERMISSIONS],
      });
    }
    const grant = new ProjectIamMember(this, `InvokeGrant${this.grants.size}`, {
      project: this.project,
      role: this.invokerRole.name,
      member,
    });
    this.grants.set(member, grant);
    return grant;
  }

  metricFilter(metric: string): string {
    const type = metric.includes('.googleapis.com/') ? metric : `aiplatform.googleapis.com/prediction/online/${metric}`;
    return (
      `metric.type="${type}" AND resource.type="aiplatform.googleapis.com/Endpoint" ` +
      `AND resource.labels.endpoint_id="${this.endpointId}" AND resource.labels.location="${this.region}"`
    );
  }

  /** Predictions per second, by response code. */
  metricPredictionCount(): string {
    return this.metricFilter('prediction_count');
  }

  /** End-to-end prediction latency (ms distribution). */
  metricPredictionLatencies(): string {
    return this.metricFilter('prediction_latencies');
  }

  /** The autoscaler's signal: accelerator duty cycle per replica. */
  metricAcceleratorDutyCycle(): string {
    return this.metricFilter('accelerator/duty_cycle');
  }

  /** Replicas serving. */
  metricReplicas(): string {
    return this.metricFilter('replicas');
  }
}

/** An endpoint defined elsewhere (built by `VertexDetectorEndpoint.fromEndpointAttributes`). */
export class ImportedVertexDetectorEndpoint extends VertexDetectorEndpointBase {
  readonly project: string;
  readonly region: string;
  readonly endpointId: string;
  readonly predictUrl: string;
  constructor(scope: Construct, id: string, attrs: VertexDetectorEndpointAttributes) {
    super(scope, id);
    this.project = attrs.project;
    this.region = attrs.region;
    this.endpointId = attrs.endpointId;
    this.predictUrl = predictUrl(attrs.dedicatedEndpointDns, attrs.project, attrs.region, attrs.endpointId);
  }
}

/** `https://<dedicated DNS>/v1/projects/<p>/locations/<r>/endpoints/<id>:predict`. */
export function predictUrl(dedicatedDns: string, project: string, region: string, endpointId: string): string {
  return `https://${dedicatedDns}/v1/projects/${project}/locations/${region}/endpoints/${endpointId}:predict`;
}
