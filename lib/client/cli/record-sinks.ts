/**
 * Where `form-detect` puts records: a JSONL file appended and synced record by record (the crash-safe choice), a JSON
 * array written once at the end (a file or stdout), or per-input output files (templates, fillable PDFs) that the
 * work itself writes atomically. Each can tell `--resume` which inputs an earlier run finished.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BatchRecord, BatchSink } from './batch-runner';
import { UsageError } from './endpoint-options';
import type { TextSink } from './progress';

/** Writes to a temporary file beside `path`, then renames it over `path`: readers never see half a file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.partial`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

/** The records of a JSONL file; a last line cut short by a crash is ignored. */
export async function readJsonl<R>(path: string): Promise<R[]> {
  if (!existsSync(path)) return [];
  const records: R[] = [];
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as R);
    } catch {
      // a partial line from an interrupted write
    }
  }
  return records;
}

/**
 * One JSON line per input, in the order inputs finish, each written and synced to disk before the next is taken.
 * With resume, the file is first rewritten with only its successful records (failed inputs are done again).
 */
export class JsonlSink<R extends BatchRecord> implements BatchSink<R> {
  private handle: FileHandle | undefined;

  constructor(private readonly path: string) {}

  async open(resume: boolean): Promise<Set<string>> {
    const kept = resume ? (await readJsonl<R>(this.path)).filter((record) => record.ok) : [];
    await writeFileAtomic(this.path, kept.map((record) => `${JSON.stringify(record)}\n`).join(''));
    this.handle = await open(this.path, 'a');
    return new Set(kept.map((record) => record.file));
  }

  async write(record: R): Promise<void> {
    await this.handle!.write(`${JSON.stringify(record)}\n`);
    await this.handle!.datasync();
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}

/** A JSON array of records in input order, written at the end — to a file (atomically) or to stdout. */
export class JsonArraySink<R extends BatchRecord> implements BatchSink<R> {
  private previous: R[] = [];

  constructor(private readonly target: { path: string } | { stdout: TextSink }) {}

  async open(resume: boolean): Promise<Set<string>> {
    if (resume && 'path' in this.target && existsSync(this.target.path)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(this.target.path, 'utf8'));
      } catch {
        parsed = undefined;
      }
      if (!Array.isArray(parsed)) {
        throw new UsageError(
          `--resume: ${this.target.path} is not a JSON array of records; give the file an earlier run wrote, or write JSON lines (--out file.jsonl), which survive a crash`,
        );
      }
      this.previous = (parsed as R[]).filter((record) => record?.ok === true);
    }
    return new Set(this.previous.map((record) => record.file));
  }

  async write(): Promise<void> {}

  async close(records: R[]): Promise<void> {
    const text = `${JSON.stringify([...this.previous, ...records], null, 2)}\n`;
    if ('path' in this.target) await writeFileAtomic(this.target.path, text);
    else this.target.stdout.write(text);
  }
}

/** The work writes one output file per input (`outputs`: input → path); an input is finished when its output exists. */
export class OutputFilesSink<R extends BatchRecord> implements BatchSink<R> {
  constructor(private readonly outputs: ReadonlyMap<string, string>) {}

  async open(resume: boolean): Promise<Set<string>> {
    for (const directory of new Set([...this.outputs.values()].map((path) => dirname(path)))) {
      await mkdir(directory, { recursive: true });
    }
    if (!resume) return new Set();
    return new Set([...this.outputs].filter(([, output]) => existsSync(output)).map(([input]) => input));
  }

  async write(): Promise<void> {}

  async close(): Promise<void> {}
}
