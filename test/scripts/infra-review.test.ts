/**
 * The infra review reads what was synthesized: here the ready-made stacks are synthesized for real into a
 * temporary directory, and the review must report their GPU, capacity, permissions, scaling and exposure.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App as CdkApp } from 'aws-cdk-lib/core';
import { App as TfApp } from 'cdktf';
import { DetectorAwsStack } from '../../lib/aws';
import { DetectorAzureStack } from '../../lib/azure';
import { DetectorGcpStack } from '../../lib/gcp';
import { renderReview, reviewCloudFormation, reviewTerraform, type StackReview } from '../../scripts/infra-review';
import { checkPlatformRules, readSynthesizedDeployments } from '../../scripts/platform-checks';
import { readCdkAssembly, readCdktfOutput } from '../../scripts/synthesized-summaries';
import { PLATFORM_RULES } from '../../lib/core';

const work = mkdtempSync(join(tmpdir(), 'infra-review-'));
const cdkOut = join(work, 'cdk.out');
const tfOut = join(work, 'cdktf.out');
let aws: StackReview;
let gcp: StackReview;
let azure: StackReview;
let markdown: string;

beforeAll(() => {
  const cdkApp = new CdkApp({ outdir: cdkOut, context: { maxCapacity: 3 } });
  new DetectorAwsStack(cdkApp, 'FormDetector', { env: { account: '123456789012', region: 'us-east-1' } });
  cdkApp.synth();
  const tfApp = new TfApp({ outdir: tfOut });
  new DetectorGcpStack(tfApp, 'form-detector-gcp', { project: 'test-project', region: 'us-central1' });
  new DetectorAzureStack(tfApp, 'form-detector-azure', { location: 'eastus' });
  tfApp.synth();
  aws = reviewCloudFormation(join(cdkOut, 'FormDetector.template.json'), 'cdk.out/FormDetector.template.json');
  gcp = reviewTerraform(join(tfOut, 'stacks', 'form-detector-gcp', 'cdk.tf.json'));
  azure = reviewTerraform(join(tfOut, 'stacks', 'form-detector-azure', 'cdk.tf.json'));
  markdown = renderReview([aws, gcp, azure], 6);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('infra review', () => {
  test('each stack reports its deployment summary, read back from the synthesized output', () => {
    expect(aws.deployments).toEqual([
      expect.objectContaining({ cloud: 'aws', instanceType: 'ml.g5.xlarge', minCapacity: 1, maxCapacity: 3 }),
    ]);
    expect(gcp.deployments).toEqual([
      expect.objectContaining({ cloud: 'gcp', instanceType: 'g2-standard-8', acceleratorType: 'NVIDIA_L4' }),
    ]);
    expect(azure.deployments).toEqual([
      expect.objectContaining({ cloud: 'azure', instanceType: 'Standard_NC4as_T4_v3' }),
    ]);
    // The same summaries `npm run synth` prints.
    expect(readCdkAssembly(cdkOut).flatMap((s) => s.summaries)).toEqual(aws.deployments);
    expect(readCdktfOutput(tfOut).flatMap((s) => s.summaries)).toEqual([...azure.deployments, ...gcp.deployments]);
  });

  test('AWS: IAM permissions, the scaling rule and the exposure are spelled out', () => {
    expect(aws.permissions.join('\n')).toMatch(/ecr:BatchGetImage/);
    expect(aws.permissions.join('\n')).not.toMatch(/FullAccess/);
    expect(aws.scaling.join('\n')).toMatch(/sagemaker:variant:DesiredInstanceCount from 1 to 3/);
    expect(aws.scaling.join('\n')).toMatch(/SageMakerVariantConcurrentRequestsPerModelHighResolution/);
    expect(aws.exposure.join('\n')).toMatch(/sagemaker:InvokeEndpoint \(IAM, SigV4\)/);
    expect(aws.resources).toEqual(expect.arrayContaining([{ type: 'AWS::SageMaker::Endpoint', count: 1 }]));
  });

  test('GCP and Azure: role grants, autoscale rules and public exposure', () => {
    expect(gcp.permissions.length).toBeGreaterThan(0);
    expect(gcp.permissions.join('\n')).not.toMatch(/roles\/(owner|editor|viewer)\b/);
    expect(gcp.exposure.join('\n')).toMatch(/dedicated public endpoint/);
    expect(gcp.scaling.join('\n')).toMatch(/Vertex deployed model, 1–2 replicas of g2-standard-8 \+ 1× NVIDIA_L4/);
    expect(gcp.scaling.join('\n')).toMatch(/target 60 % on .*accelerator\/duty_cycle/);
    expect(azure.permissions.join('\n')).toMatch(/AcrPull/);
    expect(azure.scaling.join('\n')).toMatch(/capacity min 1, max 2/);
    expect(azure.exposure.join('\n')).toMatch(/admin user disabled/);
    expect(azure.resources.map((r) => r.type)).toEqual(
      expect.arrayContaining(['  ↳ ARM Microsoft.MachineLearningServices/workspaces/onlineEndpoints']),
    );
  });

  test('deployments of the other mode join the cost table only', () => {
    const onDemand = {
      ...aws.deployments[0],
      mode: 'on-demand' as const,
      minCapacity: 0,
      coldStart: '6–15 min from zero (x)',
    };
    const withComparison = renderReview([aws], 6, [onDemand]);
    expect(withComparison).toMatch(
      /\| AWS \| on-demand \| .* \| 0–3 \| \$1\.41 \| \$1,027\.84 \| \$256\.96 \| Hugging Face \| 6–15 min \|/,
    );
    expect(withComparison).toContain('synthesized for comparison only');
    expect(withComparison.match(/^## /gm)).toHaveLength(2);
  });

  test('the Markdown has the cost table and a section per stack', () => {
    expect(markdown).toMatch(/^# Infrastructure review/);
    expect(markdown).toContain('| month, 24 h | month, 6 busy h/day | weights | cold start |');
    expect(markdown).toMatch(
      /\| AWS \| always-on \| SageMaker real-time endpoint \| ml\.g5\.xlarge \(A10G 24 GB\) \| 1–3 \| \$1\.41 \| \$1,027\.84 \| \$1,027\.84 \| Hugging Face \| none \|/,
    );
    for (const title of [
      'CloudFormation stack FormDetector',
      'Terraform stack form-detector-gcp',
      'Terraform stack form-detector-azure',
    ]) {
      expect(markdown).toContain(`## ${title}`);
    }
    expect(markdown).toContain('### Permissions granted');
    expect(readdirSync(work)).toEqual(expect.arrayContaining(['cdk.out', 'cdktf.out']));
  });

  test('the platform rules: the results on this output and the rule table, as `npm run preflight` has them', () => {
    const checks = checkPlatformRules(readSynthesizedDeployments({ cdkOut: [cdkOut], cdktfOut: [tfOut] }));
    const review = renderReview([aws, gcp, azure], 6, [], checks);
    expect(review).toContain('## Platform rules');
    expect(review).toMatch(new RegExp(`${PLATFORM_RULES.length} rules × 3 deployments: \\d+ pass, 0 fail`));
    expect(review).toMatch(/^\| PASS \| `sagemaker\.inference-ami-set` \| FormDetector \(always-on\) \| /m);
    expect(review).toContain('### The rules');
    for (const rule of PLATFORM_RULES) {
      expect(review).toContain(`| \`${rule.id}\` | ${rule.platform} |`);
      expect(review).toContain(rule.source);
    }
    // The on-demand rules have no deployment in this output: listed, not passed.
    expect(review).toMatch(/^\| SKIP \| `cloud-run\.startup-probe-window` \| \(none\) \| /m);
    // Without checks, no section.
    expect(markdown).not.toContain('## Platform rules');
  });
});
