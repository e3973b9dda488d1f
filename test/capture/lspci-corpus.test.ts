/**
 * The shipped captures' lspci.txt came from a second boot of each case's own QEMU command and kernel
 * (traces/add-lspci.sh). That second boot must have been the same machine: every function the shipped
 * trace saw is in lspci.txt with a 256-byte hex dump, and every config byte both know agrees —
 * a byte the trace saw only ever hold one value (identity, capabilities, BAR addresses...) has exactly
 * that value in lspci.txt; a byte the guest wrote or saw change has one of the values the trace saw it
 * take (lspci ran after the probe, before power-off, a moment the trace cannot pin: the pcie root
 * ports' shutdown writes, for one, come after it). A write the device does not hold (Linux writes 0x40
 * to the latency timer, QEMU's conventional devices keep 0) is covered: the trace read 0 before.
 *
 * The hex is read here with a few lines of its own (not probediff's lspci parser), so this checks the
 * data, not the parser.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {buildEvidence} from '../../src/evidence/build.js'

const TRACES = fileURLToPath(new URL('../../traces/', import.meta.url))

interface CaseFile {
  readonly name: string
  readonly kind?: string
  readonly inputs: readonly string[]
  readonly lspci?: {readonly file: string; readonly configReadsInTrace: boolean}
  readonly initramfs: {readonly builtinDrivers?: readonly string[]}
}

const captures: CaseFile[] = existsSync(TRACES)
  ? readdirSync(TRACES)
      .filter((d) => /^k\d/.test(d) && existsSync(`${TRACES}${d}/case.json`))
      .map((d) => JSON.parse(readFileSync(`${TRACES}${d}/case.json`, 'utf8')) as CaseFile)
      .filter((c) => c.kind === 'capture')
  : []

/** BDF → the 256 bytes of its `-xxx` dump (sparse when lines are missing). */
function hexDumps(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>()
  let current: number[] | undefined
  for (const line of text.split('\n')) {
    const device = /^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) /.exec(line)
    if (device) {
      current = []
      out.set(device[1] as string, current)
      continue
    }
    const hex = /^([0-9a-f]{2,3}): ((?:[0-9a-f]{2} ){15}[0-9a-f]{2})$/.exec(line)
    if (!hex || !current) continue
    const at = Number.parseInt(hex[1] as string, 16)
    for (const [i, b] of (hex[2] as string).split(' ').entries()) current[at + i] = Number.parseInt(b, 16)
  }
  return out
}

describe('lspci.txt of the shipped captures', () => {
  it('every real capture has one, made by a second boot', () => {
    expect(captures.length).toBeGreaterThan(0)
    for (const c of captures) {
      expect(c.lspci?.file, c.name).toBe('lspci.txt')
      expect(c.lspci?.configReadsInTrace, c.name).toBe(false)
      expect(c.inputs, `${c.name}: lspci.txt is not an input of the trace replay`).not.toContain('lspci.txt')
    }
  })

  it.each(captures.map((c) => [c.name, c] as const))('%s: lspci -k shows virtio-pci bound to every virtio function', (name, c) => {
    const blocks = readFileSync(`${TRACES}${name}/lspci.txt`, 'utf8').split('\n\n')
    const virtio = blocks.filter((b) => /^\S+ [^\n]*\[1af4:10[0-7][0-9a-f]\]/.test(b))
    if (!name.endsWith('-ivshmem')) expect(virtio.length).toBeGreaterThan(0)
    // lspci lists loadable modules only: none when the kernel has virtio_pci built in (Debian 6.12).
    const modular = !c.initramfs.builtinDrivers?.includes('virtio_pci')
    for (const block of virtio) {
      expect(block).toMatch(/\n\tKernel driver in use: virtio-pci(\n|$)/)
      if (modular) expect(block).toMatch(/\n\tKernel modules: virtio_pci(\n|$)/)
      else expect(block).not.toMatch(/Kernel modules:/)
    }
  })

  it.each(captures.map((c) => [c.name, c] as const))('%s: the second boot was the same machine', async (name, c) => {
    const dumps = hexDumps(readFileSync(`${TRACES}${name}/lspci.txt`, 'utf8'))
    const evidence = await buildEvidence(c.inputs.map((f) => ({path: `${TRACES}${name}/${f}`, displayName: `${name}/${f}`})), {})
    expect(evidence.devices.length).toBeGreaterThan(0)
    const disagreements: string[] = []
    let compared = 0
    for (const dev of evidence.devices) {
      const dump = dumps.get(dev.bdf)
      expect(dump, `${dev.bdf} (${dev.qemuDevice ?? '?'}) is not in lspci.txt`).toBeDefined()
      expect(dump?.filter((b) => b !== undefined).length, `${dev.bdf}: 256 bytes of hex`).toBe(256)
      for (let off = 0; off < 256; off++) {
        const byte = dev.config.byte(off)
        // Unknown, only inferred, or history beyond the cap (the values it took are not all known): nothing to compare.
        if (!byte || (!byte.history && byte.current.origin === 'inferred') || byte.historyOmitted) continue
        const lspci = dump?.[off]
        const taken = new Set([byte.current, ...(byte.history ?? [])].map((f) => f.value))
        const agrees = lspci !== undefined && taken.has(lspci)
        compared++
        if (!agrees) {
          const seen = [...taken].map((v) => `0x${v.toString(16)}`).join(', ')
          disagreements.push(`${dev.bdf} @0x${off.toString(16)}: trace saw ${seen} (last ${byte.current.src.file}:${byte.current.src.line}), lspci 0x${lspci?.toString(16)}`)
        }
      }
    }
    expect(disagreements).toEqual([])
    expect(compared).toBeGreaterThan(100)
  })
})
