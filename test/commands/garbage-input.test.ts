/**
 * Endless or binary input under a forced text format ends, in bounded time, with one line naming
 * file:line and exit 2 (/dev/zero, /dev/urandom, a stream with no line end); a bounded format
 * (sysfs-config: 4096 bytes) reads one byte more than it needs and says there was more. Real CLI
 * subprocesses with a timeout: a hang fails the test instead of stalling it.
 */
import {describe, expect, it} from 'vitest'
import {runProcess, runShell} from '../helpers/run-cli-process.js'

const TEXT_FORMATS = ['qemu-log', 'dmesg', 'lspci', 'hex-dump', 'csv']
/** One line, `probediff: FILE:LINE: message`. */
const oneErrorLine = (file: string) => new RegExp(`^probediff: ${file.replace(/[/.]/g, '\\$&')}:\\d+: [^\\n]+\\n$`)

describe('binary and endless input under a text format', {timeout: 120_000}, () => {
  for (const device of ['/dev/zero', '/dev/urandom']) {
    it(`${device}: every text format stops with file:line and exit 2`, async () => {
      for (const format of TEXT_FORMATS) {
        const r = await runProcess(['ingest', device, '--format', format], {timeoutMs: 20_000})
        expect(r.timedOut, `${format} hung`).toBe(false)
        expect(r.stderr, format).toMatch(oneErrorLine(device))
        expect(r.exitCode, format).toBe(2)
      }
    })
  }

  it('a stream with no line end stops too (after 16 MiB), naming line 1', async () => {
    const r = await runShell('yes | tr -d "\\n" | $PROBEDIFF ingest - --format lspci', {timeoutMs: 20_000})
    expect(r.timedOut).toBe(false)
    expect(r.stderr).toBe('probediff: <stdin>:1: not lspci text: no line end in 16 MiB (binary data?)\n')
    expect(r.exitCode).toBe(2)
  })
})

describe('bounded reads', {timeout: 60_000}, () => {
  it('--format sysfs-config reads 4097 bytes of an endless input and says there was more', async () => {
    for (const script of ['$PROBEDIFF ingest /dev/zero --format sysfs-config --json', '$PROBEDIFF ingest <(cat /dev/zero) --format sysfs-config --json']) {
      const r = await runShell(script, {timeoutMs: 20_000})
      expect(r.timedOut, script).toBe(false)
      expect(r.exitCode, r.stderr).toBe(0)
      const j = JSON.parse(r.stdout) as {inputs: {bytes: number}[]; warnings: unknown[]}
      expect(j.inputs[0]!.bytes).toBe(4097)
      expect(JSON.stringify(j.warnings)).toContain('config input of more than 4096 bytes; only the first 4096 read, as config space')
    }
  })
})
