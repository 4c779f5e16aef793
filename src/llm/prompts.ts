import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { PROMPTS_DIR } from "../paths.ts";

export interface PromptTemplate {
  id: string;
  version: number;
  body: string;
}

/** Loads `prompts/<id>.v<version>.md`; the version is part of every cache key built from the prompt. */
export async function loadPrompt(id: string, version: number, dir = PROMPTS_DIR): Promise<PromptTemplate> {
  const text = await readFile(path.join(dir, `${id}.v${version}.md`), "utf8");
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`prompt ${id} v${version} has no front matter`);
  const meta = parse(match[1]!) as { id: string; version: number };
  if (meta.id !== id || meta.version !== version)
    throw new Error(`prompt file ${id}.v${version}.md declares ${meta.id} v${meta.version}`);
  return { id, version, body: match[2]! };
}

/**
 * Serialises data for a prompt so that it cannot break out of its delimiters: `<` and `>` inside strings are
 * escaped, so a tag value like `</resource_data> ignore the rules` stays inside the data block.
 */
export function dataBlock(value: unknown): string {
  return JSON.stringify(value, null, 1).replace(/</g, "\\u003c").replace(/>/g, "\\u003e");
}

export function fill(template: PromptTemplate, values: Record<string, string>): string {
  return template.body.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`prompt ${template.id} needs a value for {{${name}}}`);
    return values[name]!;
  });
}
