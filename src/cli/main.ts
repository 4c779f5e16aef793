import { Command, CommanderError } from "commander";
import { EnforceAIError, errorMessage } from "../errors.ts";
import { registerApprovals } from "./commands/approvals.ts";
import { registerChat } from "./commands/chat.ts";
import { registerDemo } from "./commands/demo.ts";
import { registerEvents } from "./commands/events.ts";
import { registerKeys } from "./commands/keys.ts";
import { registerKnowledge } from "./commands/knowledge.ts";
import { registerLists } from "./commands/lists.ts";
import { registerReport } from "./commands/report.ts";
import { registerScan } from "./commands/scan.ts";
import { registerServe } from "./commands/serve.ts";
import { registerSuppressions } from "./commands/suppressions.ts";
import { registerWatch } from "./commands/watch.ts";
import type { GlobalOptions } from "./context.ts";
import { type Io, processIo } from "./output.ts";

export const VERSION = "0.1.0";

export const EXIT = { ok: 0, findings: 1, usage: 2, runtime: 3 } as const;

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("enforceai")
    .description("AI-assisted compliance governance for AWS")
    .option("--verbose", "show detail on errors and debug logs")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  const globals = () => program.opts<GlobalOptions>();
  registerDemo(program, io, globals);
  registerScan(program, io, globals, setExit);
  registerReport(program, io, globals, setExit);
  registerLists(program, io, globals);
  registerKeys(program, io, globals);
  registerKnowledge(program, io, globals);
  registerApprovals(program, io, globals);
  registerSuppressions(program, io, globals);
  registerServe(program, io, globals);
  registerChat(program, io, globals);
  registerWatch(program, io, globals);
  registerEvents(program, io, globals);
  return program;
}

/** Runs the CLI and returns the exit code of CONTRACT.md: 0 ok, 1 findings, 2 usage/config, 3 runtime. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  // `--version` alone prints ours; anywhere else it belongs to a subcommand (`ingest --version V`).
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; everything else commander rejects is a usage error (already printed).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const verbose = argv.includes("--verbose");
    if (error instanceof EnforceAIError) {
      const lines = error.message.split("\n");
      io.stderr.write(`enforceai: ${verbose ? error.message : lines[0]}\n`);
      if (!verbose && lines.length > 1)
        io.stderr.write(`(${lines.length - 1} more lines; run with --verbose)\n`);
      if (verbose && error.stack) io.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    io.stderr.write(
      `enforceai: unexpected failure: ${errorMessage(error)} (run with --verbose for detail)\n`,
    );
    if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return EXIT.runtime;
  }
}
