/**
 * Multipart uploads (one document per request) with busboy: the file is held in memory up to the limit (a byte
 * more is a 413, before the rest is read), only document types are accepted (415 otherwise), and form fields
 * are small text values.
 */
import path from "node:path";
import busboy from "busboy";
import type { Request } from "express";
import { unstorableTextReason } from "../domain/text.ts";
import type { DocumentFormat } from "../knowledge/loaders.ts";
import { HttpProblem, validationProblem } from "./problem.ts";

export interface UploadedFile {
  filename: string;
  mimeType: string;
  bytes: Buffer;
  format: DocumentFormat;
}

export interface Upload {
  fields: Record<string, string>;
  file: UploadedFile;
}

const BY_EXTENSION: Record<string, DocumentFormat> = {
  ".md": "markdown",
  ".markdown": "markdown",
  ".txt": "text",
  ".text": "text",
  ".html": "html",
  ".htm": "html",
  ".pdf": "pdf",
};

const BY_MIME: Record<string, DocumentFormat> = {
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
  "text/plain": "text",
  "text/html": "html",
  "application/xhtml+xml": "html",
  "application/pdf": "pdf",
};

export const ACCEPTED_UPLOAD_TYPES = Object.keys(BY_MIME);

/** The document format of an upload, from its declared type and name; undefined when it is no document type. */
export function uploadFormat(filename: string, mimeType: string): DocumentFormat | undefined {
  const mime = mimeType.toLowerCase().split(";")[0]!.trim();
  const byExt = BY_EXTENSION[path.extname(filename).toLowerCase()];
  const byMime = BY_MIME[mime];
  if (byMime && byExt && byMime !== byExt && !(byMime === "text" && byExt === "markdown")) return undefined;
  if (byMime) return byExt ?? byMime;
  // Generic types say nothing: the extension decides.
  if (mime === "application/octet-stream" || mime === "") return byExt;
  return undefined;
}

export function readUpload(req: Request, maxBytes: number): Promise<Upload> {
  const type = req.headers["content-type"] ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new HttpProblem(415, "upload the document as multipart/form-data with a `file` part", {
      kind: "unsupported-media-type",
    });
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes + 64 * 1024) {
    throw new HttpProblem(413, `the upload is larger than the ${maxBytes}-byte limit for one document`, {
      kind: "payload-too-large",
    });
  }
  return new Promise<Upload>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 12 },
      });
    } catch (error) {
      reject(
        validationProblem([{ path: "body", message: `not a readable multipart body: ${String(error)}` }]),
      );
      return;
    }
    const fields: Record<string, string> = {};
    let file: UploadedFile | undefined;
    let failure: HttpProblem | undefined;
    const fail = (problem: HttpProblem) => {
      failure ??= problem;
    };
    bb.on("field", (name, value, info) => {
      if (info.valueTruncated) fail(validationProblem([{ path: `body.${name}`, message: "is too long" }]));
      // Form fields reach the store like JSON bodies do, so they hold to the same storable-text rule.
      // busboy may hand over a part without a name or value: this runs in an event handler, where a throw
      // would take the whole server down, so only strings are looked at.
      const badName = typeof name === "string" ? unstorableTextReason(name) : undefined;
      const unstorable = badName
        ? `a field name ${badName}`
        : typeof value === "string"
          ? unstorableTextReason(value)
          : undefined;
      if (unstorable)
        fail(validationProblem([{ path: badName ? "body" : `body.${name}`, message: unstorable }]));
      fields[name] = value;
    });
    bb.on("file", (name, stream, info) => {
      if (name !== "file") {
        stream.resume();
        fail(
          validationProblem([
            { path: `body.${name}`, message: "unexpected file part; send the document as `file`" },
          ]),
        );
        return;
      }
      const format = uploadFormat(info.filename ?? "", info.mimeType ?? "");
      if (!format) {
        stream.resume();
        fail(
          new HttpProblem(
            415,
            `${info.filename || "the file"} (${info.mimeType}) is not a document type EnforceAI ingests; send Markdown, text, HTML or PDF`,
            { kind: "unsupported-media-type" },
          ),
        );
        return;
      }
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("limit", () =>
        fail(
          new HttpProblem(
            413,
            `${info.filename} is larger than the ${maxBytes}-byte limit for one document`,
            {
              kind: "payload-too-large",
            },
          ),
        ),
      );
      stream.on("end", () => {
        file = {
          filename: info.filename || "upload",
          mimeType: info.mimeType,
          bytes: Buffer.concat(chunks),
          format,
        };
      });
    });
    bb.on("filesLimit", () =>
      fail(validationProblem([{ path: "body.file", message: "send one document per request" }])),
    );
    bb.on("partsLimit", () => fail(validationProblem([{ path: "body", message: "too many parts" }])));
    bb.on("fieldsLimit", () => fail(validationProblem([{ path: "body", message: "too many fields" }])));
    bb.on("error", (error) =>
      reject(
        failure ??
          validationProblem([{ path: "body", message: `not a readable multipart body: ${String(error)}` }]),
      ),
    );
    bb.on("close", () => {
      if (failure) return reject(failure);
      if (!file)
        return reject(validationProblem([{ path: "body.file", message: "the `file` part is missing" }]));
      resolve({ fields, file });
    });
    req.pipe(bb);
  });
}
