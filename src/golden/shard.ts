import {UsageError} from '../util/errors.js'

export interface Shard {
  readonly index: number
  readonly count: number
}

/** Parses `i/n` (1-based, as in `--shard 2/4`). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  const index = m ? Number(m[1]) : Number.NaN
  const count = m ? Number(m[2]) : Number.NaN
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard takes i/n with 1 <= i <= n (got ${JSON.stringify(text)})`)
  }
  return {index, count}
}

/**
 * The cases of one shard: sorted names dealt round-robin, so every case lands in exactly one shard
 * and the split does not depend on the machine or the order the file system lists them in.
 */
export function selectShard<T extends string>(sortedNames: readonly T[], shard: Shard | undefined): T[] {
  if (!shard) return [...sortedNames]
  return [...sortedNames].sort().filter((_, i) => i % shard.count === shard.index - 1)
}
