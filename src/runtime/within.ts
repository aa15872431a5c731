// Waiting for work with a deadline, as every shutdown path does: let the work finish for a
// while, then cut it. The timer never outlives the wait.

/** 'done' when `work` fulfilled within `ms`, else 'expired'; rejects when `work` rejects in time. */
export async function within(work: Promise<unknown>, ms: number): Promise<'done' | 'expired'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), ms);
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}
