import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib/core';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { Template } from 'aws-cdk-lib/assertions';
import { DetectorImage } from '../../lib/aws';

/** Fixture account and region: only tests carry environment literals. */
export const TEST_ENV = { account: '123456789012', region: 'us-east-1' };

/** A build context with a Dockerfile, for tests that must not depend on inference-container/. */
export const FIXTURE_IMAGE_DIRECTORY = join(__dirname, 'fixtures', 'image');

export function newStack(id = 'Test'): Stack {
  return new Stack(new App(), id, { env: TEST_ENV });
}

/** An image in an existing ECR repository: no asset, so the synth stays quick. */
export function ecrImage(stack: Stack, tag = 'v1'): DetectorImage {
  return DetectorImage.fromEcrRepository(Repository.fromRepositoryName(stack, 'Images', 'form-detector'), tag);
}

/** The statements of every IAM policy in the template. */
export function policyStatements(template: Template): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties.PolicyDocument
        .Statement,
  );
}
