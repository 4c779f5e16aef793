/**
 * Runs `enforceai serve` / `enforceai chat` as a user would, in a child process. Until src/cli/main.ts registers
 * the commands, the same command functions run through a minimal commander program.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { PACKAGE_ROOT } from "../../src/paths.ts";

const BIN = path.join(PACKAGE_ROOT, "bin", "enforceai.js");

let registered: Set<string> | undefined;
function registeredCommands(): Set<string> {
  registered ??= new Set(
    [
      ...execFileSync(process.execPath, [BIN, "--help"], { cwd: PACKAGE_ROOT, encoding: "utf8" }).matchAll(
        /^ {2}(\w+)/gm,
      ),
    ].map((m) => m[1]!),
  );
  return registered;
}

function argvFor(command: "serve" | "chat", args: string[]): string[] {
  if (registeredCommands().has(command)) return [BIN, command, ...args];
  const register = command === "serve" ? "registerServe" : "registerChat";
  const program = `
    const { Command } = await import("commander");
    const { ${register} } = await import("./src/cli/commands/${command}.ts");
    const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
    const program = new Command("enforceai").exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
    ${register}(program, io, () => ({}));
    try {
      await program.parseAsync(["node", "enforceai", "${command}", ...process.argv.slice(1)]);
    } catch (error) {
      process.stderr.write("enforceai: " + error.message + "\\n");
      process.exitCode = error.exitCode ?? 3;
    }
  `;
  return ["--import", "tsx", "-e", program, "--", ...args];
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCommand(
  command: "serve" | "chat",
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 120_000,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      argvFor(command, args),
      {
        cwd: PACKAGE_ROOT,
        env: { ...process.env, NO_COLOR: "1", ...env },
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export function spawnCommand(
  command: "serve" | "chat",
  args: string[],
  env: Record<string, string | undefined>,
): ChildProcess {
  return spawn(process.execPath, argvFor(command, args), {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}
