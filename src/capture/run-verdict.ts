import {consoleTail, extractDmesg, hasPanic, panicExcerpt} from './console.js'
import {CaptureFailure} from './errors.js'
import type {QemuRun} from './qemu-runner.js'

/**
 * Decides whether a QEMU run produced a usable case: returns the guest's kernel log, or throws a
 * CaptureFailure saying what went wrong (panic first: a panicking guest may also hit the timeout).
 */
export function guestKernelLog(run: QemuRun, timeoutSeconds: number): string {
  if (run.interrupted) throw new CaptureFailure('interrupted', 'interrupted: QEMU was stopped and nothing was written', [], 130)
  if (hasPanic(run.console)) throw new CaptureFailure('panic', 'the guest kernel panicked', panicExcerpt(run.console))
  const tail = consoleTail(run.console)
  if (run.timedOut) {
    const silent = tail.length === 0 ? '; the serial console stayed silent (try a longer --timeout, or --append loglevel=7)' : ''
    throw new CaptureFailure('timeout', `the guest did not power off within ${timeoutSeconds} s (killed)${silent}`, tail)
  }
  const dmesg = extractDmesg(run.console)
  if (dmesg !== undefined) return dmesg
  if (run.console.trim() === '' && run.exitCode !== 0) {
    throw new CaptureFailure('qemu-exit', `QEMU exited with code ${run.exitCode ?? run.signal} before the guest started`, run.stderrTail, 2)
  }
  throw new CaptureFailure('no-dmesg', `the guest stopped (QEMU exit ${run.exitCode ?? run.signal}) without printing its kernel log`, tail)
}
