/**
 * Header types, expansion ROMs and BAR registers after sizing, on the shipped real captures: the q35
 * root ports are type 1 headers (two BARs, the ROM register at 0x38, bus numbers and windows that
 * the kernel writes), every virtio-net-pci has QEMU's 256 KiB option ROM (romfile efi-virtio.rom),
 * and a BAR the kernel sized last holds the value it wrote back, the sizing reply kept as history.
 */
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {bridgeView} from '../../src/evidence/bridge.js'
import {buildEvidence} from '../../src/evidence/build.js'
import type {DeviceEvidence, EvidenceSet} from '../../src/evidence/types.js'
import {parsePciBarLine} from '../../src/ingest/kmsg-lines.js'
import {headerLayout} from '../../src/pci/header-layout.js'
import {renderHexdump} from '../../src/report/hexdump.js'
import {renderIngest} from '../../src/report/ingest-report.js'

const TRACES = fileURLToPath(new URL('../../traces/', import.meta.url))
const have = (name: string) => existsSync(`${TRACES}${name}/trace.log.gz`)
const load = (name: string): Promise<EvidenceSet> =>
  buildEvidence([{path: `${TRACES}${name}/trace.log.gz`, displayName: 'trace.log.gz'}, {path: `${TRACES}${name}/dmesg.txt`, displayName: 'dmesg.txt'}], {})
const device = (set: EvidenceSet, bdf: string): DeviceEvidence => set.devices.find((d) => d.bdf === bdf)!

/** `bridge window [io  0x1000-0x1fff]` lines of the kernel's last report of a bridge, by kind. */
function dmesgWindows(d: DeviceEvidence): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of d.messages) {
    const w = /^pci \S+:\s+bridge window \[(io|mem) +0x([0-9a-f]+)-0x([0-9a-f]+)( 64bit pref)?\]$/.exec(m.text)
    if (w) out.set(w[4] ? 'pref' : w[1]!, `0x${w[2]}-0x${w[3]}`)
  }
  return out
}

describe('header layouts by type', () => {
  it('an endpoint keeps the CardBus CIS pointer and subsystem ids read-only; a bridge has windows there', () => {
    const endpoint = headerLayout(0x80)!
    const bridge = headerLayout(0x01)!
    const cardbus = headerLayout(0x02)!
    for (const off of [0x28, 0x2c, 0x2e, 0x34]) expect([off, endpoint.readOnly.has(off)]).toEqual([off, true])
    for (const off of [0x28, 0x2c, 0x2e]) expect([off, bridge.readOnly.has(off)]).toEqual([off, false])
    expect(bridge.readOnly.has(0x34)).toBe(true)
    expect(cardbus.readOnly.has(0x14)).toBe(true)
    expect(cardbus.readOnly.has(0x34)).toBe(false)
    expect([endpoint.barCount, bridge.barCount, cardbus.barCount]).toEqual([6, 2, 1])
    expect([endpoint.romOffset, bridge.romOffset, cardbus.romOffset]).toEqual([0x30, 0x38, undefined])
    expect(headerLayout(0x7f)).toBeUndefined()
  })
})

describe.runIf(have('k6.12-q35-root-port'))('k6.12-q35-root-port: the root ports are bridges', () => {
  it('reads as type 1: no read-only warning for bytes an endpoint could not change, BARs 0-1, the ROM register at 0x38', async () => {
    const set = await load('k6.12-q35-root-port')
    expect(set.warnings.filter((w) => w.code === 'config-readonly-changed')).toEqual([])
    for (const bdf of ['0000:00:01.0', '0000:00:02.0']) {
      const d = device(set, bdf)
      expect(d.qemuDevice).toBe('pcie-root-port')
      // 0x28 (an endpoint's read-only CardBus CIS pointer) is the bridge's prefetchable upper base:
      // the kernel writes all-ones there and reads them back.
      const reads = (d.config.byte(0x28)?.history ?? []).filter((f) => f.origin !== 'write').map((f) => f.value)
      expect(reads).toContain(0xff)
      expect(reads).toContain(0x00)
      expect(d.bars.slice(2).map((b) => b.how)).toEqual([['header-type'], ['header-type'], ['header-type'], ['header-type']])
      expect(d.bars[0]).toMatchObject({kind: 'mem', size: 0x1000})
      // PCI_ROM_ADDRESS1 sized to 0: the root port has no ROM.
      expect(d.expansionRom).toMatchObject({size: 0, sizingReply: 0})
    }
  })

  it('decodes buses and windows that match the kernel own bridge window lines', async () => {
    const set = await load('k6.12-q35-root-port')
    for (const [bdf, bus] of [['0000:00:01.0', 1], ['0000:00:02.0', 2]] as const) {
      const d = device(set, bdf)
      const b = bridgeView(d.config)!
      expect(b).toMatchObject({primary: 0, secondary: bus, subordinate: bus, ioDecode: {enabled: true}})
      const fromDmesg = dmesgWindows(d)
      expect(fromDmesg.size).toBe(3)
      const hex = (n: number) => `0x${n.toString(16)}`
      expect(new Map([['io', `${hex(b.io!.base)}-${hex(b.io!.limit)}`], ['mem', `${hex(b.mem!.base)}-${hex(b.mem!.limit)}`], ['pref', `${hex(b.pref!.base)}-${hex(b.pref!.limit)}`]])).toEqual(fromDmesg)
      expect(renderIngest(set)).toContain(`PCI-to-PCI bridge (header type 1): bus 00 -> 0${bus}..0${bus}`)
      // The hexdump says what a type 1 header's rows hold.
      const rows = renderHexdump(d.config)
      expect(rows.find((r) => r.startsWith('010:'))).toMatch(/ {2}< BAR 0-1, buses, I\/O$/)
      expect(rows.find((r) => r.startsWith('030:'))).toMatch(/ {2}< ROM @38$/)
    }
    // An endpoint is no bridge, and its header rows carry no note.
    expect(bridgeView(device(set, '0000:00:03.0').config)).toBeUndefined()
    expect(renderHexdump(device(set, '0000:00:03.0').config).find((r) => r.startsWith('10:'))).not.toContain('<')
  })
})

describe.runIf(have('k6.12-q35-root-port-legacy'))('k6.12-q35-root-port-legacy: a root port without I/O space', () => {
  it('shows the I/O window closed and I/O decoding off, though the kernel wrote both', async () => {
    const set = await load('k6.12-q35-root-port-legacy')
    const b = bridgeView(device(set, '0000:00:01.0').config)!
    expect(b.io).toMatchObject({base: 0xf000, limit: 0xfff, closed: true})
    expect(b.ioDecode?.enabled).toBe(false)
    // The kernel assigned the window and enabled I/O (its writes are in the history)...
    expect((device(set, '0000:00:01.0').config.byte(0x1c)?.history ?? []).some((f) => f.origin === 'write' && f.value === 0x10)).toBe(true)
    expect(set.devices.find((d) => d.bdf === '0000:00:01.0')!.messages.some((m) => m.text.endsWith('bridge window [io  0x1000-0x1fff]: assigned'))).toBe(true)
  })
})

const captures = ['k5.10-pc-transitional', 'k6.1-pc-transitional', 'k6.12-pc-transitional', 'k6.1-q35-root-port', 'k6.12-q35-root-port-legacy', 'k6.12-pc-vectors1'].filter(have)

describe.runIf(captures.length > 0)('expansion ROMs (BAR 6) in real captures', () => {
  it.each(captures)('%s: virtio-net-pci has its 256 KiB ROM where dmesg puts it; the other virtio devices have none', async (name) => {
    const set = await load(name)
    const virtio = set.devices.filter((d) => d.qemuDevice?.startsWith('virtio-'))
    expect(virtio.length).toBeGreaterThan(0)
    for (const d of virtio) {
      const rom = d.expansionRom
      if (d.qemuDevice !== 'virtio-net-pci') {
        expect({bdf: d.bdf, size: rom?.size}).toEqual({bdf: d.bdf, size: 0})
        continue
      }
      const line = d.messages.map((m) => parsePciBarLine(m.text)).find((l) => l?.bar === 6)
      expect(line).toBeDefined()
      expect({bdf: d.bdf, size: rom?.size, addr: rom?.addr, enabled: rom?.romEnabled}).toEqual({bdf: d.bdf, size: 0x40000, addr: line!.start, enabled: false})
      expect(rom?.sizingReply).toBe(0xfffc0000)
      expect(rom?.how).toContain('register')
      expect(renderIngest(set)).toMatch(new RegExp(`\\n    6 +ROM disabled +0x${line!.start.toString(16)} +0x40000 `))
    }
  })
})

describe.runIf(have('k6.1-pc-transitional'))('BAR registers after sizing (k6.1-pc-transitional, the kernel sizes last)', () => {
  it('hold the address the kernel wrote back; the sizing reply is history, not the value', async () => {
    const set = await load('k6.1-pc-transitional')
    const net = device(set, '0000:00:02.0')
    const bar0 = [0x10, 0x11, 0x12, 0x13].map((o) => net.config.byte(o)!)
    expect(bar0.map((b) => b.current.value)).toEqual([0x41, 0xc1, 0x00, 0x00])
    expect(bar0.map((b) => b.current.origin)).toEqual(['restored', 'restored', 'restored', 'restored'])
    expect(bar0[0]!.history!.some((f) => f.origin === 'read' && f.value === 0xe1)).toBe(true)
    expect(net.bars[0]).toMatchObject({kind: 'io', addr: 0xc140, size: 0x20, sizingReply: 0xffffffe1})
    const rows = renderHexdump(net.config)
    expect(rows.find((r) => r.startsWith('10:'))).toBe('10:^41^c1^00^00^00^00^bc^fe^00^00^00^00^00^00^00^00')
    expect(rows.join('\n')).not.toContain('e1 ff ff ff')
  })
})
