/**
 * Runs the built CLI (bin/run.js, after `npm run build`) as a real subprocess, for what only a real
 * process has: stdin, FIFOs, process substitution, signals. A run past `timeoutMs` is killed and
 * reported as such (timedOut), never left hanging.
 */
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {PROJECT_ROOT} from './run-cli.js'

interface ProcessResult {
  stdout: string
  stderr: string
  /** null when killed by a signal. */
  exitCode: number | null
  timedOut: boolean
  /** Peak resident set size, in KiB, when run through runShell's /usr/bin/time (else undefined). */
  maxRssKiB?: number
}

const RUN_JS = join(PROJECT_ROOT, 'bin/run.js')

function assertBuilt(): void {
  if (!existsSync(join(PROJECT_ROOT, 'dist/commands'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)')
}

/** `probediff ...args` with `stdin` (bytes) on its standard input. */
export function runProcess(args: string[], opts: {stdin?: Buffer; timeoutMs?: number} = {}): Promise<ProcessResult> {
  return runCommand(process.execPath, [RUN_JS, ...args], opts)
}

/** The same, run by oclif on tsc's dist/ without the bundle (test/fixtures/cli/unbundled-run.mjs). */
export function runUnbundled(args: string[], opts: {stdin?: Buffer; timeoutMs?: number} = {}): Promise<ProcessResult> {
  return runCommand(process.execPath, [join(PROJECT_ROOT, 'test/fixtures/cli/unbundled-run.mjs'), ...args], opts)
}

/** A bash command line; `$PROBEDIFF` is the CLI (for `<(...)` process substitution). */
export function runShell(script: string, opts: {timeoutMs?: number} = {}): Promise<ProcessResult> {
  return runCommand('bash', ['-c', script], {...opts, env: {PROBEDIFF: `${process.execPath} ${RUN_JS}`}})
}

function runCommand(cmd: string, args: string[], opts: {stdin?: Buffer; timeoutMs?: number; env?: Record<string, string>}): Promise<ProcessResult> {
  assertBuilt()
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {cwd: PROJECT_ROOT, env: {...process.env, CI: '', NO_COLOR: '1', ...opts.env}, stdio: ['pipe', 'pipe', 'pipe'], detached: true})
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      // The whole process group: a shell's children (zcat, cat) too.
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }, opts.timeoutMs ?? 30_000)
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.stdin.on('error', () => undefined)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: code, timedOut})
    })
    child.stdin.end(opts.stdin ?? Buffer.alloc(0))
  })
}
