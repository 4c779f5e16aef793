import { readFile, stat } from "node:fs/promises";
import { parse, YAMLParseError } from "yaml";
import { z } from "zod";
import { getOrInit } from "../domain/maps.ts";
import type { FrameworkRef } from "../domain/types.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { aggregate, formatZodIssue, yamlFilesBelow } from "./checks.ts";

const controlSchema = z
  .object({
    id: z.string().min(1),
    section: z.string().optional(),
    title: z.string().min(3),
    description: z.string().min(10),
    checks: z.array(z.string()).min(1).optional(),
    manual: z.literal(true).optional(),
    manualReason: z.string().optional(),
  })
  .strict()
  .refine((c) => (c.checks === undefined) !== (c.manual === undefined), {
    message: "a control has either `checks` (a non-empty list of check ids) or `manual: true`, not both",
  });

export const frameworkSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]*$/, "lowercase letters, digits, dots and dashes, e.g. cis-aws-3.0"),
    name: z.string().min(3),
    version: z.string().min(1),
    publisher: z.string().optional(),
    description: z.string().min(10),
    controls: z.array(controlSchema).min(1),
  })
  .strict();

export type FrameworkControl = z.infer<typeof controlSchema>;
export type Framework = z.infer<typeof frameworkSchema> & {
  source: { kind: "builtin" | "custom"; file: string };
};

export interface FrameworkSummary {
  id: string;
  name: string;
  version: string;
  controls: number;
  automatedControls: number;
}

export function summarize(f: Framework): FrameworkSummary {
  return {
    id: f.id,
    name: f.name,
    version: f.version,
    controls: f.controls.length,
    automatedControls: f.controls.filter((c) => c.checks).length,
  };
}

/** Validates one framework file: schema, unique control ids, and that every mapped check exists. */
export function parseFramework(
  file: string,
  text: string,
  knownChecks: ReadonlySet<string>,
  kind: Framework["source"]["kind"],
): Framework {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split("\n")[0] : String(error);
    throw new ValidationError(`${file}: not valid YAML: ${detail}`);
  }
  const result = frameworkSchema.safeParse(raw);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues
        .slice(0, 5)
        .map((i) => formatZodIssue(file, i))
        .join("\n"),
    );
  }
  const seen = new Set<string>();
  const problems: string[] = [];
  result.data.controls.forEach((c, i) => {
    if (seen.has(c.id)) problems.push(`${file}: controls.${i}.id: control "${c.id}" appears twice`);
    seen.add(c.id);
    for (const checkId of c.checks ?? []) {
      if (!knownChecks.has(checkId)) {
        problems.push(`${file}: controls.${i}.checks: control "${c.id}" maps to unknown check "${checkId}"`);
      }
    }
  });
  if (problems.length > 0) throw new ValidationError(problems.join("\n"));
  return { ...result.data, source: { kind, file } };
}

export interface FrameworkSources {
  builtinDir: string;
  /** Extra framework files (ENFORCEAI_FRAMEWORKS_DIR): a framework is added as a file, no code change. */
  customDir?: string;
}

export async function loadFrameworks(
  sources: FrameworkSources,
  knownChecks: ReadonlySet<string>,
): Promise<Framework[]> {
  const frameworks: Framework[] = [];
  const errors: string[] = [];
  const groups: [string, Framework["source"]["kind"]][] = [[sources.builtinDir, "builtin"]];
  if (sources.customDir) {
    if (!(await stat(sources.customDir).catch(() => undefined))?.isDirectory()) {
      throw new ValidationError(
        `ENFORCEAI_FRAMEWORKS_DIR: ${sources.customDir} is not a folder of framework YAML files`,
      );
    }
    groups.push([sources.customDir, "custom"]);
  }
  for (const [dir, kind] of groups) {
    for (const file of await yamlFilesBelow(dir)) {
      try {
        const f = parseFramework(file, await readFile(file, "utf8"), knownChecks, kind);
        const clash = frameworks.find((x) => x.id === f.id);
        if (clash)
          throw new ValidationError(
            `${file}: id: framework "${f.id}" is already defined in ${clash.source.file}`,
          );
        frameworks.push(f);
      } catch (error) {
        if (error instanceof ValidationError) errors.push(error.message);
        else throw error;
      }
    }
  }
  if (errors.length > 0) throw new ValidationError(aggregate("framework", errors), { errors });
  return frameworks;
}

/** check id → every (framework, control) it serves. */
export function frameworkRefsByCheck(frameworks: readonly Framework[]): Map<string, FrameworkRef[]> {
  const refs = new Map<string, FrameworkRef[]>();
  for (const f of frameworks) {
    for (const c of f.controls) {
      for (const checkId of c.checks ?? []) {
        getOrInit(refs, checkId, () => []).push({ framework: f.id, controlId: c.id });
      }
    }
  }
  return refs;
}

/** Resolves `--frameworks a,b`; an unknown id is a usage error that lists the known ones. */
export function selectFrameworks(all: readonly Framework[], ids?: readonly string[]): Framework[] {
  if (!ids || ids.length === 0) return [...all];
  return ids.map((id) => {
    const f = all.find((x) => x.id === id);
    if (!f) {
      throw new NotFoundError(
        `unknown framework "${id}"; known frameworks: ${all.map((x) => x.id).join(", ")}`,
      );
    }
    return f;
  });
}
