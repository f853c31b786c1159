import { Duration, Resource, Stack, Token, type IResource } from 'aws-cdk-lib/core';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { refuseProp } from '../core';

/** The production variant every endpoint of this library serves. */
export const DEFAULT_VARIANT_NAME = 'AllTraffic';

/** Invocation metrics (counts, latencies, concurrency), per endpoint and variant. */
export const SAGEMAKER_INVOCATION_NAMESPACE = 'AWS/SageMaker';
/** Instance metrics (CPU, memory, disk, GPU), per endpoint and variant. */
export const SAGEMAKER_INSTANCE_NAMESPACE = '/aws/sagemaker/Endpoints';
/** Utilization metrics of inference-component copies, per inference component. */
export const SAGEMAKER_INFERENCE_COMPONENT_NAMESPACE = '/aws/sagemaker/InferenceComponents';

/** A form-field detector endpoint on SageMaker, created here or imported. */
export interface IDetectorEndpoint extends IResource {
  /** @attribute */
  readonly endpointName: string;
  /** @attribute */
  readonly endpointArn: string;
  /** The production variant the metrics describe. */
  readonly variantName: string;
  /**
   * The inference component that serves the detector, on endpoints that host one (the on-demand, scale-to-zero
   * mode). Callers must pass it as `InferenceComponentName` on every invocation.
   * @attribute
   */
  readonly inferenceComponentName?: string;
  /** @attribute */
  readonly inferenceComponentArn?: string;

  /** Lets `grantee` invoke the endpoint (InvokeEndpoint, which also authorizes the response-stream API). */
  grantInvoke(grantee: IGrantable): Grant;
  /**
   * A metric in `AWS/SageMaker`: per endpoint and variant, or per inference component where the endpoint hosts one
   * (SageMaker reports invocation metrics of inference components under `InferenceComponentName`).
   */
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
  /** Requests refused because no copy was running (inference-component endpoints only); it wakes them. */
  metricNoCapacityInvocationFailures(props?: MetricOptions): Metric;
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
  /**
   * The inference component to invoke, when the endpoint hosts inference components (on-demand mode).
   * @default none — a classic endpoint
   */
  readonly inferenceComponentName?: string;
  /**
   * @default the ARN of `inferenceComponentName` in this stack's account and region (lowercased)
   */
  readonly inferenceComponentArn?: string;
}

/** `grantInvoke()` and the `metric*()` helpers, shared by created and imported endpoints. */
export abstract class DetectorEndpointBase extends Resource implements IDetectorEndpoint {
  abstract readonly endpointName: string;
  abstract readonly endpointArn: string;
  abstract readonly variantName: string;
  readonly inferenceComponentName?: string;
  readonly inferenceComponentArn?: string;

  grantInvoke(grantee: IGrantable): Grant {
    // InvokeEndpointWithResponseStream is authorized by sagemaker:InvokeEndpoint (SageMaker Runtime API reference);
    // there is no separate IAM action for it. An invocation naming an InferenceComponentName is authorized against
    // the endpoint; whether IAM also evaluates the inference component's ARN could not be confirmed offline, and AWS
    // solutions grant both, so the component's own ARN is granted too (exactly that one, no wildcard).
    return Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint'],
      resourceArns:
        this.inferenceComponentArn === undefined ? [this.endpointArn] : [this.endpointArn, this.inferenceComponentArn],
    });
  }

  metric(metricName: string, props?: MetricOptions): Metric {
    if (this.inferenceComponentName !== undefined) {
      return this.inferenceComponentMetric(SAGEMAKER_INVOCATION_NAMESPACE, metricName, props);
    }
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

  /**
   * Requests in flight per instance (per copy on inference-component endpoints); the autoscaler tracks it.
   * @default Maximum over 1 minute
   */
  metricConcurrentRequests(props?: MetricOptions): Metric {
    const name = this.inferenceComponentName === undefined ? 'ConcurrentRequestsPerModel' : 'ConcurrentRequestsPerCopy';
    return this.metric(name, { statistic: 'Maximum', period: Duration.minutes(1), ...props });
  }

  /**
   * Requests SageMaker refused because the inference component had no copy running (scaled to zero, or still
   * waking). Only inference-component endpoints report it. @default Sum over 1 minute
   */
  metricNoCapacityInvocationFailures(props?: MetricOptions): Metric {
    if (this.inferenceComponentName === undefined) {
      throw new Error(
        `metricNoCapacityInvocationFailures: '${this.node.path}' hosts no inference component; only on-demand ` +
          '(inference-component) endpoints report NoCapacityInvocationFailures',
      );
    }
    return this.metric('NoCapacityInvocationFailures', { statistic: 'Sum', period: Duration.minutes(1), ...props });
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

  private inferenceComponentMetric(namespace: string, metricName: string, props?: MetricOptions): Metric {
    return new Metric({
      namespace,
      metricName,
      dimensionsMap: { InferenceComponentName: this.inferenceComponentName as string },
      period: Duration.minutes(5),
      ...props,
    });
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
  readonly inferenceComponentName?: string;
  readonly inferenceComponentArn?: string;

  constructor(scope: Construct, id: string, attrs: DetectorEndpointAttributes) {
    super(scope, id);
    this.endpointName = attrs.endpointName;
    this.variantName = attrs.variantName ?? DEFAULT_VARIANT_NAME;
    this.endpointArn = attrs.endpointArn ?? this.sagemakerArn('endpoint', attrs.endpointName);
    this.inferenceComponentName = attrs.inferenceComponentName;
    if (attrs.inferenceComponentArn !== undefined && attrs.inferenceComponentName === undefined) {
      refuseProp(
        `fromEndpointAttributes '${this.node.path}'`,
        'inferenceComponentArn',
        attrs.inferenceComponentArn,
        'it needs inferenceComponentName too (clients pass the name on every call, and the metrics are keyed by it)',
      );
    }
    this.inferenceComponentArn =
      attrs.inferenceComponentArn ??
      (attrs.inferenceComponentName === undefined
        ? undefined
        : this.sagemakerArn('inference-component', attrs.inferenceComponentName));
  }

  private sagemakerArn(resource: string, name: string): string {
    return Stack.of(this).formatArn({
      service: 'sagemaker',
      resource,
      // SageMaker writes resource names lowercased in ARNs; IAM compares ARNs case-sensitively.
      resourceName: Token.isUnresolved(name) ? name : name.toLowerCase(),
    });
  }
}
