#!/usr/bin/env node
// The CDK app of cdk.json: one DetectorAwsStack, configured by context (see lib/aws/README.md), checked by cdk-nag.
// `-c mode=on-demand` deploys the scale-to-zero inference component instead of the always-on endpoint.
import { App, Validations } from 'aws-cdk-lib/core';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DetectorAwsStack } from '../lib/aws';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new DetectorAwsStack(app, String(app.node.tryGetContext('stackName') ?? 'FormDetector'), {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
