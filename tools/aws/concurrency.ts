import pLimit from "p-limit";

/**
 * Runs `fn` over `items` with at most `limit` calls in flight and returns the results in input order.
 * Collectors use it for per-resource calls so that an account with 10k buckets or users neither opens
 * 10k sockets at once nor walks them one by one.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const run = pLimit(Math.max(1, limit));
  return Promise.all(
    items.map((item, index) =>
      run(async () => {
        try {
          return await fn(item, index);
        } catch (error) {
          // After the first failure nothing new starts: the caller gets the error anyway.
          run.clearQueue();
          throw error;
        }
      }),
    ),
  );
}

/** Collects every item of an async iterable (an SDK v3 paginator) page by page. */
export async function collectPages<P, T>(
  pages: AsyncIterable<P>,
  pick: (page: P) => readonly T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

/** Runs at most `limit` of the functions given to it at once; the rest wait their turn in order. */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

export function createLimiter(limit: number): Limiter {
  const run = pLimit(Math.max(1, limit));
  return (fn) => run(fn);
}
