/**
 * Output files are checked before the run starts, so that a typo in a path fails in a second rather
 * than after the whole run: the path's folder must exist and be writable, and the path itself must
 * not be a folder. (The file is then written atomically, nn/io/node.ts writeFileAtomic.)
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Throws `--<option>: cannot write <path>: <why>` unless a file can be written at `path`. */
export async function checkOutputPath(option: string, path: string): Promise<void> {
  const fail = (why: string) => new Error(`--${option}: cannot write ${path}: ${why}`);
  const target = await stat(path).catch(() => null);
  if (target?.isDirectory()) throw fail('it is a folder');
  const dir = dirname(resolve(path));
  const folder = await stat(dir).catch(() => null);
  if (!folder) throw fail(`the folder ${dir} does not exist`);
  if (!folder.isDirectory()) throw fail(`${dir} is not a folder`);
  // The temporary file of the atomic write is created in the same folder, then renamed over the target.
  await access(dir, constants.W_OK).catch(() => { throw fail(`the folder ${dir} is not writable`); });
}
