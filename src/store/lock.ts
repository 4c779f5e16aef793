import { open, readFile, unlink } from "node:fs/promises";
import { LockedError } from "../errors.ts";

export interface DirectoryLock {
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite is single-process: two processes on one data directory would corrupt it. The lock file holds the
 * owner's pid; a lock left by a dead process is taken over, a live one is refused with a clear message.
 */
export async function acquireDirectoryLock(lockFile: string, dir: string): Promise<DirectoryLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, "wx");
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return {
        async release() {
          const owner = await readFile(lockFile, "utf8").catch(() => "");
          if (Number.parseInt(owner, 10) === process.pid) await unlink(lockFile).catch(() => {});
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(await readFile(lockFile, "utf8").catch(() => ""), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new LockedError(
          `the embedded database in ${dir} is in use by another EnforceAI process (pid ${owner}); ` +
            "stop it, or point ENFORCEAI_HOME elsewhere, or use DATABASE_URL for a shared PostgreSQL",
          { pid: owner, dir },
        );
      }
      // Stale lock from a process that died: remove it and try once more.
      await unlink(lockFile).catch(() => {});
    }
  }
  throw new LockedError(`could not lock ${dir}; another process keeps taking the lock`);
}
