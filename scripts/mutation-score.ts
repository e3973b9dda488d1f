/**
 * Reads a Stryker JSON report and the committed list of equivalent mutants (test/mutation/
 * equivalent.json), prints the mutation score per folder with and without the equivalents, and lists
 * every survivor that is not justified. With `--min N` exits 1 when a folder's score (equivalents
 * excluded) is below N. Used by `npm run mutation:score` and the CI slice.
 * With `--tests-before LIST.json` (`vitest list --json` of an earlier commit) it also prints the score
 * those tests alone reach: a mutant counts as killed only if one of them killed it. That needs a run
 * with `disableBail` (every covering test runs, so killedBy is complete); a timeout counts as killed.
 * Several reports (runs of separate files or line ranges) are read as one.
 *   tsx scripts/mutation-score.ts [REPORT.json ...] [--min N] [--tests-before LIST.json]
 */
import {readFileSync} from 'node:fs'
import {parseArgs} from 'node:util'

interface Position {
  readonly line: number
  readonly column: number
}
interface Mutant {
  readonly id: string
  readonly mutatorName: string
  readonly replacement?: string
  readonly status: string
  readonly location: {readonly start: Position; readonly end: Position}
  readonly killedBy?: readonly string[]
}
interface Report {
  readonly files: Record<string, {readonly source: string; readonly mutants: readonly Mutant[]}>
  readonly testFiles?: Record<string, {readonly tests: readonly {readonly id: string; readonly name: string}[]}>
}
interface Equivalent {
  readonly file: string
  readonly mutator: string
  readonly original: string
  readonly replacement: string
  readonly reason: string
}

const {values, positionals} = parseArgs({allowPositionals: true, options: {min: {type: 'string'}, equivalents: {type: 'string', default: 'test/mutation/equivalent.json'}, 'tests-before': {type: 'string'}}})
const report = mergeReports((positionals.length > 0 ? positionals : ['reports/mutation/mutation.json']).map((f) => JSON.parse(readFileSync(f, 'utf8')) as Report))

/** Several reports (runs of different files, or line ranges of one file) as one; test ids made unique per run. */
function mergeReports(reports: Report[]): Report {
  if (reports.length === 1) return reports[0]!
  const files: Record<string, {source: string; mutants: Mutant[]}> = {}
  const testFiles: Record<string, {tests: {id: string; name: string}[]}> = {}
  reports.forEach((r, i) => {
    const id = (t: string) => `${i}:${t}`
    for (const [file, {source, mutants}] of Object.entries(r.files)) {
      const into = (files[file] ??= {source, mutants: []})
      into.mutants.push(...mutants.map((m) => ({...m, id: id(m.id), ...(m.killedBy ? {killedBy: m.killedBy.map(id)} : {})})))
    }
    for (const [file, {tests}] of Object.entries(r.testFiles ?? {})) (testFiles[file] ??= {tests: []}).tests.push(...tests.map((t) => ({...t, id: id(t.id)})))
  })
  return {files, testFiles}
}
const equivalents = JSON.parse(readFileSync(values.equivalents!, 'utf8')) as Equivalent[]

const squash = (s: string) => s.replace(/\s+/g, ' ').trim()

/** The ids of the report's tests that are in the earlier list (by file and full name). */
function earlierTestIds(listFile: string): Set<string> {
  const list = JSON.parse(readFileSync(listFile, 'utf8')) as {name: string; file: string}[]
  const key = (file: string, name: string) => `${file.replace(/^.*?(?=test\/)/, '')}\n${name.replaceAll(' > ', ' ')}`
  const earlier = new Set(list.map((t) => key(t.file, t.name)))
  const ids = new Set<string>()
  for (const [file, {tests}] of Object.entries(report.testFiles ?? {})) for (const t of tests) if (earlier.has(key(file, t.name))) ids.add(t.id)
  return ids
}
const before = values['tests-before'] === undefined ? undefined : earlierTestIds(values['tests-before'])

/** The source text a mutant replaces (lines and columns are 1-based in Stryker's report). */
function originalText(source: string, m: Mutant): string {
  const lines = source.split('\n')
  const {start, end} = m.location
  if (start.line === end.line) return lines[start.line - 1]!.slice(start.column - 1, end.column - 1)
  return [lines[start.line - 1]!.slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1]!.slice(0, end.column - 1)].join('\n')
}

const DETECTED = new Set(['Killed', 'Timeout'])
const UNDETECTED = new Set(['Survived', 'NoCoverage'])
interface Tally {
  detected: number
  undetected: number
  equivalent: number
  other: number
  /** Detected by the earlier tests alone (with --tests-before). */
  detectedBefore: number
}
const tallies = new Map<string, Tally>()
const unjustified: string[] = []
const used = new Set<Equivalent>()

for (const [file, {source, mutants}] of Object.entries(report.files)) {
  const folder = file.split('/').slice(0, 2).join('/')
  const t = tallies.get(folder) ?? {detected: 0, undetected: 0, equivalent: 0, other: 0, detectedBefore: 0}
  tallies.set(folder, t)
  for (const m of mutants) {
    if (DETECTED.has(m.status)) {
      t.detected++
      if (before && (m.status === 'Timeout' || (m.killedBy ?? []).some((id) => before.has(id)))) t.detectedBefore++
    }
    else if (UNDETECTED.has(m.status)) {
      const original = squash(originalText(source, m))
      const eq = equivalents.find((e) => e.file === file && e.mutator === m.mutatorName && squash(e.original) === original && squash(e.replacement) === squash(m.replacement ?? ''))
      if (eq) {
        t.equivalent++
        used.add(eq)
      } else {
        t.undetected++
        unjustified.push(`${file}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}: ${original} -> ${squash(m.replacement ?? '')}`)
      }
    } else t.other++
  }
}

const pct = (a: number, b: number) => (b === 0 ? 100 : (100 * a) / b)
let failed = false
for (const [folder, t] of [...tallies].sort()) {
  const raw = pct(t.detected, t.detected + t.undetected + t.equivalent)
  const score = pct(t.detected, t.detected + t.undetected)
  console.log(
    `${folder}: ${t.detected} killed or timed out, ${t.undetected} survived or not covered, ${t.equivalent} equivalent, ${t.other} not run (compile errors, ignored); ` +
      `score ${raw.toFixed(2)}% raw, ${score.toFixed(2)}% without the equivalents`,
  )
  if (before) {
    console.log(`${folder}, earlier tests alone: ${t.detectedBefore} killed or timed out, score ${pct(t.detectedBefore, t.detected + t.undetected + t.equivalent).toFixed(2)}% raw, ${pct(t.detectedBefore, t.detected + t.undetected).toFixed(2)}% without the equivalents`)
  }
  if (values.min !== undefined && score < Number(values.min)) failed = true
}
if (unjustified.length) console.log(`\nsurvivors not listed as equivalent (${unjustified.length}):\n${unjustified.join('\n')}`)
const stale = equivalents.filter((e) => !used.has(e) && Object.keys(report.files).includes(e.file))
if (stale.length) console.log(`\nlisted equivalents not seen in this report (${stale.length}): ${stale.map((e) => `${e.file} ${e.mutator} ${e.original} -> ${e.replacement}`).join('; ')}`)
if (failed) {
  console.log(`\nmutation score below ${values.min}%`)
  process.exitCode = 1
}
