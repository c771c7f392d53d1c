/**
 * Atomic file replacement (Node): checkpoints, results and plots are written so that a crash or a
 * kill at any moment leaves the old file or the new one at `path`, never half of one.
 *   1. write the data to a temporary file beside `path` (same folder: same file system, so rename is atomic);
 *   2. fsync it, so the data is on disk before the name points at it (else a power cut after the rename
 *      could leave the new name on an empty file);
 *   3. rename it over `path` (POSIX: atomic; readers see the old or the new file);
 *   4. fsync the folder, so the rename itself is on disk (skipped where folders cannot be opened: Windows).
 * A writer killed between 1 and 3 leaves its temporary file behind. The next write to the same path
 * removes the temporary files of writers that are no longer running (named `.<file>.<pid>.<n>.tmp`,
 * a process id that does not exist any more), so they do not pile up across kills.
 */
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let writes = 0;

/** Writes `data` to a temporary file beside `path`, flushes it, renames it over `path`, then flushes the folder. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const name = basename(path);
  await removeAbandonedTemps(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.${++writes}.tmp`);
  try {
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncFolder(dir);
}

/** Flushes a folder's entries (a rename) to disk; a no-op where a folder cannot be opened. */
async function syncFolder(dir: string): Promise<void> {
  const folder = await open(dir, 'r').catch(() => null);
  if (!folder) return;
  try {
    await folder.sync().catch(() => undefined); // some file systems refuse fsync on a folder
  } finally {
    await folder.close();
  }
}

/** Removes `.<name>.<pid>.<n>.tmp` files in `dir` whose writer process no longer exists. */
async function removeAbandonedTemps(dir: string, name: string): Promise<void> {
  const prefix = `.${name}.`;
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(prefix) || !entry.endsWith('.tmp')) continue;
    const match = /^(\d+)\.\d+\.tmp$/.exec(entry.slice(prefix.length));
    if (match && !isRunning(Number(match[1]))) await rm(join(dir, entry), { force: true });
  }
}

/** True while a process with this id exists (signal 0 only checks; EPERM: it exists, owned by another user). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
