/**
 * Names for the files a command writes per input (overlays, templates, fillable PDFs): the input's file name
 * without its extension. Where inputs share a name (a directory of forms, each `form/source.pdf`), the name of the
 * directory holding each goes in front (`form-a-source`); where that does not tell them apart either, a count
 * follows (`source-2`). The same inputs in the same order get the same names on every run.
 */
import { basename, dirname, extname } from 'node:path';

const stemOf = (file: string) => basename(file, extname(file));

export function uniqueStems(files: readonly string[]): Map<string, string> {
  const count = (names: string[]) => names.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
  const stems = count(files.map(stemOf));
  const named = files.map((file) => {
    const stem = stemOf(file);
    const parent = basename(dirname(file));
    return stems.get(stem)! > 1 && parent !== '' && parent !== '.' && parent !== '/' ? `${parent}-${stem}` : stem;
  });
  const seen = new Map<string, number>();
  return new Map(
    files.map((file, index) => {
      const name = named[index];
      const n = (seen.get(name) ?? 0) + 1;
      seen.set(name, n);
      return [file, n === 1 ? name : `${name}-${n}`];
    }),
  );
}
