/**
 * One oracle process per kernel series, started on first use: what `replay/check --oracle PATH|auto`
 * need when a corpus mixes kernels. `auto` resolves each series to its newest cached build; an explicit
 * path is used for every series.
 */
import type {ProbeInput} from '../model/input.js'
import type {OracleCase} from './case-format.js'
import {type KernelProfile, profileByName} from '../model/profiles.js'
import {oracleProfile, resolveOracle, type ResolvedOracle} from './resolve.js'
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

  /**
   * The kernel release the oracle for `series` was built from, as the profile to compare it with: an
   * explicit PATH is its own release whatever the device's series; `auto` is the series' build (or
   * the series itself when its manifest has no version). Undefined when there is no oracle.
   */
  releaseFor(series: string): KernelProfile | undefined {
    const oracle = this.oracleFor(series)
    if (!oracle) return undefined
    return oracleProfile(oracle) ?? profileByName(series)
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
