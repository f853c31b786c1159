/** Expands --image arguments: files as given, directories into their PNG/JPEG/WebP files (sorted, not recursive). */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

export interface CollectedImages {
  files: string[];
  /** Arguments that could not be used, with the reason. */
  problems: string[];
}

export async function collectImages(paths: string[]): Promise<CollectedImages> {
  const files: string[] = [];
  const problems: string[] = [];
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
    const entries = await readdir(path, { withFileTypes: true });
    const images = entries
      .filter((entry) => entry.isFile() && IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase()))
      .map((entry) => join(path, entry.name))
      .sort();
    if (images.length === 0) problems.push(`--image ${path}: the directory holds no .png, .jpg, .jpeg or .webp files`);
    files.push(...images);
  }
  return { files: [...new Set(files)], problems };
}
