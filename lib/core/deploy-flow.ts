import type { Cloud } from './gpu-catalog';
import type { DeploymentMode, DeploymentSummary } from './deployment-summary';
import { DEPLOYMENT_MODE_ENV } from './deployment-mode';

/**
 * The order of the first deploy of a deployment that reads a weights store, as `npm run synth` prints it and the
 * READMEs show it: where the store comes from decides whether it is deployed (and staged) before the detector.
 */

/** The deploy command of a stack: `npx cdk deploy <stack>` on AWS, `npx cdktf deploy <stack>` elsewhere. */
export function deployCommand(cloud: Cloud, stack: string, mode: DeploymentMode): string {
  const tool = cloud === 'aws' ? 'cdk' : 'cdktf';
  const env = mode === 'on-demand' ? `${DEPLOYMENT_MODE_ENV}=on-demand ` : '';
  return `${env}npx ${tool} deploy ${stack}`;
}

/** Terraform or CloudFormation references in a command, shown as placeholders the stack outputs fill in. */
function readable(command: string): string {
  return command.replace(/\$\{[^}]*\}/g, '<…>');
}

/**
 * The numbered steps of the first deploy of `summary` (a deployment in `stack`) when it reads a store; undefined when
 * its weights come from Hugging Face (one deploy, nothing to stage).
 */
export function deployFlow(summary: DeploymentSummary, stack: string): string[] | undefined {
  const weights = summary.weights;
  if (!weights?.stagingCommands || !weights.storeCreatedBy) return undefined;
  const deploy = (name: string) => deployCommand(summary.cloud, name, summary.mode);
  const stage = `stage the weights: ${weights.stagingCommands.map(readable).join(' && ')}`;
  const createdBy = weights.storeCreatedBy;
  if (createdBy === 'this-stack') {
    return [
      `1. ${deploy(stack)}   (creates the store; starts no container until the first request)`,
      `2. ${stage}   (the StageWeightsCommand output has the real location)`,
      '3. send the first request: it starts the detector, which reads the staged weights',
    ];
  }
  if (createdBy === 'existing') {
    return [`1. ${stage}   (once, unless they are there already)`, `2. ${deploy(stack)}`];
  }
  return [
    `1. ${deploy(createdBy.stack)}   (the weights store alone)`,
    `2. ${stage}   (the StageWeightsCommand output of ${createdBy.stack} has the real location)`,
    // Worded for every platform: a Cloud Run revision is started once at deploy to check it, even at minimum 0.
    `3. ${deploy(stack)}   (every instance it starts reads the staged weights)`,
  ];
}
