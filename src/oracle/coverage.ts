/**
 * Line and branch coverage of the kernel's own probe code, from a gcov build of the harness
 * (`buildOracle({coverage: true})`). The lifted units carry `#line` markers, so gcov reports kernel
 * files and line numbers (drivers/virtio/virtio_pci_modern_dev.c:245). A run writes its counters into
 * its own directory (GCOV_PREFIX), so cached builds stay untouched and runs never mix.
 */
import {spawnSync} from 'node:child_process'
import {copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'

export interface CoverageFigures {
  readonly lines: {readonly hit: number; readonly total: number}
  readonly branches: {readonly taken: number; readonly total: number}
}

export interface CoverageReport extends CoverageFigures {
  /** Execution count of every executable kernel line: file -> line -> count. */
  readonly perLine: ReadonlyMap<string, ReadonlyMap<number, number>>
  readonly functions: readonly {readonly name: string; readonly file: string; readonly line: number; readonly count: number}[]
}

interface GcovJson {
  readonly files: readonly {
    readonly file: string
    readonly lines: readonly {readonly line_number: number; readonly count: number; readonly branches: readonly {readonly count: number}[]}[]
    readonly functions: readonly {readonly name: string; readonly start_line: number; readonly execution_count: number}[]
  }[]
}

/** Kernel files as gcov names them through #line (the glue and the copied headers are not counted). */
const isKernelFile = (f: string) => /^(drivers|lib)\//.test(f)

export class CoverageRun {
  readonly dir = mkdtempSync(join(tmpdir(), 'probediff-gcov-'))

  constructor(private readonly buildDir: string) {}

  /** The environment the harness runs with: counters go to this run's directory, flat. */
  get env(): Record<string, string> {
    return {GCOV_PREFIX: this.dir, GCOV_PREFIX_STRIP: '64'}
  }

  /** After the harness exited: gcov over its counters. Throws if gcov is missing or failed. */
  collect(): CoverageReport {
    for (const f of readdirSync(this.buildDir)) if (f.endsWith('.gcno')) copyFileSync(join(this.buildDir, f), join(this.dir, f))
    const gcda = readdirSync(this.dir).filter((f) => f.endsWith('.gcda'))
    if (gcda.length === 0) throw new Error(`no coverage counters in ${this.dir}: is ${this.buildDir} a coverage build?`)
    const r = spawnSync('gcov', ['-b', '-j', '-o', this.dir, ...gcda], {cwd: this.dir, encoding: 'utf8'})
    if (r.error || r.status !== 0) throw new Error(`gcov failed: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}`)
    const perLine = new Map<string, Map<number, number>>()
    const functions: {name: string; file: string; line: number; count: number}[] = []
    let branches = 0
    let taken = 0
    for (const f of readdirSync(this.dir).filter((x) => x.endsWith('.gcov.json.gz'))) {
      const json = JSON.parse(gunzipSync(readFileSync(join(this.dir, f))).toString('utf8')) as GcovJson
      for (const file of json.files) {
        if (!isKernelFile(file.file)) continue
        const lines = perLine.get(file.file) ?? new Map<number, number>()
        perLine.set(file.file, lines)
        for (const l of file.lines) {
          lines.set(l.line_number, (lines.get(l.line_number) ?? 0) + l.count)
          branches += l.branches.length
          taken += l.branches.filter((b) => b.count > 0).length
        }
        for (const fn of file.functions) functions.push({name: fn.name, file: file.file, line: fn.start_line, count: fn.execution_count})
      }
    }
    let hit = 0
    let total = 0
    for (const lines of perLine.values()) {
      for (const count of lines.values()) {
        total++
        if (count > 0) hit++
      }
    }
    return {lines: {hit, total}, branches: {taken, total: branches}, perLine, functions}
  }

  dispose(): void {
    rmSync(this.dir, {recursive: true, force: true})
  }
}
