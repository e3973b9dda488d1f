/**
 * Runs cases through a built oracle harness: one long-lived child process, cases streamed to its
 * stdin, one JSON line back per case (in order).
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {createInterface} from 'node:readline'
import type {ProbeInput} from '../model/input.js'
import {type OracleCase, serializeCase} from './case-format.js'
import {type OracleResult, parseOracleLine} from './result.js'

export class OracleRunError extends Error {
  override readonly name = 'OracleRunError'
}

interface Pending {
  readonly id: string
  readonly resolve: (r: OracleResult) => void
  readonly reject: (e: Error) => void
}

export class OracleProcess {
  private child: ChildProcessWithoutNullStreams
  private readonly pending: Pending[] = []
  private stderr = ''
  private exited = false

  /** `env`: added to the environment (GCOV_PREFIX for a coverage build). */
  constructor(
    readonly binary: string,
    env?: Readonly<Record<string, string>>,
  ) {
    this.child = spawn(binary, [], {stdio: ['pipe', 'pipe', 'pipe'], ...(env ? {env: {...process.env, ...env}} : {})})
    this.child.stdin.on('error', () => {}) // reported through 'exit'
    this.child.stderr.setEncoding('utf8')
    this.child.stderr.on('data', (d: string) => {
      if (this.stderr.length < 4096) this.stderr += d
    })
    createInterface({input: this.child.stdout}).on('line', (line) => {
      const p = this.pending.shift()
      if (!p) return
      try {
        const r = parseOracleLine(line)
        if (r.id !== p.id) throw new OracleRunError(`oracle answered case ${r.id} while ${p.id} was expected`)
        p.resolve(r)
      } catch (err) {
        p.reject(err as Error)
      }
    })
    this.child.on('error', (err) => this.failAll(new OracleRunError(`cannot run oracle ${binary}: ${err.message}`)))
    this.child.on('exit', (code, signal) => {
      this.exited = true
      const first = this.pending[0]
      const why = signal ? `signal ${signal}` : `exit code ${code}`
      this.failAll(new OracleRunError(`oracle ${binary} stopped (${why})${first ? ` on case ${first.id}` : ''}${this.stderr ? `: ${this.stderr.trim()}` : ''}`))
    })
  }

  private failAll(err: Error): void {
    while (this.pending.length) this.pending.shift()!.reject(err)
  }

  run(c: OracleCase): Promise<OracleResult> {
    if (this.exited) return Promise.reject(new OracleRunError(`oracle ${this.binary} is not running${this.stderr ? `: ${this.stderr.trim()}` : ''}`))
    return new Promise((resolve, reject) => {
      this.pending.push({id: c.id, resolve, reject})
      this.child.stdin.write(serializeCase(c))
    })
  }

  /** Runs cases in windows, so a large batch never sits in the pipe buffers all at once. */
  async runAll(cases: readonly OracleCase[], window = 512): Promise<OracleResult[]> {
    const out: OracleResult[] = []
    for (let i = 0; i < cases.length; i += window) out.push(...(await Promise.all(cases.slice(i, i + window).map((c) => this.run(c)))))
    return out
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve()
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve())
      this.child.stdin.end()
    })
  }
}

export interface RunOracleOptions {
  /** Case ids (default: the index). */
  readonly ids?: readonly string[]
}

/** Runs every input through the oracle binary in one child process; results in input order. */
export async function runOracle(
  binaryPath: string,
  inputs: readonly (ProbeInput | OracleCase)[],
  opts: RunOracleOptions = {},
): Promise<OracleResult[]> {
  const proc = new OracleProcess(binaryPath)
  try {
    const cases = inputs.map((x, i): OracleCase => ('input' in x ? x : {id: opts.ids?.[i] ?? `c${i}`, input: x}))
    return await proc.runAll(cases)
  } finally {
    await proc.close()
  }
}
