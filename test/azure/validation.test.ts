import { Fn } from 'cdktf';
import type { AzureInstanceType } from '../../lib/core';
import { Duration } from '../../lib/core';
import type { AzureMlDetectorEndpointProps, AzureMlAuthMode } from '../../lib/azure';
import { MINIMAL_PROPS, synthEndpoint } from './helpers';

const build = (props: Partial<AzureMlDetectorEndpointProps>) => () => synthEndpoint({ ...MINIMAL_PROPS, ...props });

describe('AzureMlDetectorEndpoint refuses bad props at synth, naming the prop, the value and the fix', () => {
  test('a request timeout the endpoint cannot outlast (Azure allows at most 180 s)', () => {
    expect(build({ requestTimeout: Duration.seconds(181) })).toThrow(
      /requestTimeout: got 181000; use 1 s to 175 s: Azure ML allows request_timeout_ms up to 180 s/,
    );
  });

  test('zero instances', () => {
    expect(build({ instanceCount: 0 })).toThrow(
      /instanceCount: got 0; .*managed online endpoints cannot run zero instances/,
    );
  });

  test('an instance count outside the autoscale range', () => {
    expect(build({ instanceCount: 3 })).toThrow(
      /instanceCount: got 3; use a whole number from scaling.minCapacity \(1\) to scaling.maxCapacity \(2\)/,
    );
  });

  test('scaling to zero', () => {
    expect(build({ scaling: { minCapacity: 0 } })).toThrow(/scaling.minCapacity: got 0; .*cannot scale to zero/);
  });

  test('min capacity above max capacity', () => {
    expect(build({ scaling: { minCapacity: 3, maxCapacity: 2 } })).toThrow(
      /scaling.minCapacity: got 3; minCapacity must not exceed maxCapacity \(2\)/,
    );
  });

  test('an unknown VM size', () => {
    expect(build({ instanceType: 'Standard_NC6s_v3' as AzureInstanceType })).toThrow(
      /instanceType: got "Standard_NC6s_v3"; unknown Azure ML GPU instance type; use one of Standard_NC4as_T4_v3, Standard_NC24ads_A100_v4/,
    );
  });

  test('the 32B model on a T4, naming the size that fits', () => {
    expect(build({ model: '32B' })).toThrow(/instanceType: got "Standard_NC4as_T4_v3"; .*Standard_NC24ads_A100_v4/);
  });

  test('fp8 on a T4, which has no FP8 kernels', () => {
    expect(build({ quantization: 'fp8' })).toThrow(
      /quantization: got "fp8"; fp8 needs compute capability ≥ 8 but T4 has 7.5/,
    );
  });

  test('a cooldown Azure Monitor autoscale cannot take', () => {
    expect(build({ scaling: { scaleOutCooldown: Duration.seconds(30) } })).toThrow(
      /scaling.scaleOutCooldown: got "30 s"; use whole minutes, at least 1.*\[azure-monitor\.autoscale-cooldown: https:\/\/registry\.terraform\.io\/providers\/hashicorp\/azurerm\/4\.55\.0\/docs\/resources\/monitor_autoscale_setting\]/,
    );
  });

  test('an unknown auth mode', () => {
    expect(build({ authMode: 'aml_token' as AzureMlAuthMode })).toThrow(
      /authMode: got "aml_token"; use one of key, aad_token/,
    );
  });

  test('an endpoint name Azure rejects', () => {
    expect(build({ endpointName: '1-detector' })).toThrow(
      /endpointName: got "1-detector"; 3–32 letters, digits and hyphens/,
    );
  });

  test('a deployment name Azure rejects', () => {
    expect(build({ deploymentName: 'blue_green' })).toThrow(/deploymentName: got "blue_green"; 3–32 letters/);
  });

  test('an image repository or tag Docker rejects', () => {
    expect(build({ imageRepository: 'Form Detector' })).toThrow(/imageRepository: got "Form Detector"; use lowercase/);
    expect(build({ imageTag: 'v1:latest' })).toThrow(/imageTag: got "v1:latest"; use up to 128 letters/);
  });

  test('an image and an image tag at once', () => {
    expect(build({ image: 'mcr.microsoft.com/x:1' })).toThrow(
      /image: got "mcr.microsoft.com\/x:1"; pass either image, or imageRepository\/imageTag/,
    );
  });

  test('a readiness probe that gives up before the model has loaded', () => {
    expect(build({ readinessProbe: { failureThreshold: 10 } })).toThrow(
      /readinessProbe: got "initialDelay 300s \+ 10 × 10s = 400s"; the probe gives up before modelLoadTimeout \(1800s\)/,
    );
  });

  test('a model load budget out of range', () => {
    expect(build({ modelLoadTimeout: Duration.hours(3) })).toThrow(
      /modelLoadTimeout: got 10800; use 5 minutes to 2 hours/,
    );
  });

  test('a liveness success threshold other than 1', () => {
    expect(build({ livenessProbe: { successThreshold: 2 } })).toThrow(/livenessProbe.successThreshold: got 2; use 1/);
  });

  test('a probe timeout longer than its period', () => {
    expect(build({ livenessProbe: { timeout: Duration.seconds(20) } })).toThrow(
      /livenessProbe.timeout: got 20; use 1 second up to the period \(10s\)/,
    );
  });

  test('a probe duration that is not whole seconds', () => {
    expect(build({ livenessProbe: { period: Duration.millis(1500) } })).toThrow(
      /livenessProbe.period: got 1.5s; use a whole number of seconds/,
    );
  });

  test('a failure threshold below 1', () => {
    expect(build({ livenessProbe: { failureThreshold: 0 } })).toThrow(
      /livenessProbe.failureThreshold: got 0; use a whole number ≥ 1/,
    );
  });

  test('autoscale thresholds that are not percentages', () => {
    expect(build({ autoscale: { scaleOutGpuUtilizationPercent: 120 } })).toThrow(
      /autoscale.scaleOutGpuUtilizationPercent: got 120; use a percentage between 0 and 100/,
    );
  });

  test('a scale-in GPU threshold at or above the scale-out one', () => {
    expect(build({ autoscale: { scaleInGpuUtilizationPercent: 70 } })).toThrow(
      /autoscale.scaleInGpuUtilizationPercent: got 70; keep it below scaleOutGpuUtilizationPercent \(70\)/,
    );
  });

  test('a scale-in request rate at or above the scale-out one', () => {
    expect(
      build({ autoscale: { scaleOutRequestsPerMinutePerInstance: 10, scaleInRequestsPerMinutePerInstance: 10 } }),
    ).toThrow(
      /autoscale.scaleInRequestsPerMinutePerInstance: got 10; keep it below scaleOutRequestsPerMinutePerInstance \(10\)/,
    );
  });

  test('a request rate threshold below zero', () => {
    expect(build({ autoscale: { scaleOutRequestsPerMinutePerInstance: -1 } })).toThrow(
      /autoscale.scaleOutRequestsPerMinutePerInstance: got -1; use a positive number/,
    );
  });

  test('a log retention Log Analytics does not offer', () => {
    expect(build({ logRetentionDays: 7 })).toThrow(
      /logRetentionDays: got 7; use a whole number of days from 30 to 730/,
    );
  });

  test('an existing workspace without its resource group', () => {
    expect(
      build({
        workspace: {
          name: 'ws',
          id: '/subscriptions/x/resourceGroups/y/providers/Microsoft.MachineLearningServices/workspaces/ws',
        },
      }),
    ).toThrow(/resourceGroup: got undefined; an existing workspace needs its resource group too/);
  });

  test('a location that is not a region name', () => {
    expect(build({ location: 'east-us!' })).toThrow(/location: got "east-us!"; use an Azure region name/);
  });

  test('several problems at once, in one error', () => {
    let message = '';
    try {
      build({ instanceCount: 0, requestTimeout: Duration.seconds(200), endpointName: 'x' })();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Invalid AzureMlDetectorEndpoint 'stack\/Detector':\n/);
    expect(message).toContain('  - requestTimeout: got 200000');
    expect(message).toContain('  - instanceCount: got 0');
    expect(message).toContain('  - endpointName: got "x"');
  });

  test('values only known at deploy time are not judged', () => {
    expect(build({ endpointName: Fn.lower('Forms-Prod') })).not.toThrow();
    expect(build({ instanceCount: Fn.max([1]) })).not.toThrow();
  });
});
