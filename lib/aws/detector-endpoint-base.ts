import { Duration, Resource, Stack, Token, type IResource } from 'aws-cdk-lib/core';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** The production variant every endpoint of this library serves. */
export const DEFAULT_VARIANT_NAME = 'AllTraffic';

/** Invocation metrics (counts, latencies, concurrency), per endpoint and variant. */
export const SAGEMAKER_INVOCATION_NAMESPACE = 'AWS/SageMaker';
/** Instance metrics (CPU, memory, disk, GPU), per endpoint and variant. */
export const SAGEMAKER_INSTANCE_NAMESPACE = '/aws/sagemaker/Endpoints';

/** A form-field detector endpoint on SageMaker, created here or imported. */
export interface IDetectorEndpoint extends IResource {
  /** @attribute */
  readonly endpointName: string;
  /** @attribute */
  readonly endpointArn: string;
  /** The production variant the metrics describe. */
  readonly variantName: string;

  /** Lets `grantee` invoke the endpoint (InvokeEndpoint, which also authorizes the response-stream API). */
  grantInvoke(grantee: IGrantable): Grant;
  /** A metric of this endpoint's variant in `AWS/SageMaker`. */
  metric(metricName: string, props?: MetricOptions): Metric;
  metricInvocations(props?: MetricOptions): Metric;
  metricInvocation5XXErrors(props?: MetricOptions): Metric;
  metricInvocation4XXErrors(props?: MetricOptions): Metric;
  metricModelLatency(props?: MetricOptions): Metric;
  metricOverheadLatency(props?: MetricOptions): Metric;
  metricConcurrentRequests(props?: MetricOptions): Metric;
  metricGpuUtilization(props?: MetricOptions): Metric;
  metricGpuMemoryUtilization(props?: MetricOptions): Metric;
  metricCpuUtilization(props?: MetricOptions): Metric;
  metricMemoryUtilization(props?: MetricOptions): Metric;
  metricDiskUtilization(props?: MetricOptions): Metric;
}

/** What identifies an existing endpoint. */
export interface DetectorEndpointAttributes {
  readonly endpointName: string;
  /**
   * @default the ARN of `endpointName` in this stack's account and region (lowercased, as SageMaker writes ARNs)
   */
  readonly endpointArn?: string;
  /**
   * @default 'AllTraffic'
   */
  readonly variantName?: string;
}

/** `grantInvoke()` and the `metric*()` helpers, shared by created and imported endpoints. */
export abstract class DetectorEndpointBase extends Resource implements IDetectorEndpoint {
  abstract readonly endpointName: string;
  abstract readonly endpointArn: string;
  abstract readonly variantName: string;

  grantInvoke(grantee: IGrantable): Grant {
    // InvokeEndpointWithResponseStream is authorized by sagemaker:InvokeEndpoint (SageMaker Runtime API reference);
    // there is no separate IAM action for it.
    return Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint'],
      resourceArns: [this.endpointArn],
    });
  }

  metric(metricName: string, props?: MetricOptions): Metric {
    return this.variantMetric(SAGEMAKER_INVOCATION_NAMESPACE, metricName, props);
  }

  /** Requests the model received. @default Sum over 5 minutes */
  metricInvocations(props?: MetricOptions): Metric {
    return this.metric('Invocations', { statistic: 'Sum', ...props });
  }

  /** Requests the model answered with 5xx. @default Sum over 5 minutes */
  metricInvocation5XXErrors(props?: MetricOptions): Metric {
    return this.metric('Invocation5XXErrors', { statistic: 'Sum', ...props });
  }

  /** Requests the model answered with 4xx (bad images, 429 when the container is full). @default Sum over 5 minutes */
  metricInvocation4XXErrors(props?: MetricOptions): Metric {
    return this.metric('Invocation4XXErrors', { statistic: 'Sum', ...props });
  }

  /** Time the container took to answer, in microseconds. @default Average over 5 minutes */
  metricModelLatency(props?: MetricOptions): Metric {
    return this.metric('ModelLatency', { statistic: 'Average', ...props });
  }

  /** Time SageMaker added around the container, in microseconds. @default Average over 5 minutes */
  metricOverheadLatency(props?: MetricOptions): Metric {
    return this.metric('OverheadLatency', { statistic: 'Average', ...props });
  }

  /** Requests in flight per instance; the autoscaler tracks it. @default Maximum over 1 minute */
  metricConcurrentRequests(props?: MetricOptions): Metric {
    return this.metric('ConcurrentRequestsPerModel', { statistic: 'Maximum', period: Duration.minutes(1), ...props });
  }

  /** GPU utilization, percent × GPUs per instance. @default Average over 5 minutes */
  metricGpuUtilization(props?: MetricOptions): Metric {
    return this.instanceMetric('GPUUtilization', props);
  }

  /** GPU memory used, percent × GPUs per instance (vLLM reserves most of it at start). @default Average over 5 minutes */
  metricGpuMemoryUtilization(props?: MetricOptions): Metric {
    return this.instanceMetric('GPUMemoryUtilization', props);
  }

  /** CPU utilization, percent × cores. @default Average over 5 minutes */
  metricCpuUtilization(props?: MetricOptions): Metric {
    return this.instanceMetric('CPUUtilization', props);
  }

  /** Memory utilization, percent. @default Average over 5 minutes */
  metricMemoryUtilization(props?: MetricOptions): Metric {
    return this.instanceMetric('MemoryUtilization', props);
  }

  /** Disk utilization, percent. @default Average over 5 minutes */
  metricDiskUtilization(props?: MetricOptions): Metric {
    return this.instanceMetric('DiskUtilization', props);
  }

  private instanceMetric(metricName: string, props?: MetricOptions): Metric {
    return this.variantMetric(SAGEMAKER_INSTANCE_NAMESPACE, metricName, { statistic: 'Average', ...props });
  }

  private variantMetric(namespace: string, metricName: string, props?: MetricOptions): Metric {
    return new Metric({
      namespace,
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: this.variantName },
      period: Duration.minutes(5),
      ...props,
    });
  }
}

/** An endpoint that exists already, e.g. deployed by another stack. */
export class ImportedDetectorEndpoint extends DetectorEndpointBase {
  readonly endpointName: string;
  readonly endpointArn: string;
  readonly variantName: string;

  constructor(scope: Construct, id: string, attrs: DetectorEndpointAttributes) {
    super(scope, id);
    this.endpointName = attrs.endpointName;
    this.variantName = attrs.variantName ?? DEFAULT_VARIANT_NAME;
    this.endpointArn =
      attrs.endpointArn ??
      Stack.of(this).formatArn({
        service: 'sagemaker',
        resource: 'endpoint',
        // SageMaker writes endpoint names lowercased in ARNs; IAM compares ARNs case-sensitively.
        resourceName: Token.isUnresolved(attrs.endpointName) ? attrs.endpointName : attrs.endpointName.toLowerCase(),
      });
  }
}
