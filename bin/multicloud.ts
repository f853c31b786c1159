#!/usr/bin/env node
/**
 * The CDKTF app (cdktf.json "app"). Thin wiring only: one block per cloud.
 */
import { App } from 'cdktf';
import { DetectorAzureStack } from '../lib/azure';
import { DEPLOYMENT_MODE_CONTEXT_KEY, DEPLOYMENT_MODE_ENV, resolveDeploymentMode, ValidationErrors } from '../lib/core';
import { DetectorGcpStack } from '../lib/gcp';

const app = new App();

// GCP: Vertex AI (always-on), or Cloud Run with an L4 that scales to zero when FORM_DETECTOR_MODE=on-demand (or the
// context key "mode"). Project and region come from GOOGLE_CLOUD_PROJECT / GOOGLE_REGION. The values after || are
// EXAMPLE PLACEHOLDERS so `cdktf synth` works from a clean clone: set the variables before `cdktf deploy`.
new DetectorGcpStack(app, 'form-detector-gcp', {
  project: process.env.GOOGLE_CLOUD_PROJECT || 'example-project-id',
  region: process.env.GOOGLE_REGION || 'us-central1',
});

// Azure: Azure ML always-on, or Container Apps serverless GPU on demand (FORM_DETECTOR_MODE or context `mode`, read by
// the stack). The subscription comes from ARM_SUBSCRIPTION_ID (read by the provider at plan time), the region from
// AZURE_LOCATION; 'eastus' / 'swedencentral' (serverless GPUs are offered in few regions) are EXAMPLE PLACEHOLDERS
// so `cdktf synth` works from a clean clone.
// Only to pick the placeholder region: an unknown mode is reported by the stack itself, in its one error.
const azureMode = resolveDeploymentMode(
  { context: app.node.tryGetContext(DEPLOYMENT_MODE_CONTEXT_KEY), env: process.env[DEPLOYMENT_MODE_ENV] },
  new ValidationErrors('bin/multicloud.ts'),
);
new DetectorAzureStack(app, 'form-detector-azure', {
  location: process.env.AZURE_LOCATION || (azureMode === 'on-demand' ? 'swedencentral' : 'eastus'),
});

app.synth();
