import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { App, LocalBackend, TerraformBackend, type TerraformStack } from 'cdktf';

/**
 * The local state of a ready-made Terraform stack (DetectorGcpStack, DetectorAzureStack) that has no backend of its
 * own: `terraform.<stack id>.tfstate` in the project directory, where cdktf's default puts it, but named by a path
 * relative to the stack's working directory (`<outdir>/stacks/<id>`), so the synthesized JSON holds no absolute path
 * and is the same on every machine (cdktf's default writes the absolute path of the current directory).
 *
 * Call it from the stack's `ensureBackendExists()` override: cdktf calls that at synth, so a backend added to the
 * stack (e.g. a GcsBackend or an AzurermBackend) wins and nothing local is added.
 */
export function relativeLocalBackend(stack: TerraformStack): TerraformBackend {
  const existing = stack.node.findAll().find((c): c is TerraformBackend => TerraformBackend.isBackend(c));
  if (existing) return existing;
  const outdir = resolve(App.of(stack).outdir);
  const cwd = process.cwd();
  // The project directory: the current one when the output is inside it (`cdktf synth`), else the output's parent.
  const project = outdir.startsWith(`${cwd}${sep}`) ? cwd : dirname(outdir);
  const workingDirectory = join(outdir, 'stacks', stack.node.id);
  return new LocalBackend(stack, {
    path: relativeTo(workingDirectory, join(project, `terraform.${stack.node.id}.tfstate`)),
  });
}

/** `target` relative to `workingDirectory`, with forward slashes (Terraform and sh accept them everywhere). */
export function relativeTo(workingDirectory: string, target: string): string {
  return relative(resolve(workingDirectory), resolve(target)).split(sep).join(posix.sep);
}
