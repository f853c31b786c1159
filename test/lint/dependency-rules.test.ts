/**
 * The dependency direction (bin → lib/{aws,gcp,azure,client} → lib/core → the container's contract) is enforced by
 * eslint; these tests lint small sources as if they sat at those paths, through the real eslint CLI and config.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const repo = resolve(__dirname, '..', '..');
const eslint = join(repo, 'node_modules', 'eslint', 'bin', 'eslint.js');

function lint(filePath: string, source: string): string[] {
  const result = spawnSync(process.execPath, [eslint, '--format', 'json', '--stdin', '--stdin-filename', filePath], {
    cwd: repo,
    input: source,
    encoding: 'utf8',
  });
  const [report] = JSON.parse(result.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return report.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const use = (name: string) => `\nexport const used = ${name};\n`;

describe('dependency rules', () => {
  test.each([
    ["import { Stack } from 'aws-cdk-lib';", 'Stack'],
    ["import { Duration } from 'aws-cdk-lib/core';", 'Duration'],
    ["import { TerraformStack } from 'cdktf';", 'TerraformStack'],
    ["import { Construct } from 'constructs';", 'Construct'],
    ["import { VertexAiEndpoint } from '@cdktf/provider-google/lib/vertex-ai-endpoint';", 'VertexAiEndpoint'],
    ["import { DetectorAwsStack } from '../aws';", 'DetectorAwsStack'],
  ])('lib/core may not import %s', (importLine, name) => {
    expect(lint('lib/core/probe.ts', importLine + use(name))).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*lib\/core (is cloud-neutral|must not import a cloud module)/),
    ]);
  });

  test('lib/core may import the container contract', () => {
    expect(
      lint('lib/core/probe.ts', "import { ENV } from '../../inference-container/src/contract';" + use('ENV')),
    ).toEqual([]);
  });

  test.each([
    ['lib/aws/probe.ts', "import { VertexDetectorEndpoint } from '../gcp';", 'VertexDetectorEndpoint'],
    ['lib/gcp/probe.ts', "import { DetectorAwsStack } from '../aws';", 'DetectorAwsStack'],
    ['lib/azure/probe.ts', "import { DetectorGcpStack } from '../gcp';", 'DetectorGcpStack'],
  ])('%s may not import another cloud', (path, importLine, name) => {
    expect(lint(path, importLine + use(name))).toEqual([expect.stringMatching(/must not import another cloud/)]);
  });

  test('the container never imports lib/', () => {
    expect(lint('inference-container/src/probe.ts', "import { ENV } from '../../lib/core';" + use('ENV'))).toEqual([
      expect.stringMatching(/The container must not import lib\//),
    ]);
  });
});
