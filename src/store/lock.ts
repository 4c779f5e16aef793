import { randomBytes } from "node:crypto";
import { link, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { LockedError } from "../errors.ts";

export interface DirectoryLock {
  release(): Promise<void>;
}

/**
 * A lock file without a readable pid (an older EnforceAI wrote it with open-then-write and stopped in between,
 * or a disk filled up) counts as held for this long after it was last written: its writer may still be about
 * to write the pid. Older than this it is abandoned.
 */
const UNREADABLE_LOCK_GRACE_MS = 10_000;
/** How long one process waits for another's takeover of a stale lock before it gives up. */
const TAKEOVER_ATTEMPTS = 200;
const TAKEOVER_PAUSE_MS = 10;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

type LockState =
  | { kind: "missing" }
  /** The file names a pid: `content` is what was read, so a takeover can make sure it removes just that. */
  | { kind: "owned"; pid: number; content: string }
  /** Empty or not a pid: held unless it is older than the grace period. */
  | { kind: "unparsed"; content: string; ageMs: number }
  /** Exists but cannot be read (permissions, a directory): held, and someone has to look at it. */
  | { kind: "unreadable"; reason: string };

async function readLock(file: string): Promise<LockState> {
  let content: string;
  try {
    content = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    return { kind: "unreadable", reason: code ?? String(error) };
  }
  const pid = /^(\d+)\n/.exec(content)?.[1];
  if (pid !== undefined) return { kind: "owned", pid: Number(pid), content };
  const modified = await stat(file).then(
    (s) => s.mtimeMs,
    () => Date.now(),
  );
  return { kind: "unparsed", content, ageMs: Date.now() - modified };
}

/** Whether the state proves the holder is gone (a lock naming this process is ours to take over). */
function abandoned(state: LockState): boolean {
  if (state.kind === "owned") return state.pid === process.pid || !isAlive(state.pid);
  if (state.kind === "unparsed") return state.ageMs > UNREADABLE_LOCK_GRACE_MS;
  return false;
}

/** link() fails with EEXIST when the target exists: creating the lock and filling it is one step. */
async function linkIfAbsent(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function inUse(dir: string, state: LockState): LockedError {
  if (state.kind === "owned") {
    return new LockedError(
      `the embedded database in ${dir} is in use by another EnforceAI process (pid ${state.pid}); ` +
        "stop it, or point ENFORCEAI_HOME elsewhere, or use DATABASE_URL for a shared PostgreSQL",
      { pid: state.pid, dir },
    );
  }
  const why =
    state.kind === "unreadable"
      ? `its lock file cannot be read (${state.reason}); check it and remove it if no EnforceAI process uses ${dir}`
      : "another process is taking its lock right now";
  return new LockedError(`the embedded database in ${dir} is in use: ${why}`, { dir });
}

/**
 * Removes a stale lock and takes it, serialised by a second lock file (`<lock>.takeover`): only its holder
 * may delete the lock file, and it deletes it only when the content is still the stale content it judged.
 * Without that, two processes that both saw the same dead pid could each delete the lock and one of them
 * would delete the other's fresh one.
 */
async function takeOver(
  lockFile: string,
  stale: LockState,
  ours: string,
): Promise<"taken" | "changed" | "busy"> {
  const guard = `${lockFile}.takeover`;
  if (!(await linkIfAbsent(ours, guard))) {
    // A takeover is under way; its guard is stale only if the process holding it died.
    const other = await readLock(guard);
    if (other.kind === "owned" && other.pid !== process.pid && !isAlive(other.pid)) {
      const again = await readLock(guard);
      if (again.kind === "owned" && again.content === other.content) await unlink(guard).catch(() => {});
    }
    return "busy";
  }
  try {
    const now = await readLock(lockFile);
    if (now.kind !== "missing") {
      const unchanged = "content" in now && "content" in stale && now.content === stale.content;
      if (!unchanged) return "changed";
      await unlink(lockFile).catch(() => {});
    }
    return (await linkIfAbsent(ours, lockFile)) ? "taken" : "changed";
  } finally {
    await unlink(guard).catch(() => {});
  }
}

/**
 * PGlite is single-process: two processes on one data directory would corrupt it. The lock file holds the
 * owner's pid and a nonce of this acquisition. It is written in full to a private file first and then
 * hard-linked to the lock path, so no other process can ever see it empty; a lock left by a dead process is
 * taken over (one process at a time), a live one is refused with a clear message.
 */
export async function acquireDirectoryLock(lockFile: string, dir: string): Promise<DirectoryLock> {
  const nonce = randomBytes(8).toString("hex");
  const content = `${process.pid}\n${nonce}\n`;
  const ours = `${lockFile}.${process.pid}.${nonce}`;
  await writeFile(ours, content, { flag: "wx" });
  const held: DirectoryLock = {
    async release() {
      // The file is ours only while it holds our nonce; a takeover in this process may have replaced it.
      const now = await readLock(lockFile);
      if (now.kind === "owned" && now.content === content) await unlink(lockFile).catch(() => {});
    },
  };
  try {
    for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
      if (await linkIfAbsent(ours, lockFile)) return held;
      const state = await readLock(lockFile);
      if (state.kind === "missing") continue; // released in between: try again
      if (!abandoned(state)) throw inUse(dir, state);
      const outcome = await takeOver(lockFile, state, ours);
      if (outcome === "taken") return held;
      if (outcome === "busy") await pause(TAKEOVER_PAUSE_MS);
    }
    throw new LockedError(`could not lock ${dir}; other processes kept taking the lock`, { dir });
  } finally {
    await unlink(ours).catch(() => {});
  }
}
