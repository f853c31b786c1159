/**
 * The dependency direction (bin → lib/{aws,gcp,azure,client} → lib/core → the container's contract) and the absence
 * of import cycles are enforced by eslint; these tests lint small sources as if they sat at those paths, through the
 * real eslint CLI and config.
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

  test("lib/cdktf (helpers the Terraform clouds share) imports no cloud and no cloud's provider", () => {
    for (const importLine of [
      "import { DetectorAzureStack } from '../azure';",
      "import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';",
    ]) {
      expect(lint('lib/cdktf/probe.ts', `${importLine}${use(importLine.split(' ')[2])}`)).toEqual([
        expect.stringMatching(/lib\/cdktf holds CDKTF helpers only/),
      ]);
    }
  });

  // The partner of each cycle is a real module that already imports the file linted here (through stdin, under that
  // file's path), so the new import closes a loop.
  test.each([
    ['lib/core/sizing.ts', "import { PLATFORM_LIMITS } from '.';", 'PLATFORM_LIMITS', 'its own barrel'],
    [
      'lib/aws/detector-endpoint-foundation.ts',
      "import { DetectorAwsStack } from './detector-aws-stack';",
      'DetectorAwsStack',
      'the stack that builds on it',
    ],
    [
      'inference-container/src/contract.ts',
      "import { loadConfig } from './config';",
      'loadConfig',
      'a module that reads it',
    ],
  ])('%s may not import %s (%s): import cycles are refused', (path, importLine, name) => {
    expect(lint(path, importLine + use(name))).toEqual([
      expect.stringMatching(/^import-x\/no-cycle: Dependency cycle/),
    ]);
  });

  test('a type-only import closes no cycle at run time and is allowed', () => {
    expect(
      lint('lib/core/sizing.ts', "import type { PlatformLimits } from '.';\nexport type Used = PlatformLimits;\n"),
    ).toEqual([]);
  });

  test('the container never imports lib/', () => {
    expect(lint('inference-container/src/probe.ts', "import { ENV } from '../../lib/core';" + use('ENV'))).toEqual([
      expect.stringMatching(/The container must not import lib\//),
    ]);
  });
});
