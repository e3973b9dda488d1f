import {describe, expect, it} from 'vitest'
import {DMESG_BEGIN, DMESG_END} from '../../src/capture/console.js'
import {CaptureFailure} from '../../src/capture/errors.js'
import type {QemuRun} from '../../src/capture/qemu-runner.js'
import {guestKernelLog} from '../../src/capture/run-verdict.js'

const run = (over: Partial<QemuRun>): QemuRun => ({
  console: '',
  stderrTail: [],
  exitCode: 0,
  signal: null,
  timedOut: false,
  interrupted: false,
  seconds: 1,
  trace: {kept: 0, dropped: 0, keptBytes: 0},
  ...over,
})

function failureOf(r: QemuRun): CaptureFailure {
  try {
    guestKernelLog(r, 30)
  } catch (error) {
    if (error instanceof CaptureFailure) return error
    throw error
  }
  throw new Error('expected a CaptureFailure')
}

describe('run verdict', () => {
  it('returns the kernel log of a clean run', () => {
    expect(guestKernelLog(run({console: `boot\n${DMESG_BEGIN}\n[ 0.0] Linux version 6.1.0\n${DMESG_END}\n`}), 30)).toBe('[ 0.0] Linux version 6.1.0\n')
  })

  it('calls a panic a panic even when the run also timed out', () => {
    const f = failureOf(run({console: '[ 1.0] Kernel panic - not syncing: Attempted to kill init!\n', timedOut: true}))
    expect(f.kind).toBe('panic')
    expect(f.exitCode).toBe(1)
    expect(f.tail).toEqual(['[ 1.0] Kernel panic - not syncing: Attempted to kill init!'])
  })

  it('reports a hang with the console tail, and says so when the console was silent', () => {
    expect(failureOf(run({console: 'a\nb\n', timedOut: true, exitCode: null, signal: 'SIGKILL'})).tail).toEqual(['a', 'b'])
    const silent = failureOf(run({timedOut: true, exitCode: null, signal: 'SIGKILL'}))
    expect(silent.kind).toBe('timeout')
    expect(silent.message).toMatch(/within 30 s.*silent/)
  })

  it('blames the command line (exit 2) when QEMU exits before the guest prints anything', () => {
    const f = failureOf(run({exitCode: 1, stderrTail: ["qemu-system-x86_64: -device nope: 'nope' is not a valid device model name"]}))
    expect(f.kind).toBe('qemu-exit')
    expect(f.exitCode).toBe(2)
    expect(f.tail[0]).toMatch(/not a valid device model/)
  })

  it('stops quietly when the user interrupted the run', () => {
    const f = failureOf(run({console: `${DMESG_BEGIN}\n`, interrupted: true, exitCode: null, signal: 'SIGKILL'}))
    expect([f.kind, f.exitCode]).toEqual(['interrupted', 130])
  })

  it('reports a guest that stopped without finishing the dump', () => {
    const f = failureOf(run({console: `${DMESG_BEGIN}\n[ 0.0] half`, exitCode: 0}))
    expect(f.kind).toBe('no-dmesg')
    expect(f.exitCode).toBe(1)
  })
})
