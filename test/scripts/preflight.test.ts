/**
 * `npm run preflight` checks the platform rules against synthesized output. Here the ready-made stacks are
 * synthesized once, in both modes, into a temporary directory (the defaults must pass, every rule listed), and once
 * more with values the constructs would refuse, injected through the escape hatches a user has (a CloudFormation
 * property override, a cdktf override): the preflight must fail naming the rule, the value and its source.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App as CdkApp } from 'aws-cdk-lib/core';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { TerraformResource, App as TfApp } from 'cdktf';
import type { IConstruct } from 'constructs';
import { DetectorAwsStack } from '../../lib/aws';
import { DetectorAzureStack } from '../../lib/azure';
import { PLATFORM_RULES, platformRuleById } from '../../lib/core';
import { DetectorGcpStack } from '../../lib/gcp';
import { unexercisedRules } from '../../scripts/platform-checks';
import { defaultOutputDirectories, main, preflight } from '../../scripts/preflight';
import { synthFingerprint, synthIsCurrent, writeSynthStamp } from '../../scripts/synth-stamp';

const work = mkdtempSync(join(tmpdir(), 'preflight-'));
const env = { account: '123456789012', region: 'us-east-1' };
const dirs = (name: string) => ({ cdkOut: [join(work, name, 'cdk.out')], cdktfOut: [join(work, name, 'cdktf.out')] });

/** Both modes of the three ready-made stacks, as `npm run synth` makes them; `tamper` may change them first. */
function synthesizeAll(name: string, tamper?: (stacks: ReturnType<typeof makeStacks>) => void): void {
  const { cdkOut, cdktfOut } = dirs(name);
  const cdkApp = new CdkApp({ outdir: cdkOut[0] });
  const tfApp = new TfApp({ outdir: cdktfOut[0] });
  const stacks = makeStacks(cdkApp, tfApp);
  tamper?.(stacks);
  cdkApp.synth();
  tfApp.synth();
}

function makeStacks(cdkApp: CdkApp, tfApp: TfApp) {
  return {
    awsAlwaysOn: new DetectorAwsStack(cdkApp, 'FormDetector', { env, mode: 'always-on' }),
    awsOnDemand: new DetectorAwsStack(cdkApp, 'FormDetectorOnDemand', { env, mode: 'on-demand' }),
    gcpAlwaysOn: new DetectorGcpStack(tfApp, 'gcp-always-on', { project: 'p', region: 'us-central1', env: {} }),
    gcpOnDemand: new DetectorGcpStack(tfApp, 'gcp-on-demand', {
      project: 'p',
      region: 'us-central1',
      mode: 'on-demand',
      env: {},
    }),
    azureAlwaysOn: new DetectorAzureStack(tfApp, 'azure-always-on', { location: 'eastus', mode: 'always-on' }),
    azureOnDemand: new DetectorAzureStack(tfApp, 'azure-on-demand', { location: 'swedencentral', mode: 'on-demand' }),
  };
}

const resourcesOf = (scope: IConstruct, type: string): TerraformResource[] =>
  scope.node
    .findAll()
    .filter((c): c is TerraformResource => c instanceof TerraformResource && c.terraformResourceType === type);

beforeAll(() => {
  synthesizeAll('defaults');
  synthesizeAll('tampered', (s) => {
    // An InferenceAmiVersion dropped by hand: SageMaker would pick its default AMI (driver 470, CUDA 11.4).
    s.awsAlwaysOn.endpoint.cfnEndpointConfig.addPropertyDeletionOverride('ProductionVariants.0.InferenceAmiVersion');
    // An AMI for Inferentia, on a GPU instance.
    s.awsOnDemand.endpoint.cfnEndpointConfig.addPropertyOverride(
      'ProductionVariants.0.InferenceAmiVersion',
      'al2-ami-sagemaker-inference-neuron-2',
    );
    // A startup probe allowed 30 × 10 s with no initial delay: Cloud Run services refuse more than 240 s, and the
    // 300 s start window is shorter than the estimated cold start (a warning).
    s.gcpOnDemand.service!.service.addOverride('template.containers.0.startup_probe.failure_threshold', 30);
    s.gcpOnDemand.service!.service.addOverride('template.containers.0.startup_probe.initial_delay_seconds', 0);
    // A Cloud Storage volume in the default (first-generation) execution environment.
    s.gcpOnDemand.service!.service.addOverride('template.execution_environment', null);
    // …mounting a bucket created in the service's own stack: empty when Cloud Run starts the revision at deploy.
    const sameStackBucket = new StorageBucket(s.gcpOnDemand, 'SameStackWeights', {
      name: 'p-same-stack-weights',
      location: 'us-central1',
    });
    s.gcpOnDemand.service!.service.addOverride('template.volumes.0.gcs.bucket', sameStackBucket.name);
    // The Container App no longer waits for its role assignments to propagate before pulling the image.
    const environment = resourcesOf(s.azureOnDemand, 'azurerm_resource_group_template_deployment');
    // (cdktf merges a depends_on override into the list, so the list itself is replaced.)
    s.azureOnDemand.service!.containerApp.dependsOn = environment.map((r) => r.fqn);
    // Azure ML's wait after its role assignments cut to a minute.
    for (const sleep of resourcesOf(s.azureAlwaysOn, 'time_sleep')) sleep.addOverride('create_duration', '60s');
  });
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('preflight', () => {
  test('the defaults pass, and every rule in the table is listed with its source', () => {
    const { checks, passed, report } = preflight(dirs('defaults'));
    expect(checks.filter((c) => c.status === 'FAIL')).toEqual([]);
    expect(passed).toBe(true);
    expect(new Set(checks.map((c) => c.deployment.target)).size).toBe(6);
    expect(unexercisedRules(checks)).toEqual([]);
    for (const rule of PLATFORM_RULES) expect(report).toContain(`${rule.id} `);
    for (const rule of PLATFORM_RULES) expect(report).toContain(`<${rule.source}>`);
    expect(report).toMatch(new RegExp(`^${PLATFORM_RULES.length} rules × 6 deployments: \\d+ pass, 0 fail`, 'm'));
    expect(report).toMatch(/✔ No platform rule is broken/);
    // Where no page states the GPU driver, the report says the image's CUDA is not checked, rather than passing it.
    expect(report).toMatch(/^NOTE {2}the GPU driver of Vertex AI .* is not stated .*not checked there$/m);
    expect(report.match(/^NOTE /gm)).toHaveLength(3);
  });

  test('rules that cannot be read off this output are reported as not checkable, not as passing', () => {
    const { checks } = preflight(dirs('defaults'));
    const skipped = checks.filter((c) => c.status === 'SKIP');
    // The endpoint name is CloudFormation's to generate; nothing else is skipped on the defaults.
    expect(skipped.map((c) => c.rule.id)).toEqual(['sagemaker.endpoint-name', 'sagemaker.endpoint-name']);
    expect(skipped[0].detail).toMatch(/generated/);
  });

  test('values the constructs would refuse, put in by escape hatches, fail naming the rule, value and source', () => {
    const { checks, passed, report } = preflight(dirs('tampered'));
    expect(passed).toBe(false);
    const failed = checks.filter((c) => c.status === 'FAIL');
    expect(failed.map((c) => `${c.rule.id} @ ${c.deployment.label}`).sort()).toEqual(
      [
        'azure.role-assignment-propagation @ azure-always-on (always-on)',
        'azure.role-assignment-propagation @ azure-on-demand (on-demand)',
        'cloud-run.startup-probe-window @ gcp-on-demand (on-demand)',
        'cloud-run.gcs-volume-gen2 @ gcp-on-demand (on-demand)',
        'weights.store-staged-before-start @ gcp-on-demand (on-demand)',
        // No AMI means SageMaker's default on g5: driver 470, CUDA 11.4.
        'sagemaker.ami-driver-runs-image @ FormDetector (always-on)',
        'sagemaker.inference-ami-instance @ FormDetectorOnDemand (on-demand)',
        'sagemaker.inference-ami-set @ FormDetector (always-on)',
      ].sort(),
    );
    const line = (id: string) => report.split('\n').find((l) => l.startsWith(`FAIL  ${id} `)) ?? '';
    expect(line('sagemaker.inference-ami-set')).toMatch(/InferenceAmiVersion/);
    expect(line('sagemaker.inference-ami-set')).toMatch(/driver 470/);
    expect(line('sagemaker.inference-ami-instance')).toMatch(/al2-ami-sagemaker-inference-neuron-2/);
    expect(line('sagemaker.inference-ami-instance')).toMatch(/ml\.g5\.xlarge/);
    expect(line('cloud-run.startup-probe-window')).toMatch(/300/);
    expect(line('cloud-run.gcs-volume-gen2')).toMatch(/default execution environment.*EXECUTION_ENVIRONMENT_GEN2/);
    expect(line('weights.store-staged-before-start')).toMatch(
      /google_storage_bucket\.SameStackWeights\S*, created by the same deploy as the service.*ModelWeightsStore/,
    );
    // A warning rule broken is WARN, beside the failures, and fails nothing.
    const warned = checks.filter((c) => c.status === 'WARN');
    expect(warned.map((c) => `${c.rule.id} @ ${c.deployment.label}`)).toEqual([
      'cloud-run.start-window @ gcp-on-demand (on-demand)',
    ]);
    expect(warned[0].detail).toMatch(/can exceed the 300 s start window/);
    expect(line('cloud-run.startup-probe-window')).toContain(
      `<${platformRuleById('cloud-run.startup-probe-window')!.source}>`,
    );
    expect(line('sagemaker.ami-driver-runs-image')).toMatch(/driver 470, CUDA 11\.4\).*CUDA 12\.9/);
    const roles = report.split('\n').filter((l) => l.startsWith('FAIL  azure.role-assignment-propagation '));
    expect(roles.join('\n')).toMatch(
      /azurerm_container_app\.\S+ runs as azurerm_user_assigned_identity\.\S+ and waits for none/,
    );
    expect(roles.join('\n')).toMatch(/azurerm_machine_learning_workspace\.\S+ waits 60 s/);
    expect(report).toMatch(/\d+ pass, 8 fail, 1 warning/);
    expect(report).toMatch(/✖ 8 rule checks failed/);
    // The rest still pass: a failure is reported beside the rules that hold.
    expect(checks.filter((c) => c.status === 'PASS').length).toBeGreaterThan(40);
  });

  test('the command exits 1 on a failure, 0 on the defaults, 2 when there is nothing to check', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const args = (name: string) => ['--cdk-out', dirs(name).cdkOut[0], '--cdktf-out', dirs(name).cdktfOut[0]];
      expect(main(args('tampered'))).toBe(1);
      expect(log.mock.calls.flat().join('\n')).toMatch(/^FAIL {2}sagemaker\.inference-ami-set /m);
      expect(main(args('defaults'))).toBe(0);
      expect(main(['--cdk-out', join(work, 'nowhere')])).toBe(2);
      expect(error.mock.calls.flat().join('\n')).toMatch(/npm run synth/);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });

  test('by default it reads what `npm run synth` leaves: cdk.out, cdktf.out and both under .synth-compare/', () => {
    const base = mkdtempSync(join(work, 'repo-'));
    expect(defaultOutputDirectories(base)).toEqual({
      cdkOut: [join(base, 'cdk.out')],
      cdktfOut: [join(base, 'cdktf.out')],
    });
  });

  test('a synth is reused only while nothing it read has changed, and only when it covered every cloud', () => {
    const base = mkdtempSync(join(work, 'stamp-'));
    mkdirSync(join(base, 'lib'));
    mkdirSync(join(base, '.synth-compare'));
    writeFileSync(join(base, 'lib', 'a.ts'), 'one');
    const environment = { FORM_DETECTOR_MODE: 'always-on' };
    expect(synthIsCurrent(base, environment)).toBe(false);
    writeSynthStamp(base, { fingerprint: synthFingerprint(base, environment), clouds: ['aws'] });
    expect(synthIsCurrent(base, environment)).toBe(false);
    writeSynthStamp(base, { fingerprint: synthFingerprint(base, environment), clouds: ['aws', 'gcp', 'azure'] });
    expect(synthIsCurrent(base, environment)).toBe(true);
    expect(synthIsCurrent(base, { FORM_DETECTOR_MODE: 'on-demand' })).toBe(false);
    writeFileSync(join(base, 'lib', 'a.ts'), 'two');
    expect(synthIsCurrent(base, environment)).toBe(false);
  });
});
