/**
 * The published package, as a platform team gets it: `npm pack`, installed into fresh consumer projects that hold
 * only the peer dependencies they need (an AWS CDK app; a CDKTF app for GCP and Azure), compiled with their own
 * tsconfig and synthesized inside a larger stack of theirs.
 *
 * Needs `npm run build` first (npm test does it) and the npm cache `npm ci` fills (installs prefer it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(__dirname, '..', '..');
const rootPackage = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'form-detector-consumer-'));
let tarball = '';
let packedFiles: string[] = [];

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', npm_config_update_notifier: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A consumer project with the packed library and exactly these peers, at the versions this repo tests. */
function consumer(name: string, peers: string[], tsconfig: object, files: Record<string, string>): string {
  const dir = join(work, name);
  const dependencies: Record<string, string> = { 'form-detector-stacks': `file:${tarball}` };
  for (const peer of peers) dependencies[peer] = rootPackage.devDependencies[peer];
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, dependencies }, null, 2));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], dir);
  return dir;
}

beforeAll(() => {
  if (!existsSync(join(repo, 'dist', 'lib', 'aws', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before this test (npm test does)');
  }
  const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repo);
  const [info] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, info.filename);
  packedFiles = info.files.map((f) => f.path);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package', () => {
  test('ships the compiled library, the CLIs and the container sources a consumer builds the image from', () => {
    for (const file of [
      'dist/lib/core/index.js',
      'dist/lib/core/index.d.ts',
      'dist/lib/aws/index.js',
      'dist/lib/gcp/index.js',
      'dist/lib/azure/index.js',
      'dist/lib/client/index.js',
      'dist/inference-container/src/contract.js',
      'dist/bin/detect.js',
      'dist/bin/vertex-deploy.js',
      'inference-container/Dockerfile',
      'inference-container/.dockerignore',
      'inference-container/package.json',
      'inference-container/package-lock.json',
      'inference-container/tsconfig.json',
      'inference-container/src/main.ts',
      'README.md',
    ]) {
      expect(packedFiles).toContain(file);
    }
  });

  test('leaves out tests, stand-ins, scripts and build output users do not need', () => {
    const unwanted = packedFiles.filter((f) =>
      /^(test|scripts|\.ci|cdk\.out|cdktf\.out|dist\/test|dist\/scripts|inference-container\/dist|node_modules)\//.test(
        f,
      ),
    );
    expect(unwanted).toEqual([]);
    expect(packedFiles.some((f) => /stand-in/i.test(f))).toBe(false);
  });
});

describe('an AWS CDK app of a platform team (node10 module resolution, as `cdk init` once generated)', () => {
  let dir = '';
  beforeAll(() => {
    dir = consumer(
      'aws-platform',
      ['aws-cdk-lib', 'constructs'],
      {
        compilerOptions: { target: 'ES2022', module: 'commonjs', lib: ['es2022'], strict: true, skipLibCheck: true },
      },
      {
        'app.ts': `
import { App, Stack, type StackProps } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { SageMakerDetectorEndpoint } from 'form-detector-stacks/aws';
import { MODEL_PROFILES } from 'form-detector-stacks/core';

class DocumentPlatformStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const uploads = new Bucket(this, 'Uploads');
    const api = new Role(this, 'ApiRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    uploads.grantRead(api);
    const detector = new SageMakerDetectorEndpoint(this, 'FormDetector', {
      instanceType: 'ml.g4dn.xlarge',
      scaling: { minCapacity: 1, maxCapacity: 3 },
    });
    detector.grantInvoke(api);
    if (MODEL_PROFILES['8B'].baseModel !== 'Qwen/Qwen3-VL-8B-Instruct') throw new Error('core did not load');
  }
}

const app = new App({ outdir: 'cdk.out' });
new DocumentPlatformStack(app, 'DocumentPlatform');
app.synth();
`,
      },
    );
    run('node', [tsc, '-p', '.'], dir);
    run('node', ['app.js'], dir);
  }, 240_000);

  test('installs without cdktf or any provider', () => {
    expect(existsSync(join(dir, 'node_modules', 'cdktf'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', '@cdktf'))).toBe(false);
  });

  test('synthesizes our endpoint inside their stack, invocable by their role', () => {
    const template = JSON.parse(readFileSync(join(dir, 'cdk.out', 'DocumentPlatform.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types).toEqual(
      expect.arrayContaining(['AWS::S3::Bucket', 'AWS::SageMaker::Endpoint', 'AWS::SageMaker::EndpointConfig']),
    );
    const config = Object.values(template.Resources).find((r) => r.Type === 'AWS::SageMaker::EndpointConfig');
    expect(JSON.stringify(config?.Properties)).toContain('ml.g4dn.xlarge');
    const policies = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .map((r) => JSON.stringify(r.Properties));
    expect(policies.some((p) => p.includes('sagemaker:InvokeEndpoint') && p.includes('ApiRole'))).toBe(true);
  });

  test("stages the image asset from the package's inference-container sources", () => {
    const assets = JSON.parse(readFileSync(join(dir, 'cdk.out', 'DocumentPlatform.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string } }>;
    };
    const images = Object.values(assets.dockerImages);
    expect(images).toHaveLength(1);
    const staged = join(dir, 'cdk.out', images[0].source.directory);
    expect(readdirSync(staged)).toEqual(expect.arrayContaining(['Dockerfile', 'package-lock.json', 'src']));
    expect(existsSync(join(staged, 'src', 'main.ts'))).toBe(true);
  });

  test('the form-detect CLI is on the consumer PATH', () => {
    const help = run(join(dir, 'node_modules', '.bin', 'form-detect'), ['--help'], dir);
    expect(help).toMatch(/--cloud/);
  });
});

describe('a CDKTF app of a platform team (node16 module resolution, subpath exports)', () => {
  let dir = '';
  beforeAll(() => {
    dir = consumer(
      'tf-platform',
      ['cdktf', 'constructs', '@cdktf/provider-google', '@cdktf/provider-azurerm', '@cdktf/provider-time'],
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'node16',
          moduleResolution: 'node16',
          lib: ['es2022'],
          strict: true,
          skipLibCheck: true,
        },
      },
      {
        'main.ts': `
import { App, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import type { Construct } from 'constructs';
import { VertexDetectorEndpoint } from 'form-detector-stacks/gcp';
import { AzureMlDetectorEndpoint } from 'form-detector-stacks/azure';

class GcpPlatform extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new GoogleProvider(this, 'google', { project: 'platform-project', region: 'europe-west4' });
    new StorageBucket(this, 'uploads', { name: 'platform-uploads', location: 'EU' });
    new VertexDetectorEndpoint(this, 'FormDetector', {
      project: 'platform-project',
      region: 'europe-west4',
      imageTag: 'v1',
    });
  }
}

class AzurePlatform extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AzurermProvider(this, 'azurerm', { features: [{}] });
    new AzureMlDetectorEndpoint(this, 'FormDetector', { location: 'westeurope', imageTag: 'v1' });
  }
}

const app = new App({ outdir: 'cdktf.out' });
new GcpPlatform(app, 'gcp-platform');
new AzurePlatform(app, 'azure-platform');
app.synth();
`,
      },
    );
    run('node', [tsc, '-p', '.'], dir);
    run('node', ['main.js'], dir);
  }, 240_000);

  test('installs without aws-cdk-lib', () => {
    expect(existsSync(join(dir, 'node_modules', 'aws-cdk-lib'))).toBe(false);
  });

  test('synthesizes the Vertex endpoint beside their own resources, with a deploy command that resolves', () => {
    const stackDir = join(dir, 'cdktf.out', 'stacks', 'gcp-platform');
    const config = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as {
      resource: Record<string, Record<string, Record<string, unknown>>>;
    };
    expect(Object.keys(config.resource)).toEqual(
      expect.arrayContaining(['google_storage_bucket', 'google_vertex_ai_endpoint', 'terraform_data']),
    );
    const text = JSON.stringify(config.resource.terraform_data);
    const script = /node \\?"?([^"\\ ]+vertex-deploy\.js)/.exec(text)?.[1];
    expect(script).toBeDefined();
    expect(script).not.toMatch(/^\//);
    expect(existsSync(resolve(stackDir, script as string))).toBe(true);
  });

  test('synthesizes the Azure ML endpoint with its ARM template', () => {
    const config = JSON.parse(
      readFileSync(join(dir, 'cdktf.out', 'stacks', 'azure-platform', 'cdk.tf.json'), 'utf8'),
    ) as { resource: Record<string, unknown> };
    expect(Object.keys(config.resource)).toEqual(
      expect.arrayContaining([
        'azurerm_machine_learning_workspace',
        'azurerm_resource_group_template_deployment',
        'azurerm_monitor_autoscale_setting',
      ]),
    );
  });
});
