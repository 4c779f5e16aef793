import path from "node:path";
import { fileURLToPath } from "node:url";

/** The package root, found from this file's location so the CLI works from any working directory. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const KNOWLEDGE_DIR = path.join(PACKAGE_ROOT, "knowledge");
export const BUILTIN_CHECKS_DIR = path.join(KNOWLEDGE_DIR, "checks");
export const FRAMEWORKS_DIR = path.join(KNOWLEDGE_DIR, "frameworks");
export const DOCUMENTS_DIR = path.join(KNOWLEDGE_DIR, "documents");
export const SETTINGS_FILE = path.join(KNOWLEDGE_DIR, "settings.yaml");
export const SAMPLE_INVENTORY_FILE = path.join(KNOWLEDGE_DIR, "samples", "demo-account.json");
export const EVENT_TABLE_FILE = path.join(KNOWLEDGE_DIR, "events.yaml");
export const PROMPTS_DIR = path.join(PACKAGE_ROOT, "prompts");
