/** The SageMaker deployments of a CloudFormation template, with the values the platform rules check. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  AWS_INSTANCES,
  CONTAINER_ENV,
  IMAGE_METADATA_KEY,
  sagemakerDriver,
  sagemakerDriverRemedy,
  SUMMARY_METADATA_KEY,
  type DeploymentSummary,
  type GpuInstance,
  type ImageRecord,
  type RuleTarget,
} from '../../lib/core';
import {
  fitNote,
  deploymentOf,
  literalNumber,
  notChecked,
  storeOrderInputs,
  values,
  vllmInputs,
  type Json,
  type RuleInputs,
  type SynthesizedDeployment,
} from './inputs';

export function cloudFormationDeployments(file: string): SynthesizedDeployment[] {
  const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources?: Record<string, Json> };
  const resources = template.Resources ?? {};
  const stack = basename(file).replace(/\.template\.json$/, '');
  const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const props = (r: Json) => (r.Properties ?? {}) as Json;
  const refName = (v: unknown): string | undefined => {
    const getAtt = (v as Json | undefined)?.['Fn::GetAtt'];
    return Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
  };

  return byType('AWS::SageMaker::Endpoint').map(([, endpoint]) => {
    const summary = (endpoint.Metadata as Json | undefined)?.[SUMMARY_METADATA_KEY] as DeploymentSummary | undefined;
    const configId = refName(props(endpoint).EndpointConfigName);
    const config = configId ? resources[configId] : undefined;
    const configProps = config ? props(config) : {};
    const variants = (configProps.ProductionVariants as Json[] | undefined) ?? [];
    const variant = variants[0] ?? {};
    const endpointId = Object.entries(resources).find(([, r]) => r === endpoint)?.[0];
    const component = byType('AWS::SageMaker::InferenceComponent').find(
      ([, r]) => refName(props(r).EndpointName) === endpointId,
    )?.[1];
    const modelId = component
      ? refName(((props(component).Specification ?? {}) as Json).ModelName)
      : refName(variant.ModelName);
    const model = modelId ? resources[modelId] : undefined;
    const env = (((model ? props(model).PrimaryContainer : undefined) ?? {}) as Json).Environment as
      Record<string, unknown> | undefined;
    const image = (model?.Metadata as Json | undefined)?.[IMAGE_METADATA_KEY] as ImageRecord | undefined;
    const target: RuleTarget = component ? 'sagemaker-inference-component' : 'sagemaker-endpoint';
    const instanceType = typeof variant.InstanceType === 'string' ? variant.InstanceType : undefined;
    const instance = instanceType ? (AWS_INSTANCES as Record<string, GpuInstance>)[instanceType] : undefined;
    const ami = typeof variant.InferenceAmiVersion === 'string' ? variant.InferenceAmiVersion : undefined;

    const inputs: Record<string, RuleInputs> = {};
    const timeouts = [
      ['ContainerStartupHealthCheckTimeoutInSeconds', variant.ContainerStartupHealthCheckTimeoutInSeconds],
      ['ModelDataDownloadTimeoutInSeconds', variant.ModelDataDownloadTimeoutInSeconds],
      ...(component
        ? Object.entries(((props(component).Specification as Json)?.StartupParameters ?? {}) as Json).map(
            ([k, v]) => [`InferenceComponent ${k}`, v] as const,
          )
        : []),
    ] as const;
    inputs['sagemaker.startup-timeouts'] = values(
      ...timeouts
        .filter(([, v]) => v !== undefined)
        .map(([what, v]) => ({ what: `${what} ${String(v)}`, input: { seconds: literalNumber(v) ?? Number.NaN } })),
    );
    if (instanceType) {
      const amiInput = { inferenceAmiVersion: ami, instanceType };
      const amiWhat = `InferenceAmiVersion ${ami ?? '(none)'} on ${instanceType}`;
      for (const id of [
        'sagemaker.inference-ami-set',
        'sagemaker.inference-ami-accepted',
        'sagemaker.inference-ami-instance',
      ]) {
        inputs[id] = values({ what: amiWhat, input: amiInput });
      }
      const driver = sagemakerDriver(ami);
      inputs['sagemaker.ami-driver-runs-image'] = !image?.cudaVersion
        ? notChecked(`the model records no image CUDA version (${IMAGE_METADATA_KEY} metadata)`)
        : !driver
          ? notChecked(`the AMI ${ami} has no known driver (see sagemaker.inference-ami-accepted)`)
          : values({
              what: `${ami ?? 'default AMI'} (driver ${driver.branch}, CUDA ${driver.cuda}) with an image of CUDA ${image.cudaVersion}${fitNote(driver, image.cudaVersion)}`,
              input: {
                driver,
                imageCuda: image.cudaVersion,
                host: ami ? `AMI ${ami}` : `SageMaker's default AMI for ${instanceType}`,
                remedy: sagemakerDriverRemedy(image.cudaVersion),
              },
            });
      const storage = {
        instanceType,
        localNvme: instance?.localNvme ?? false,
        volumeSizeGb: literalNumber(variant.VolumeSizeInGB),
        kmsKey: configProps.KmsKeyId !== undefined,
      };
      const storageWhat = `${instanceType}: VolumeSizeInGB ${String(variant.VolumeSizeInGB ?? 'unset')}, KmsKeyId ${
        configProps.KmsKeyId === undefined ? 'unset' : 'set'
      }`;
      for (const id of ['sagemaker.nvme-no-volume-size', 'sagemaker.volume-size-range', 'sagemaker.nvme-no-kms-key']) {
        inputs[id] = values({ what: storageWhat, input: storage });
      }
    }
    if (env) {
      const literal = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : undefined] as const),
      );
      inputs['sagemaker.environment-limits'] = values({
        what: `${Object.keys(env).length} variables`,
        input: { environment: literal },
      });
      const timeout = literalNumber(env[CONTAINER_ENV.requestTimeoutMs]);
      inputs['sagemaker.invocation-timeout'] =
        timeout === undefined
          ? notChecked(`${CONTAINER_ENV.requestTimeoutMs} is not a literal`)
          : values({ what: `${CONTAINER_ENV.requestTimeoutMs} ${timeout}`, input: { requestTimeoutMs: timeout } });
      Object.assign(inputs, vllmInputs(env, instance, 'the production variant', target));
    }
    // A bucket of the same template as the model's S3 data source: created by the same deploy.
    const s3Uri = (
      ((model ? props(model).ModelDataSource : undefined) as Json | undefined)?.S3DataSource as Json | undefined
    )?.S3Uri;
    const bucketRef = [...JSON.stringify(s3Uri ?? '').matchAll(/"Ref":"([\w]+)"/g)]
      .map((m) => m[1])
      .find((id) => resources[id]?.Type === 'AWS::S3::Bucket');
    const copyCount = component
      ? (literalNumber(((props(component).RuntimeConfig ?? {}) as Json).CopyCount) ?? 1)
      : undefined;
    inputs['weights.store-staged-before-start'] = storeOrderInputs(
      component ? 'the inference component' : 'the endpoint',
      bucketRef ? `AWS::S3::Bucket ${bucketRef}` : undefined,
      copyCount === undefined ? true : copyCount > 0,
    );
    const name = props(endpoint).EndpointName;
    inputs['sagemaker.endpoint-name'] =
      typeof name === 'string'
        ? values({ what: name, input: { name } })
        : notChecked('the endpoint name is generated by CloudFormation at deploy time');
    if (component) {
      const icName = props(component).InferenceComponentName;
      inputs['sagemaker.inference-component-name'] =
        typeof icName === 'string'
          ? values({ what: icName, input: { name: icName } })
          : notChecked('the inference component name is only known at deploy time');
    }
    return deploymentOf(file, stack, target, summary, inputs);
  });
}
