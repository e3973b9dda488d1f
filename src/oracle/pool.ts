/**
 * One oracle process per kernel series, started on first use: what `replay/check --oracle PATH|auto`
 * need when a corpus mixes kernels. `auto` resolves each series to its newest cached build; an explicit
 * path is used for every series.
 */
import type {ProbeInput} from '../model/input.js'
import type {OracleCase} from './case-format.js'
import {resolveOracle, type ResolvedOracle} from './resolve.js'
import type {OracleResult} from './result.js'
import {OracleProcess} from './run.js'

export class OraclePool {
  private readonly procs = new Map<string, {proc: OracleProcess; oracle: ResolvedOracle}>()
  private next = 0

  /** `spec`: a harness path or build directory, or `auto`. */
  constructor(private readonly spec: string) {}

  /** The oracle for a profile series, or undefined when `auto` has no build for it. */
  oracleFor(series: string): ResolvedOracle | undefined {
    const key = this.spec === 'auto' ? series : '*'
    const have = this.procs.get(key)
    if (have) return have.oracle
    const oracle = resolveOracle(this.spec, series)
    if (!oracle) return undefined
    this.procs.set(key, {proc: new OracleProcess(oracle.binary), oracle})
    return oracle
  }

  /** Runs one input through the series' oracle; undefined when there is none. */
  async run(series: string, input: ProbeInput | OracleCase): Promise<OracleResult | undefined> {
    if (!this.oracleFor(series)) return undefined
    const entry = this.procs.get(this.spec === 'auto' ? series : '*')!
    const c: OracleCase = 'input' in input ? input : {id: `o${this.next++}`, input}
    return entry.proc.run(c)
  }

  async close(): Promise<void> {
    await Promise.all([...this.procs.values()].map((p) => p.proc.close()))
    this.procs.clear()
  }
}
