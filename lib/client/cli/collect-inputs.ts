/** Expands input arguments: files as given, directories into their PDF/PNG/JPEG/WebP files (sorted, not recursive). */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

export const INPUT_EXTENSIONS = new Set(['.pdf', '.png', '.jpg', '.jpeg', '.webp']);

export interface CollectedInputs {
  files: string[];
  /** True when an argument was a directory: outputs then go into a directory too. */
  fromDirectory: boolean;
  /** Arguments that could not be used, with the reason. */
  problems: string[];
}

export async function collectInputs(paths: string[]): Promise<CollectedInputs> {
  const files: string[] = [];
  const problems: string[] = [];
  let fromDirectory = false;
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch {
      problems.push(`--image ${path}: no such file or directory`);
      continue;
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    fromDirectory = true;
    const entries = await readdir(path, { withFileTypes: true });
    const inputs = entries
      .filter((entry) => entry.isFile() && INPUT_EXTENSIONS.has(extname(entry.name).toLowerCase()))
      .map((entry) => join(path, entry.name))
      .sort();
    if (inputs.length === 0) {
      problems.push(`--image ${path}: the directory holds no .pdf, .png, .jpg, .jpeg or .webp files`);
    }
    files.push(...inputs);
  }
  return { files: [...new Set(files)], fromDirectory, problems };
}
