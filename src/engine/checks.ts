import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parse, YAMLParseError } from "yaml";
import type { z } from "zod";
import { ValidationError } from "../errors.ts";
import { type Check, checkSchema, MAX_CONDITION_DEPTH } from "./check-schema.ts";
import {
  type CompiledCondition,
  type CompileOptions,
  ConditionCompileError,
  compileCondition,
} from "./condition.ts";

export interface CompiledCheck {
  check: Check;
  where?: CompiledCondition;
  pass: CompiledCondition;
}

/** Every `.yaml`/`.yml` file below `dir`, sorted, so load order (and so output order) never depends on the disk. */
export async function yamlFilesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string) {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (/\.ya?ml$/.test(e.name)) out.push(full);
    }
  }
  await walk(dir);
  return out.sort();
}

/** One first line that already names the first problem; the rest follow for --verbose. */
export function aggregate(what: string, errors: string[]): string {
  const [first, ...rest] = errors.join("\n").split("\n");
  const head =
    errors.length === 1
      ? `invalid ${what} file: ${first}`
      : `${errors.length} ${what} files are invalid; first: ${first}`;
  return [head, ...rest].join("\n");
}

export function formatZodIssue(file: string, issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
  return `${file}: ${where}: ${issue.message}`;
}

/** Parses and validates one check document; errors name the file and the field. */
export function parseCheck(file: string, text: string, kind: Check["source"]["kind"]): Check {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    // The YAML parser recurses too: a document nested thousands deep overflows it before we can measure it.
    if (error instanceof YAMLParseError && /Maximum call stack size exceeded/.test(error.message)) {
      throw new ValidationError(
        `${file}: nests too deeply to read; conditions may nest at most ${MAX_CONDITION_DEPTH} levels`,
      );
    }
    const detail = error instanceof YAMLParseError ? error.message.split("\n")[0] : String(error);
    throw new ValidationError(`${file}: not valid YAML: ${detail}`);
  }
  return checkFromDocument(file, raw, kind);
}

/** Validates a check document already parsed (a file's YAML, an API request's JSON). */
export function checkFromDocument(file: string, raw: unknown, kind: Check["source"]["kind"]): Check {
  const result = checkSchema.safeParse(raw);
  if (!result.success) {
    const messages = result.error.issues.slice(0, 5).map((i) => formatZodIssue(file, i));
    throw new ValidationError(messages.join("\n"), { file, issues: result.error.issues });
  }
  return { ...result.data, source: { kind, file } };
}

export function compileCheck(check: Check, options: CompileOptions): CompiledCheck {
  try {
    return {
      check,
      where: check.where ? compileCondition(check.where, options, "where") : undefined,
      pass: compileCondition(check.pass, options, "pass"),
    };
  } catch (error) {
    if (error instanceof ConditionCompileError)
      throw new ValidationError(`${check.source.file}: ${error.message}`);
    throw error;
  }
}

export interface CheckSources {
  builtinDir: string;
  /** `ENFORCEAI_CHECKS_DIR`: user checks, validated the same way. */
  customDir?: string;
}

/** Loads built-in and custom checks. A custom check may not reuse a built-in id. */
export async function loadChecks(sources: CheckSources, options: CompileOptions): Promise<CompiledCheck[]> {
  const compiled: CompiledCheck[] = [];
  const seen = new Map<string, string>();
  const errors: string[] = [];
  const groups: [string, Check["source"]["kind"]][] = [[sources.builtinDir, "builtin"]];
  if (sources.customDir) {
    const s = await stat(sources.customDir).catch(() => undefined);
    if (!s?.isDirectory()) {
      throw new ValidationError(
        `ENFORCEAI_CHECKS_DIR: ${sources.customDir} is not a folder; point it at a folder of check YAML files`,
      );
    }
    groups.push([sources.customDir, "custom"]);
  }
  for (const [dir, kind] of groups) {
    for (const file of await yamlFilesBelow(dir)) {
      try {
        const check = parseCheck(file, await readFile(file, "utf8"), kind);
        const earlier = seen.get(check.id);
        if (earlier) throw new ValidationError(`${file}: id: "${check.id}" is already defined in ${earlier}`);
        seen.set(check.id, file);
        compiled.push(compileCheck(check, options));
      } catch (error) {
        if (error instanceof ValidationError) errors.push(error.message);
        else throw error;
      }
    }
  }
  if (errors.length > 0) {
    throw new ValidationError(aggregate("check", errors), { errors });
  }
  return compiled;
}
