/** A retrieved piece of a framework document, with where it came from. */
export interface Passage {
  /** Stable id of the chunk (document id + chunk index + content hash prefix); citations refer to it. */
  id: string;
  framework: string;
  version: string;
  /** The control the passage is about, when the chunk belongs to one control. */
  controlId: string | null;
  score: number;
  text: string;
  /** The document the chunk came from (file name or upload name). */
  source: string;
  /** Section path (headings) and page, when known. */
  location: { section?: string; page?: number };
}

export interface SearchOptions {
  k?: number;
  frameworks?: string[];
  controlIds?: string[];
  version?: string;
  /** Ranking mode; hybrid (reciprocal rank fusion of BM25 and k-NN) by default. */
  mode?: "hybrid" | "bm25" | "vector";
}

/** Retrieval over framework documents: what the analysis model and the chat agent cite. */
export interface KnowledgeSearch {
  search(query: string, options?: SearchOptions): Promise<Passage[]>;
}

/** Text → vector. Every implementation returns L2-normalised vectors of `dimensions` numbers. */
export interface Embedder {
  /** Names the model and its settings; vectors of different ids are never compared. */
  readonly id: string;
  readonly dimensions: number;
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
}
