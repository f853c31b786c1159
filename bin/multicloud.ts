#!/usr/bin/env node
/**
 * The CDKTF app (cdktf.json "app"). Thin wiring only: one block per cloud.
 */
import { App } from 'cdktf';
import { DetectorAzureStack } from '../lib/azure';
import { DetectorGcpStack } from '../lib/gcp';

const app = new App();

// GCP Vertex AI. Project and region come from GOOGLE_CLOUD_PROJECT / GOOGLE_REGION. The values after ?? are EXAMPLE
// PLACEHOLDERS so `cdktf synth` works from a clean clone: set the variables before `cdktf deploy`.
new DetectorGcpStack(app, 'form-detector-gcp', {
  project: process.env.GOOGLE_CLOUD_PROJECT || 'example-project-id',
  region: process.env.GOOGLE_REGION || 'us-central1',
});

// Azure ML. The subscription comes from ARM_SUBSCRIPTION_ID (read by the provider at plan time), the region from
// AZURE_LOCATION; 'eastus' is an EXAMPLE PLACEHOLDER so `cdktf synth` works from a clean clone.
new DetectorAzureStack(app, 'form-detector-azure', { location: process.env.AZURE_LOCATION || 'eastus' });

app.synth();
