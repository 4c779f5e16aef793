import type { Command } from "commander";
import type { Severity } from "../../domain/types.ts";
import type { ReportFormat } from "../../report/model.ts";
import { type GlobalOptions, withApp } from "../context.ts";
import type { Io } from "../output.ts";
import {
  failOnExitCode,
  failOnOption,
  formatOption,
  parseFormat,
  parseSeverity,
  renderAndEmit,
} from "./scan.ts";

export function registerReport(
  program: Command,
  io: Io,
  globals: () => GlobalOptions,
  setExit: (code: number) => void,
) {
  program
    .command("report")
    .description("render a stored scan again, in any format")
    .argument("<scanId>", "the scan id (see `enforceai scans list`)")
    .addOption(formatOption())
    .option("--output <file>", "write the report to a file instead of stdout")
    .addOption(failOnOption("exit 1 when a failing finding is at or above this severity"))
    .action(async (scanId: string, opts: { format?: ReportFormat; output?: string; failOn?: Severity }) => {
      const format = parseFormat(opts.format, io);
      const threshold = parseSeverity(opts.failOn);
      await withApp(io, globals(), async (app) => {
        const report = await renderAndEmit(app, io, scanId, format, opts.output);
        setExit(failOnExitCode(report, threshold));
      });
    });
}
