// The lines of src/model a change brought in, as Stryker mutate ranges (`src/model/x.ts:12-15`), for the
// CI slice (stryker-ci.config.mjs): survivors in the rest of the model cannot come back unnoticed with
// the change that makes them. The base: MUTATION_BASE if set; on a branch, its merge base with main;
// on main itself, the first parent (what the last merge or commit brought in). Only added or changed
// lines of code count (a pure deletion, a comment or a blank line leaves nothing to mutate); at most
// MAX_LINES of them, in file order, so the slice keeps to its time budget: the rest is named on stderr
// and left to the local runs.
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

export const MAX_LINES = 25

const git = (...args) => execFileSync('git', args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim()

function baseCommit() {
  if (process.env.MUTATION_BASE) return process.env.MUTATION_BASE
  const head = git('rev-parse', 'HEAD')
  for (const main of ['main', 'origin/main']) {
    try {
      const base = git('merge-base', 'HEAD', main)
      if (base !== head) return base
      break
    } catch {
      // no such branch in this clone: try the next name
    }
  }
  return git('rev-parse', 'HEAD^1')
}

/** `@@ -a,b +c,d @@` hunks of a zero-context diff -> [file, first, last] of the new side. */
export function addedRanges(diff) {
  const ranges = []
  let file
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) file = line.startsWith('+++ b/') ? line.slice(6) : undefined
    const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line)
    if (!m || file === undefined) continue
    const first = Number(m[1])
    const count = m[2] === undefined ? 1 : Number(m[2])
    if (count > 0) ranges.push([file, first, first + count - 1])
  }
  return ranges
}

const isCode = (text) => !/^\s*(?:$|\/\/|\/\*|\*)/.test(text)

/** Splits [file, first, last] into the runs of its lines that hold code. */
function codeRuns([file, first, last], lines) {
  const runs = []
  for (let n = first; n <= last; n++) {
    if (!isCode(lines[n - 1] ?? '')) continue
    const run = runs.at(-1)
    if (run && run[2] === n - 1) run[2] = n
    else runs.push([file, n, n])
  }
  return runs
}

/** Mutate patterns for the changed lines of src/model outside `exclude` (files mutated in full). */
export function changedModelRanges(exclude) {
  let diff
  try {
    const base = baseCommit()
    diff = git('diff', '-U0', '--no-color', '--no-ext-diff', base, 'HEAD', '--', 'src/model/*.ts', ':!src/model/index.ts')
  } catch {
    process.stderr.write('mutation slice: no git base to compare with; the fixed sample only\n')
    return []
  }
  const patterns = []
  const left = []
  let budget = MAX_LINES
  const sources = new Map()
  const lines = (file) => sources.get(file) ?? sources.set(file, readFileSync(file, 'utf8').split('\n')).get(file)
  const runs = addedRanges(diff).filter(([file]) => !exclude.includes(file)).flatMap((r) => codeRuns(r, lines(r[0])))
  for (const [file, first, last] of runs) {
    const take = Math.min(last - first + 1, budget)
    if (take > 0) patterns.push(`${file}:${first}-${first + take - 1}`)
    if (take < last - first + 1) left.push(`${file}:${first + take}-${last}`)
    budget -= take
  }
  if (patterns.length > 0) process.stderr.write(`mutation slice: changed lines ${patterns.join(' ')}\n`)
  if (left.length > 0) process.stderr.write(`mutation slice: over ${MAX_LINES} changed lines, not mutated here: ${left.join(' ')}\n`)
  return patterns
}
