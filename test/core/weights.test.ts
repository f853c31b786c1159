/**
 * The cloud-neutral weights vocabulary (lib/core/weights.ts and the contract's staging commands): the commands per
 * store URI form, the summaries, the container environment, the cold start per source, and the first-deploy order
 * `npm run synth` prints.
 */
import {
  COLD_STARTS_BY_WEIGHTS,
  coldStartFor,
  containerEnvironment,
  deployCommand,
  deployFlow,
  huggingFaceDownloadGiB,
  MODEL_PROFILES,
  normalizePrefix,
  prefixProblem,
  resolveDeployment,
  stagingCommandsFor,
  summarizeDeployment,
  WEIGHTS_LAYOUT,
  weightsStagingCommands,
  AWS_INSTANCES,
  PLATFORM_LIMITS,
  resolveScaling,
  ValidationErrors,
  type WeightsSource,
} from '../../lib/core';
import { summarizeWeights, weightsEnvironment } from '../../lib/core/weights';

const deployment = resolveDeployment(
  AWS_INSTANCES['ml.g5.xlarge'],
  {},
  PLATFORM_LIMITS.sagemaker,
  new ValidationErrors('test'),
);
const store = (store: Extract<WeightsSource, { kind: 'store' }>['store'], uri: string, extra = {}): WeightsSource => ({
  kind: 'store',
  store,
  uri,
  createdHere: false,
  containerPath: '/mnt/model-weights',
  ...extra,
});

// The download is `hf download <repo> --local-dir <dir>` (huggingface_hub CLI guide, "Download to a local folder":
// https://huggingface.co/docs/huggingface_hub/guides/cli), the base model at the root and the adapter in adapter/.
const DOWNLOADS = [
  'hf download Qwen/Qwen3-VL-8B-Instruct --local-dir form-detector-weights',
  'hf download takumi123xxx/pdfme-form-field-detector-lora --local-dir form-detector-weights/adapter',
];

describe('staging commands, per store URI form', () => {
  const stage = (storeUri: string, loraAdapter: string | null = deployment.loraAdapter ?? null) =>
    weightsStagingCommands({ baseModel: deployment.baseModel, loraAdapter, storeUri });

  // `aws s3 sync <LocalPath> <S3Uri>` (https://docs.aws.amazon.com/cli/latest/reference/s3/sync.html).
  test('S3: aws s3 sync into the prefix, with its trailing slash', () => {
    expect(stage('s3://models/qwen3-vl-8b')).toEqual([
      ...DOWNLOADS,
      'aws s3 sync form-detector-weights s3://models/qwen3-vl-8b/',
    ]);
    expect(stage('s3://models/qwen3-vl-8b/').at(-1)).toBe('aws s3 sync form-detector-weights s3://models/qwen3-vl-8b/');
  });

  // `gcloud storage rsync --recursive <source> <destination>` (https://cloud.google.com/sdk/gcloud/reference/storage/rsync).
  test('Cloud Storage: gcloud storage rsync --recursive, without a trailing slash', () => {
    expect(stage('gs://models/qwen3-vl-8b/').at(-1)).toBe(
      'gcloud storage rsync --recursive form-detector-weights gs://models/qwen3-vl-8b',
    );
  });

  // azure-cli storage/_help.py: upload-batch takes --destination (share or container), --destination-path, --source.
  test('Azure Files: az storage file upload-batch into the share, the prefix as --destination-path', () => {
    expect(stage('https://teamweights.file.core.windows.net/models/qwen3-vl-8b/').at(-1)).toBe(
      'az storage file upload-batch --account-name teamweights --destination models --destination-path qwen3-vl-8b ' +
        '--source form-detector-weights',
    );
    // The share's root: no --destination-path.
    expect(stage('https://teamweights.file.core.windows.net/models/').at(-1)).toBe(
      'az storage file upload-batch --account-name teamweights --destination models --source form-detector-weights',
    );
  });

  test('Azure Blob: az storage blob upload-batch with the signed-in identity', () => {
    expect(stage('https://teamweights.blob.core.windows.net/models/a/b/').at(-1)).toBe(
      'az storage blob upload-batch --auth-mode login --account-name teamweights --destination models ' +
        '--destination-path a/b --source form-detector-weights',
    );
  });

  test('without an adapter only the base model is downloaded; an unknown URI form still says where to copy', () => {
    expect(stage('s3://models/base/', null)).toEqual([
      DOWNLOADS[0],
      'aws s3 sync form-detector-weights s3://models/base/',
    ]);
    expect(stage('file:///mnt/share/weights').at(-1)).toBe('copy form-detector-weights/ to file:///mnt/share/weights');
  });

  test('stagingCommandsFor reads the deployment’s model and adapter', () => {
    expect(stagingCommandsFor(store('gcs', 'gs://b/p/') as never, deployment).slice(0, 2)).toEqual(DOWNLOADS);
  });
});

describe('summaries', () => {
  test('Hugging Face, with or without a token', () => {
    expect(summarizeWeights({ kind: 'huggingface' }, deployment)).toEqual({
      source: 'huggingface',
      description: 'Hugging Face, downloaded at every start',
    });
    expect(
      summarizeWeights({ kind: 'huggingface', tokenSecret: 'arn:aws:secretsmanager:…' }, deployment).description,
    ).toBe('Hugging Face, downloaded at every start (token from the secret store)');
  });

  test('a store says who creates it: this stack, another stack, or nobody here', () => {
    const here = summarizeWeights(store('s3', 's3://b/weights/', { createdHere: true }), deployment);
    expect(here).toMatchObject({
      source: 's3',
      description: 'Amazon S3 s3://b/weights/ (created here)',
      storeCreatedBy: 'this-stack',
    });
    expect(here.stagingCommands).toEqual([...DOWNLOADS, 'aws s3 sync form-detector-weights s3://b/weights/']);
    expect(summarizeWeights(store('gcs', 'gs://b/w/', { storeStack: 'gcp-weights' }), deployment)).toMatchObject({
      description: 'Cloud Storage gs://b/w/ (created by stack gcp-weights)',
      storeCreatedBy: { stack: 'gcp-weights' },
    });
    expect(summarizeWeights(store('azure-files', 'https://a.file.core.windows.net/s/'), deployment)).toMatchObject({
      description: 'Azure Files https://a.file.core.windows.net/s/ (existing)',
      storeCreatedBy: 'existing',
    });
  });
});

describe('the container environment', () => {
  test('a store sets MODEL_WEIGHTS_DIR and MODEL_WEIGHTS_URI; Hugging Face sets neither', () => {
    expect(weightsEnvironment({ kind: 'huggingface' })).toEqual({});
    expect(weightsEnvironment(store('gcs', 'gs://b/w/'))).toEqual({
      MODEL_WEIGHTS_DIR: '/mnt/model-weights',
      MODEL_WEIGHTS_URI: 'gs://b/w/',
    });
    const platform = {
      ...store('azure-blob', 'https://a.blob.core.windows.net/c/'),
      containerPath: WEIGHTS_LAYOUT.platform,
    };
    expect(containerEnvironment(deployment, platform as WeightsSource)).toMatchObject({
      MODEL_WEIGHTS_DIR: 'platform',
      BASE_MODEL: 'Qwen/Qwen3-VL-8B-Instruct',
    });
  });
});

describe('cold start per source', () => {
  test('a store next to the GPU starts faster than a download from Hugging Face on every on-demand service', () => {
    for (const service of Object.keys(COLD_STARTS_BY_WEIGHTS) as (keyof typeof COLD_STARTS_BY_WEIGHTS)[]) {
      const fromStore = coldStartFor(service, store('s3', 's3://b/w/'));
      const fromHub = coldStartFor(service, { kind: 'huggingface' });
      expect(fromStore).toBe(COLD_STARTS_BY_WEIGHTS[service].store);
      expect(fromHub).toBe(COLD_STARTS_BY_WEIGHTS[service].huggingface);
      if (service !== 'containerAppsGpu') expect(fromStore.maxMinutes).toBeLessThan(fromHub.maxMinutes);
    }
    // Container Apps refuses Hugging Face (rule container-apps.replica-storage): its entry says so.
    expect(COLD_STARTS_BY_WEIGHTS.containerAppsGpu.huggingface.reason).toMatch(/not possible/);
  });

  test('the 16-bit download of each profile: what the in-memory and replica-storage rules compare with', () => {
    expect(huggingFaceDownloadGiB({ model: MODEL_PROFILES['8B'] })).toBeCloseTo(16.3, 1);
    expect(huggingFaceDownloadGiB({ model: MODEL_PROFILES['32B'] })).toBeGreaterThan(55);
  });
});

describe('key prefixes', () => {
  test('normalized without slashes; dot segments and double slashes refused with an example', () => {
    expect(normalizePrefix('/models/qwen/')).toBe('models/qwen');
    expect(normalizePrefix(undefined)).toBe('');
    expect(prefixProblem('models/../x')).toMatch(/without '\.' or '\.\.' segments/);
    expect(prefixProblem('models//x')).toMatch(/single slashes/);
    expect(prefixProblem('models/qwen')).toBeUndefined();
  });
});

describe('the first-deploy order npm run synth prints', () => {
  const scaling = resolveScaling(
    { minCapacity: 0 },
    { maxConcurrency: 8, allowZero: true },
    new ValidationErrors('test'),
  );
  const summary = (weights: WeightsSource, cloud: 'aws' | 'gcp' = 'gcp') =>
    summarizeDeployment({
      service: 'Cloud Run GPU service',
      endpoint: 'e',
      mode: 'on-demand',
      deployment: { ...deployment, instance: { ...deployment.instance, cloud } },
      scaling,
      weights,
    });

  test('a store in a stack of its own: deploy it, stage, then deploy the detector, with the mode', () => {
    expect(deployFlow(summary(store('gcs', 'gs://b/weights/', { storeStack: 'gcp-weights' })), 'gcp')).toEqual([
      '1. FORM_DETECTOR_MODE=on-demand npx cdktf deploy gcp-weights   (the weights store alone)',
      `2. stage the weights: ${DOWNLOADS.join(' && ')} && gcloud storage rsync --recursive form-detector-weights ` +
        'gs://b/weights   (the StageWeightsCommand output of gcp-weights has the real location)',
      '3. FORM_DETECTOR_MODE=on-demand npx cdktf deploy gcp   (every instance it starts reads the staged weights)',
    ]);
  });

  test('a store created with the detector (nothing starts at deploy): deploy, stage, first request', () => {
    const flow = deployFlow(summary(store('s3', 's3://${Token[x]}/weights/', { createdHere: true }), 'aws'), 'S');
    expect(flow?.[0]).toBe(
      '1. FORM_DETECTOR_MODE=on-demand npx cdk deploy S   (creates the store; starts no container until the first request)',
    );
    // References only known at deploy time are shown as placeholders.
    expect(flow?.[1]).toMatch(/aws s3 sync form-detector-weights s3:\/\/<…>\/weights\//);
    expect(flow?.[2]).toMatch(/first request/);
  });

  test('an existing store: stage (once), then deploy; Hugging Face: no order to print', () => {
    expect(deployFlow(summary(store('gcs', 'gs://b/w/')), 'gcp')).toHaveLength(2);
    expect(deployFlow(summary({ kind: 'huggingface' }), 'gcp')).toBeUndefined();
    expect(deployCommand('aws', 'FormDetector', 'always-on')).toBe('npx cdk deploy FormDetector');
  });
});
