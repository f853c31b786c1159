/** The Vertex AI and Cloud Run deployments of a Terraform stack, with the values the platform rules check. */
import {
  cloudRunGpuInstance,
  cloudRunStartWindow,
  CLOUD_RUN_L4_DRIVER,
  CLOUD_RUN_PROCESS_MEMORY_GIB,
  CONTAINER_ENV,
  MODEL_PROFILES,
  gcpMachine,
  IMAGE_METADATA_KEY,
  SUMMARY_METADATA_KEY,
  type DeploymentSummary,
  type ImageRecord,
  type WeightsSource,
} from '../../lib/core';
import {
  durationSeconds,
  envFromList,
  fitNote,
  deploymentOf,
  literalNumber,
  metadata,
  notChecked,
  storeOrderInputs,
  terraformReferenceTo,
  values,
  vllmInputs,
  weightsOrigin,
  type Json,
  type RuleInputs,
  type SynthesizedDeployment,
  type TerraformConfig,
} from './inputs';

export function vertexDeployment(
  file: string,
  stack: string,
  config: TerraformConfig,
  endpoint: Json,
): SynthesizedDeployment {
  const summary = metadata(endpoint, SUMMARY_METADATA_KEY) as DeploymentSummary | undefined;
  const deployConfig = Object.values(config.locals ?? {}).find(
    (l) => (l as Json | undefined)?.containerSpec !== undefined && (l as Json).dedicatedResources !== undefined,
  ) as Json | undefined;
  const inputs: Record<string, RuleInputs> = {};
  if (!deployConfig) {
    const why = 'no Vertex deploy config (terraform_data input) in the stack';
    for (const id of ['vertex.probe-timeout-exceeds-period', 'vertex.deployment-timeout', 'gce.accelerator-machine']) {
      inputs[id] = notChecked(why);
    }
  } else {
    const spec = deployConfig.containerSpec as Json;
    inputs['vertex.probe-timeout-exceeds-period'] = values(
      ...(['startupProbe', 'healthProbe'] as const).map((probe) => {
        const p = (spec[probe] ?? {}) as Json;
        const periodSeconds = literalNumber(p.periodSeconds) ?? Number.NaN;
        const timeoutSeconds = literalNumber(p.timeoutSeconds) ?? Number.NaN;
        return {
          what: `${probe} period ${periodSeconds} s, timeout ${timeoutSeconds} s`,
          input: { probe, periodSeconds, timeoutSeconds },
        };
      }),
    );
    const timeout = durationSeconds(spec.deploymentTimeout);
    inputs['vertex.deployment-timeout'] = values({
      what: `deploymentTimeout ${String(spec.deploymentTimeout)}`,
      input: { seconds: timeout ?? Number.NaN },
    });
    const machine = ((deployConfig.dedicatedResources as Json).machineSpec ?? {}) as Json;
    inputs['gce.accelerator-machine'] = values({
      what: `${String(machine.machineType)} + ${String(machine.acceleratorType)}`,
      input: { machineType: String(machine.machineType), acceleratorType: String(machine.acceleratorType) },
    });
    const env = envFromList(spec.env);
    const timeoutMs = literalNumber(env[CONTAINER_ENV.requestTimeoutMs]);
    inputs['vertex.inference-timeout'] =
      timeoutMs === undefined
        ? notChecked(`${CONTAINER_ENV.requestTimeoutMs} is not a literal`)
        : values({ what: `${CONTAINER_ENV.requestTimeoutMs} ${timeoutMs}`, input: { requestTimeoutMs: timeoutMs } });
    const lookup = gcpMachine(
      String(machine.machineType),
      String(machine.acceleratorType),
      literalNumber(machine.acceleratorCount) ?? 1,
    );
    Object.assign(
      inputs,
      vllmInputs(env, lookup.ok ? lookup.value : undefined, 'the deploy config machine spec', 'vertex-endpoint'),
    );
    // deployModel starts the replicas: an artifactUri on a bucket the same deploy creates is still empty.
    inputs['weights.store-staged-before-start'] = storeOrderInputs(
      'the deploy step',
      terraformReferenceTo(deployConfig.artifactUri, ['google_storage_bucket']),
      true,
    );
  }
  return deploymentOf(file, stack, 'vertex-endpoint', summary, inputs);
}

export function cloudRunDeployment(file: string, stack: string, service: Json): SynthesizedDeployment {
  const summary = metadata(service, SUMMARY_METADATA_KEY) as DeploymentSummary | undefined;
  const image = metadata(service, IMAGE_METADATA_KEY) as ImageRecord | undefined;
  const template = (service.template ?? {}) as Json;
  const container = (((template.containers as Json[] | undefined) ?? [])[0] ?? {}) as Json;
  const limits = ((container.resources as Json | undefined)?.limits ?? {}) as Json;
  const cpu = literalNumber(limits.cpu);
  const memoryGiB = typeof limits.memory === 'string' ? literalNumber(limits.memory.replace(/Gi$/, '')) : undefined;
  const startup = (container.startup_probe ?? {}) as Json;
  const liveness = (container.liveness_probe ?? {}) as Json;
  const startupInput = {
    initialDelaySeconds: literalNumber(startup.initial_delay_seconds) ?? 0,
    periodSeconds: literalNumber(startup.period_seconds) ?? 10,
    failureThreshold: literalNumber(startup.failure_threshold) ?? 3,
  };
  const inputs: Record<string, RuleInputs> = {
    'cloud-run.gpu-cpu-memory':
      cpu === undefined || memoryGiB === undefined
        ? notChecked('cpu or memory is not a literal')
        : values({ what: `${cpu} vCPU, ${memoryGiB} GiB`, input: { cpu, memoryGiB } }),
    'cloud-run.startup-probe-window': values({
      what: `${startupInput.failureThreshold} × ${startupInput.periodSeconds} s`,
      input: startupInput,
    }),
    'cloud-run.startup-initial-delay': values({
      what: `initial delay ${startupInput.initialDelaySeconds} s`,
      input: startupInput,
    }),
    'cloud-run.probe-period-covers-timeout': values(
      ...(
        [
          ['startupProbe', startup],
          ['livenessProbe', liveness],
        ] as const
      )
        .filter(([, p]) => Object.keys(p).length > 0)
        .map(([probe, p]) => {
          const periodSeconds = literalNumber(p.period_seconds) ?? 10;
          const timeoutSeconds = literalNumber(p.timeout_seconds) ?? 1;
          return {
            what: `${probe} period ${periodSeconds} s, timeout ${timeoutSeconds} s`,
            input: { probe, periodSeconds, timeoutSeconds },
          };
        }),
    ),
    'cloud-run.gpu-region':
      typeof service.location === 'string'
        ? values({ what: service.location, input: { region: service.location } })
        : notChecked('the location is not a literal'),
    'cloud-run.request-timeout': values({
      what: `timeout ${String(template.timeout)}`,
      input: { seconds: durationSeconds(template.timeout) ?? Number.NaN },
    }),
    'cloud-run.driver-runs-image': image?.cudaVersion
      ? values({
          what: `driver ${CLOUD_RUN_L4_DRIVER.version} (CUDA ${CLOUD_RUN_L4_DRIVER.cuda}) with an image of CUDA ${image.cudaVersion}${fitNote(CLOUD_RUN_L4_DRIVER, image.cudaVersion)}`,
          input: {
            driver: CLOUD_RUN_L4_DRIVER,
            imageCuda: image.cudaVersion,
            host: "Cloud Run's L4 driver",
            remedy: 'serve a CUDA 12.x build of the image, or use Vertex AI',
          },
        })
      : notChecked(`the image's CUDA version is not recorded (an image passed in without imageCudaVersion)`),
  };
  const env = envFromList(container.env);
  inputs['cloud-run.start-window'] = startWindowInputs(env, startupInput);
  inputs['cloud-run.in-memory-filesystem'] = inMemoryInputs(env, memoryGiB);
  const gcsVolumes = ((template.volumes as Json[] | undefined) ?? []).filter((v) => v.gcs !== undefined).length;
  const executionEnvironment =
    typeof template.execution_environment === 'string' ? template.execution_environment : undefined;
  // Cloud Run starts the new revision at deploy: a mounted bucket the same deploy creates is still empty.
  inputs['weights.store-staged-before-start'] = storeOrderInputs(
    'the service',
    terraformReferenceTo(template.volumes, ['google_storage_bucket']),
    true,
  );
  inputs['cloud-run.gcs-volume-gen2'] = values({
    what: `${gcsVolumes} Cloud Storage volume(s), ${executionEnvironment ?? 'default execution environment'}`,
    input: { gcsVolumes, executionEnvironment },
  });
  Object.assign(
    inputs,
    vllmInputs(
      env,
      cpu !== undefined && memoryGiB !== undefined ? cloudRunGpuInstance(cpu, memoryGiB) : undefined,
      'the container resources',
      'cloud-run-service',
    ),
  );
  return deploymentOf(file, stack, 'cloud-run-service', summary, inputs);
}

/** What a start writes into the in-memory filesystem (a Hugging Face download), against the instance memory. */
function inMemoryInputs(env: Record<string, unknown>, memoryGiB: number | undefined): RuleInputs {
  if (memoryGiB === undefined) return notChecked('memory is not a literal');
  const { downloadGiB } = weightsOrigin(env);
  if (downloadGiB === undefined) return notChecked('the base model is not a profile whose download size is known');
  return values({
    what: `${memoryGiB} GiB, ${downloadGiB === 0 ? 'no download at start' : `~${downloadGiB.toFixed(0)} GiB downloaded at start`}`,
    input: { downloadGiB, memoryGiB, processGiB: CLOUD_RUN_PROCESS_MEMORY_GIB },
  });
}

/** The start window of the synthesized startup probe against the cold start its weights source implies. */
function startWindowInputs(
  env: Record<string, unknown>,
  probe: { initialDelaySeconds: number; periodSeconds: number; failureThreshold: number },
): RuleInputs {
  const origin = weightsOrigin(env);
  const model = origin.model;
  const weights: WeightsSource =
    origin.source === 'store'
      ? { kind: 'store', store: 'gcs', uri: origin.storeUri ?? '', createdHere: false, containerPath: '' }
      : { kind: 'huggingface' };
  if (weights.kind === 'huggingface' && !model) {
    return notChecked('the base model is not a profile the cold-start estimate knows (a local path or another id)');
  }
  const window = cloudRunStartWindow(probe, weights, { model: model ?? MODEL_PROFILES['8B'] });
  return values({
    what: `${window.seconds} s window, cold start ${window.coldStart.minMinutes}–${window.coldStart.maxMinutes} min from ${weights.kind === 'store' ? 'Cloud Storage' : 'Hugging Face'}`,
    input: { startWindowSeconds: window.seconds, coldStart: window.coldStart, remedy: window.remedy },
  });
}
