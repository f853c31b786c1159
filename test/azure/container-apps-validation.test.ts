import { Fn } from 'cdktf';
import type { ContainerAppsGpuDetectorServiceProps } from '../../lib/azure';
import { Duration, type ContainerAppsGpuProfile } from '../../lib/core';
import { MINIMAL_ON_DEMAND_PROPS, synthService } from './helpers';

const build = (props: Partial<ContainerAppsGpuDetectorServiceProps>) => () =>
  synthService({ ...MINIMAL_ON_DEMAND_PROPS, ...props });

describe('ContainerAppsGpuDetectorService refuses bad props at synth, naming the prop, the value and the fix', () => {
  test('an unknown GPU profile', () => {
    expect(build({ gpuProfile: 'Consumption-GPU-NC4as-T4' as ContainerAppsGpuProfile })).toThrow(
      /gpuProfile: got "Consumption-GPU-NC4as-T4"; unknown Container Apps serverless GPU profile; use one of Consumption-GPU-NC8as-T4, Consumption-GPU-NC24-A100/,
    );
  });

  test('a region the catalog knows does not offer serverless GPUs', () => {
    expect(build({ location: 'eastus' })).toThrow(
      /location: got "eastus"; Container Apps serverless GPUs are offered in westus3, australiaeast, swedencentral/,
    );
  });

  test('a negative minimum', () => {
    expect(build({ scaling: { minCapacity: -1 } })).toThrow(/scaling.minCapacity: got -1; use a whole number ≥ 0/);
  });

  test('a minimum above the maximum', () => {
    expect(build({ scaling: { minCapacity: 3, maxCapacity: 2 } })).toThrow(
      /scaling.minCapacity: got 3; minCapacity must not exceed maxCapacity \(2\)/,
    );
  });

  test('more replicas than Container Apps runs', () => {
    expect(build({ scaling: { maxCapacity: 1001 } })).toThrow(
      /scaling.maxCapacity: got 1001; use at most 1000 \(the Container Apps replica limit\)/,
    );
  });

  test('a scale-out cooldown, which Container Apps does not have', () => {
    expect(build({ scaling: { scaleOutCooldown: Duration.minutes(5) } })).toThrow(
      /scaling.scaleOutCooldown: got 300s; Container Apps .* has no scale-out cooldown; leave it out/,
    );
  });

  test('a target concurrency above what the container runs', () => {
    expect(build({ maxConcurrency: 4, scaling: { targetConcurrencyPerInstance: 5 } })).toThrow(
      /scaling.targetConcurrencyPerInstance: got 5; use a whole number from 1 to the container's concurrency \(4\)/,
    );
  });

  test('a request timeout the ingress cannot carry', () => {
    expect(build({ requestTimeout: Duration.seconds(200) })).toThrow(
      /requestTimeout: got 200000; use 1 s to 175 s: Container Apps ingress ends a request at about 240 s/,
    );
  });

  test('a model that does not fit the GPU, under gpuProfile and naming the larger Container Apps profile', () => {
    expect(build({ model: '32B' })).toThrow(
      /gpuProfile: got "Consumption-GPU-NC8as-T4"; .*Choose a GPU with more memory: gpuProfile: 'Consumption-GPU-NC24-A100' \(A100 80 GB\)/,
    );
    expect(build({ model: '32B' })).not.toThrow(/Standard_NC24ads_A100_v4/);
  });

  test('a quantization the T4 cannot run', () => {
    expect(build({ quantization: 'fp8' })).toThrow(/quantization: got "fp8"; fp8 needs compute capability ≥ 8/);
  });

  test('a model load longer than the longest startup probe Container Apps allows', () => {
    expect(build({ modelLoadTimeout: Duration.hours(3) })).toThrow(
      /modelLoadTimeout: got 10800; use 5 minutes to 7260 s \(the longest startup probe Container Apps allows/,
    );
    expect(build({ modelLoadTimeout: Duration.minutes(2) })).toThrow(/modelLoadTimeout: got 120; use 5 minutes/);
  });

  test('probe timings outside the Container Apps limits', () => {
    expect(build({ livenessProbe: { initialDelay: Duration.seconds(120) } })).toThrow(
      /livenessProbe.initialDelay: got 120; use 0 to 60 s \(the Container Apps limit\); the startup probe already waits/,
    );
    expect(build({ readinessProbe: { period: Duration.seconds(300) } })).toThrow(
      /readinessProbe.period: got 300; use 1 to 240 s/,
    );
    expect(build({ livenessProbe: { failureThreshold: 31 } })).toThrow(
      /livenessProbe.failureThreshold: got 31; use 1 to 30/,
    );
    expect(build({ readinessProbe: { successThreshold: 11 } })).toThrow(
      /readinessProbe.successThreshold: got 11; use 1 to 10/,
    );
    expect(build({ livenessProbe: { timeout: Duration.seconds(20) } })).toThrow(
      /livenessProbe.timeout: got 20; use 1 second up to the period \(10s\)/,
    );
  });

  test('a container app name Azure rejects', () => {
    expect(build({ serviceName: 'Forms_Detector' })).toThrow(
      /serviceName: got "Forms_Detector"; 2–32 lowercase letters, digits and hyphens/,
    );
  });

  test('an IP allow-list entry that is not an IPv4 range', () => {
    expect(build({ allowedIpRanges: ['10.0.0.0/16', '10.0.0.0/33'] })).toThrow(
      /allowedIpRanges: got "10.0.0.0\/33"; use an IPv4 address or CIDR range/,
    );
  });

  test('an existing environment without its GPU workload profile name', () => {
    expect(
      build({
        containerAppsEnvironment: {
          id: '/subscriptions/x/resourceGroups/g/providers/Microsoft.App/managedEnvironments/e',
          gpuWorkloadProfileName: ' ',
        },
      }),
    ).toThrow(
      /containerAppsEnvironment.gpuWorkloadProfileName: got " "; name the environment's serverless GPU workload profile/,
    );
  });

  test('an image reference given both whole and in parts', () => {
    expect(build({ image: 'acr.azurecr.io/x:1', imageTag: 'v1' })).toThrow(
      /image: got "acr.azurecr.io\/x:1"; pass either image, or imageRepository\/imageTag/,
    );
  });

  test('a log retention Log Analytics does not offer', () => {
    expect(build({ logRetentionDays: 7 })).toThrow(
      /logRetentionDays: got 7; use a whole number of days from 30 to 730/,
    );
  });

  test('lists every problem in one error', () => {
    expect(build({ location: 'eastus', scaling: { minCapacity: -1 }, serviceName: 'X' })).toThrow(
      /Invalid ContainerAppsGpuDetectorService 'stack\/Detector':\n {2}- scaling.minCapacity: .*\n {2}- location: .*\n {2}- serviceName: /,
    );
  });

  test('skips values only known at deploy time', () => {
    expect(build({ location: Fn.lower('WestUS3'), serviceName: Fn.lower('X') })).not.toThrow();
  });
});
