/**
 * Runs a probediff command class in this process (so vi.mock applies to the model it uses) and
 * captures what it prints and the exit code it sets.
 */
import {fileURLToPath} from 'node:url'
import {Errors} from '@oclif/core'

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface CliResult {
  stdout: string
  stderr: string
  exitCode: number
}

type Runnable = {run(argv?: string[], opts?: string): Promise<unknown>}

export async function runCli(command: Runnable, argv: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const out: string[] = []
  const err: string[] = []
  const writeOut = process.stdout.write.bind(process.stdout)
  const writeErr = process.stderr.write.bind(process.stderr)
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write
  const savedExit = process.exitCode
  process.exitCode = undefined
  let exitCode = 0
  try {
    await command.run(argv, PROJECT_ROOT)
    exitCode = Number(process.exitCode ?? 0)
  } catch (error) {
    if (error instanceof Errors.ExitError) exitCode = error.oclif.exit ?? 1
    else {
      err.push(String((error as Error).stack ?? error))
      exitCode = (error as {oclif?: {exit?: number}}).oclif?.exit ?? 1
    }
  } finally {
    process.stdout.write = writeOut
    process.stderr.write = writeErr
    process.exitCode = savedExit
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
  return {stdout: out.join(''), stderr: err.join(''), exitCode}
}
