// @ts-check
import eslint from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const iacPackages = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdktf', 'cdktf/*', '@cdktf/*', 'cdk-nag'];

/** `../<name>` and `../<name>/*` for each sibling module under lib/. */
const modules = (...names) => names.flatMap((name) => [`../${name}`, `../${name}/*`]);
/** A package and its deep paths. */
const packages = (name) => [name, `${name}/*`];

/** A config block refusing imports that match `patterns` in `files`. */
function restrictImports(files, patterns) {
  return { files: [files], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'cdk.out/**',
      'cdktf.out/**',
      '.synth-compare/**',
      'coverage/**',
      'inference-container/dist/**',
      'inference-container/node_modules/**',
      '**/*.js',
      '**/*.d.ts',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // No import cycles: a module that imports (directly or through others) a module that imports it back loads
    // half-initialized. Only the project's own modules are followed (dependencies are not ours to untangle, and
    // parsing them would make linting slow); type-only imports are erased at compile time and not followed.
    files: ['**/*.ts'],
    ...importX.flatConfigs.typescript,
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  // The core is cloud-neutral: it must load without any IaC framework or provider installed.
  restrictImports('lib/core/**/*.ts', [
    {
      group: iacPackages,
      message: 'lib/core is cloud-neutral: no aws-cdk-lib, constructs, cdktf or provider imports.',
    },
    { group: modules('aws', 'gcp', 'azure', 'client'), message: 'lib/core must not import a cloud module.' },
  ]),
  // The container never imports lib/ (the dependency runs one way: lib → container contract).
  restrictImports('inference-container/**/*.ts', [
    { group: ['**/lib/*', '**/lib'], message: 'The container must not import lib/.' },
    { group: iacPackages, message: 'The container must not import IaC packages.' },
  ]),
  // Cloud modules never import each other (nor another cloud's IaC packages).
  restrictImports('lib/aws/**/*.ts', [
    { group: [...modules('gcp', 'azure'), 'cdktf', '@cdktf/*'], message: 'lib/aws must not import another cloud.' },
  ]),
  restrictImports('lib/gcp/**/*.ts', [
    {
      group: [...modules('aws', 'azure'), 'aws-cdk-lib', 'aws-cdk-lib/*', ...packages('@cdktf/provider-azurerm')],
      message: 'lib/gcp must not import another cloud.',
    },
  ]),
  restrictImports('lib/azure/**/*.ts', [
    {
      group: [...modules('aws', 'gcp'), 'aws-cdk-lib', 'aws-cdk-lib/*', ...packages('@cdktf/provider-google')],
      message: 'lib/azure must not import another cloud.',
    },
  ]),
  // Shared CDKTF helpers of the Terraform clouds: no cloud's provider, no cloud module.
  restrictImports('lib/cdktf/**/*.ts', [
    {
      group: [...modules('aws', 'gcp', 'azure'), 'aws-cdk-lib', 'aws-cdk-lib/*', '@cdktf/provider-*'],
      message: 'lib/cdktf holds CDKTF helpers only: no cloud module or provider.',
    },
  ]),
);
