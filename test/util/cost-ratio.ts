/**
 * Cost checks by input-size ratio, not by wall-clock limits: two runs over the same number of
 * bytes, timed back to back and each the best of a few, so the load of a shared machine cancels
 * out of their ratio.
 */

/** The best time, in ms, of `reps` runs of `run`. */
async function bestOf(run: () => unknown, reps: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY
  for (let r = 0; r < reps; r++) {
    const started = performance.now()
    await run()
    best = Math.min(best, performance.now() - started)
  }
  return best
}

/**
 * How much more one input of `k * units` costs than `k` inputs of `units` each (the same bytes):
 * about 1 when the cost is linear in the input, about k when it is quadratic.
 */
export async function growth<T>(run: (input: T) => unknown, make: (units: number) => T, units: number, k = 8, reps = 5): Promise<number> {
  const small = make(units)
  const large = make(units * k)
  await run(small)
  await run(large)
  const many = await bestOf(async () => {
    for (let i = 0; i < k; i++) await run(small)
  }, reps)
  const one = await bestOf(() => run(large), reps)
  return one / many
}

/** How much more `run` costs on input `a` than on input `b` (best of a few, interleaved). */
export async function costRatio<T>(run: (input: T) => unknown, a: T, b: T, reps = 5): Promise<number> {
  await run(a)
  await run(b)
  let ta = Number.POSITIVE_INFINITY
  let tb = Number.POSITIVE_INFINITY
  for (let r = 0; r < reps; r++) {
    ta = Math.min(ta, await bestOf(() => run(a), 1))
    tb = Math.min(tb, await bestOf(() => run(b), 1))
  }
  return ta / tb
}
