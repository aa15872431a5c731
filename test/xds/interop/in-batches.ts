// Runs `count` calls in batches of at most `size` at once, started in order; results in call order.
export async function inBatches<T>(count: number, call: () => Promise<T>, size = 20): Promise<T[]> {
  const results: T[] = [];
  while (results.length < count) {
    const batch = Array.from({ length: Math.min(size, count - results.length) }, call);
    results.push(...(await Promise.all(batch)));
  }
  return results;
}
