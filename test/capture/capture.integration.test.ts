/**
 * A real capture: Debian 6.1 under qemu-system-x86_64 (TCG) with one small device. Needs QEMU,
 * busybox-static and the kernel cached by scripts/setup-qemu.sh. Without them the tests are skipped
 * with a notice — except in CI (CI set and not 0/false), where a missing prerequisite is a failure.
 */
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {archProfile} from '../../src/capture/arch.js'
import {type CaptureOptions, runCapture} from '../../src/capture/capture.js'
import {CaptureFailure} from '../../src/capture/errors.js'
import {pciutilsFor} from '../../src/capture/guest-lspci.js'
import {kernelFromSeries} from '../../src/capture/kernel-source.js'
import {isCi} from '../../src/golden/update-mode.js'
import {keepTraceLine} from '../../src/capture/trace-filter.js'
import {hasTool} from './host-tools.js'

const QEMU = 'qemu-system-x86_64'
const inCi = isCi()
/** A boot takes 15-25 s under TCG on an idle 2-core machine; the margin is for a loaded test run. */
const BOOT_TEST_TIMEOUT_MS = 120_000

async function missingPrerequisite(): Promise<string | undefined> {
  if (!hasTool(QEMU)) return `${QEMU} not found (run scripts/setup-qemu.sh)`
  if (!existsSync('/bin/busybox')) return '/bin/busybox not found (busybox-static)'
  const failure = (error: Error) => error.message
  return kernelFromSeries('6.1').then(() => pciutilsFor('6.1').then(() => undefined, failure), failure)
}

const missing = await missingPrerequisite()
if (missing && !inCi) console.warn(`\n*** NOTICE: skipping real-QEMU capture tests: ${missing}\n`)

describe.skipIf(missing !== undefined && !inCi)('probediff capture under real QEMU', () => {
  let scratch = ''
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'capture-it-'))
  })
  afterAll(() => rmSync(scratch, {recursive: true, force: true}))
  const base = async (name: string, tracesDir: string): Promise<CaptureOptions> => ({
    name,
    tracesDir,
    kernel: await kernelFromSeries('6.1'),
    busybox: '/bin/busybox',
    arch: archProfile('amd64'),
    machine: 'pc',
    accel: 'tcg',
    qemu: QEMU,
    timeoutSeconds: 100,
    eventSet: 'full',
    extraModules: [],
    deviceArgs: ['-device', 'virtio-rng-pci'],
    force: false,
    memoryMiB: 256,
  })

  it('boots Debian 6.1 with a virtio-rng and writes a complete case', async () => {
    if (missing) throw new Error(`CI is set but a prerequisite is missing: ${missing}`)
    const traces = join(scratch, 'ok')
    const result = await runCapture(await base('it-rng', traces))
    expect(readdirSync(traces)).toEqual(['it-rng'])
    expect(readdirSync(result.dir).sort()).toEqual(['case.json', 'dmesg.txt', 'trace.log.gz'])

    const record = JSON.parse(readFileSync(join(result.dir, 'case.json'), 'utf8'))
    expect(record.kind).toBe('capture')
    expect(record.kernel.release).toMatch(/^6\.1\./)
    expect(record.qemu.argv).toContain('$KERNEL')
    expect(record.initramfs.modules).toEqual(expect.arrayContaining(['virtio_pci', 'virtio_rng']))

    const dmesg = readFileSync(join(result.dir, 'dmesg.txt'), 'utf8')
    expect(dmesg).toMatch(/\[1af4:1005\]/)

    const trace = gunzipSync(readFileSync(join(result.dir, 'trace.log.gz'))).toString('utf8')
    expect(trace).toMatch(/:pci_cfg_read virtio-rng-pci 00:0\d\.0 @0x0 -> 0x(1005)?1af4/)
    expect(trace).toMatch(/name 'pci-conf-data'/)
    // The driver bound: the last status written to some device is DRIVER_OK|FEATURES_OK|DRIVER|ACK.
    expect(trace).toMatch(/:virtio_set_status vdev 0x[0-9a-f]+ val 15/)
    expect(trace).not.toMatch(/name 'serial'/)
  }, BOOT_TEST_TIMEOUT_MS)

  it('with --unfiltered-trace also keeps every line QEMU traced: the filtered trace is it with the other regions left out', async () => {
    if (missing) throw new Error(`CI is set but a prerequisite is missing: ${missing}`)
    const result = await runCapture({...(await base('it-unfiltered', join(scratch, 'unfiltered'))), unfilteredTrace: true})
    expect(readdirSync(result.dir).sort()).toEqual(['case.json', 'dmesg.txt', 'trace-unfiltered.log.gz', 'trace.log.gz'])
    const lines = (file: string) => gunzipSync(readFileSync(join(result.dir, file))).toString('utf8').split('\n')
    const unfiltered = lines('trace-unfiltered.log.gz')
    expect(unfiltered.some((l) => l.endsWith("name 'serial'"))).toBe(true)
    expect(unfiltered.filter((l) => keepTraceLine(l) || l === '')).toEqual(lines('trace.log.gz'))
    const record = JSON.parse(readFileSync(join(result.dir, 'case.json'), 'utf8'))
    expect(record.files.unfilteredTrace).toBe('trace-unfiltered.log.gz')
    expect(record.run.traceLinesKept + record.run.traceLinesDropped).toBe(unfiltered.length - 1)
    expect(record.reproduce).toContain(' --unfiltered-trace ')
  }, BOOT_TEST_TIMEOUT_MS)

  it('with --lspci runs the real lspci in the guest: lspci.txt has a 256-byte hex dump of every virtio device', async () => {
    if (missing) throw new Error(`CI is set but a prerequisite is missing: ${missing}`)
    const traces = join(scratch, 'lspci')
    const opts = {...(await base('it-lspci', traces)), deviceArgs: ['-device', 'virtio-rng-pci', '-device', 'virtio-net-pci,disable-legacy=on']}
    const result = await runCapture({...opts, lspci: await pciutilsFor('6.1')})
    expect(readdirSync(result.dir).sort()).toEqual(['case.json', 'dmesg.txt', 'lspci.txt', 'trace.log.gz'])
    const record = JSON.parse(readFileSync(join(result.dir, 'case.json'), 'utf8'))
    expect(record.lspci).toMatchObject({file: 'lspci.txt', command: 'lspci -vvv -xxx -nn -k -D', configReadsInTrace: true})
    expect(record.lspci.version).toMatch(/^lspci version 3\.9\./)
    expect(record.lspci.packages[0]).toMatch(/^pciutils 1:3\.9\./)
    expect(record.lspci.stderr).toEqual([])
    expect(record.inputs).toEqual(['trace.log.gz', 'dmesg.txt'])
    expect(record.reproduce).toContain(' --lspci ')

    // The virtio functions as QEMU names them in the trace (first read of the vendor id).
    const trace = gunzipSync(readFileSync(join(result.dir, 'trace.log.gz'))).toString('utf8')
    const virtio = new Set([...trace.matchAll(/:pci_cfg_read virtio-[a-z]+-pci 00:(\d\d\.\d) @0x0 /g)].map((m) => `0000:00:${m[1]}`))
    expect(virtio.size).toBe(2)
    const lspci = readFileSync(join(result.dir, 'lspci.txt'), 'utf8')
    for (const bdf of virtio) {
      const block = lspci.split('\n\n').find((b) => b.startsWith(`${bdf} `)) ?? ''
      expect(block, bdf).toMatch(/^\S+ .*\[1af4:10[0-7][0-9a-f]\]/)
      expect(block).toMatch(/Kernel driver in use: virtio-pci/)
      // 6.1 has virtio_pci as a module; the index setup-qemu.sh built names it.
      expect(block).toMatch(/Kernel modules: virtio_pci/)
      const hexLines = block.split('\n').filter((l) => /^[0-9a-f]0: (?:[0-9a-f]{2} ){15}[0-9a-f]{2}$/.test(l))
      expect(hexLines.map((l) => l.slice(0, 2))).toEqual([...'0123456789abcdef'].map((d) => `${d}0`))
      expect(hexLines[0]).toMatch(/^00: f4 1a /)
    }
  }, BOOT_TEST_TIMEOUT_MS)

  it('reports a kernel panic with the console tail and leaves no case behind', async () => {
    if (missing) throw new Error(`CI is set but a prerequisite is missing: ${missing}`)
    const traces = join(scratch, 'panic')
    const junk = join(scratch, 'not-an-initrd')
    writeFileSync(junk, 'this is not a cpio archive\n')
    const failure = await runCapture({...(await base('it-panic', traces)), initrd: junk, eventSet: 'cfg'}).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(CaptureFailure)
    expect((failure as CaptureFailure).kind).toBe('panic')
    expect((failure as CaptureFailure).tail.join('\n')).toMatch(/Kernel panic/)
    expect(existsSync(traces) ? readdirSync(traces) : []).toEqual([])
  }, BOOT_TEST_TIMEOUT_MS)
})
