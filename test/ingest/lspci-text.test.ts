/**
 * lspci's text forms, on real output of pciutils 3.9.0 (test/fixtures/ingest/lspci/README.md says how
 * each file was made): this host's five virtio-pci devices, and the QEMU guest's dumps re-read with -F.
 */
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {buildEvidence} from '../../src/evidence/build.js'
import {sniffFormat} from '../../src/ingest/index.js'
import {LspciParser} from '../../src/ingest/lspci.js'
import type {ConfigDumpRecord, DecodedBytesRecord, KernelDriverRecord, LspciBarRecord} from '../../src/ingest/records.js'
import {WarningSink} from '../../src/util/errors.js'
import {feedLines, fixture, newContext} from './helpers.js'

const lspciFixture = (name: string) => fixture('lspci', name)

function parse(name: string, chunks?: number[]) {
  const {sink, warnings, ctx} = newContext(name)
  const parser = new LspciParser(ctx)
  feedLines(parser, ctx, readFileSync(lspciFixture(name)), chunks)
  const at = (slot: number) => ({
    dump: sink.of('dump').find((r) => r.slot === slot) as ConfigDumpRecord | undefined,
    decoded: sink.of('decoded').find((r) => r.slot === slot) as DecodedBytesRecord | undefined,
    bars: sink.of('lspci-bar').filter((r) => r.slot === slot) as LspciBarRecord[],
    driver: sink.of('driver').find((r) => r.slot === slot) as KernelDriverRecord | undefined,
  })
  return {sink, warnings: warnings.warnings, at, devices: parser.devices}
}

const barsByIndex = (bars: LspciBarRecord[]) => Object.fromEntries(bars.map((b) => [b.index, b.bar]))

/** Every byte lspci decoded must be the byte the hex dump of the same device shows. */
function expectDecodeMatchesHex(decoded: DecodedBytesRecord, hex: Uint8Array) {
  expect(decoded.bytes.length).toBeGreaterThan(0)
  for (const b of decoded.bytes) expect({offset: b.offset, value: b.value}).toEqual({offset: b.offset, value: hex[b.offset]})
}

describe('lspci BAR lines', () => {
  it('-vv on this host: Region 0 with size and address, BARs 2..5 empty (lspci knew the sizes)', () => {
    const {at, warnings} = parse('host-vv.txt')
    expect(warnings).toEqual([])
    const {bars} = at(3)
    expect(barsByIndex(bars)).toEqual({
      0: {kind: 'mem', is64: true, prefetchable: false, start: 0x4000100000, size: 512 * 1024},
      2: 'empty',
      3: 'empty',
      4: 'empty',
      5: 'empty',
    })
    expect(bars.find((b) => b.index === 0)!.src).toEqual({file: 'host-vv.txt', line: 53})
  })

  it('-F re-reading dumps (no sizes): types and addresses only, ROM as index 6, nothing claimed empty', () => {
    const {at} = parse('guest-F-vv-nn.txt')
    expect(barsByIndex(at(3).bars)).toEqual({
      0: {kind: 'io', is64: false, prefetchable: false, start: 0xc000},
      1: {kind: 'mem', is64: false, prefetchable: false, start: 0xfebd1000},
      4: {kind: 'mem', is64: true, prefetchable: true, start: 0xfe000000},
    })
    expect(barsByIndex(at(2).bars)[6]).toEqual({kind: 'mem', is64: false, prefetchable: false, start: 0xfebc0000, disabled: true})
  })

  it('the guest lspci with sysfs: sizes in bytes and K, a 1-byte resource prints no size, ROM sizes', () => {
    const {at} = parse('lspci-D-vvv-xxx.txt')
    const ide = barsByIndex(at(1).bars.filter((b) => b.func === 1))
    expect(ide[0]).toEqual({kind: 'io', is64: false, prefetchable: false, start: 0x1f0, size: 8})
    expect(ide[1]).toEqual({kind: 'io', is64: false, prefetchable: false, start: 0x3f4})
    expect(barsByIndex(at(4).bars)).toMatchObject({0: 'empty', 1: {size: 4096}, 4: {is64: true, prefetchable: true, size: 16 * 1024}})
  })

  it('[disabled] and <unassigned> (decoding off, no address): the type stays, the address is unknown', () => {
    const {at} = parse('unassigned-disabled-F-vv.txt')
    expect(barsByIndex(at(3).bars)).toEqual({
      0: {kind: 'io', is64: false, prefetchable: false, start: 0xc000, disabled: true},
      1: {kind: 'mem', is64: false, prefetchable: false, start: 0xfebc1000, disabled: true},
      4: {kind: 'mem', is64: true, prefetchable: true, disabled: true},
    })
    const v = parse('unassigned-disabled-F-v.txt')
    expect(v.sink.of('lspci-unplaced-bars')[0]).toMatchObject({emptiesKnown: false, lines: [{bar: {kind: 'io'}}, {bar: {is64: false}}, {bar: {is64: true}}]})
  })

  it('as a user (64 config bytes, capabilities access denied) the BARs still come from sysfs', () => {
    const {at, warnings} = parse('host-nonroot-vv-x.txt')
    expect(warnings).toEqual([])
    expect(at(4).dump!.bytes.length).toBe(64)
    expect(barsByIndex(at(4).bars)).toMatchObject({0: {start: 0x4000180000, size: 512 * 1024}, 2: 'empty', 5: 'empty'})
    expect(at(4).decoded!.bytes.every((b) => b.offset < 0x40)).toBe(true)
  })

  it('-v: unnumbered lines are placed by the block hex, or left out with a warning when nothing tells', () => {
    const withHex = parse('host-v-x.txt')
    expect(withHex.warnings).toEqual([])
    expect(barsByIndex(withHex.at(2).bars)).toMatchObject({0: {kind: 'mem', is64: true, size: 512 * 1024}, 2: 'empty'})
    // Without hex a 64-bit BAR could be any of 0..4: the lines wait for another input's dump.
    const noHex = parse('host-v.txt')
    expect(noHex.warnings).toEqual([])
    expect(noHex.sink.of('lspci-bar')).toEqual([])
    expect(noHex.sink.of('lspci-unplaced-bars')[0]).toMatchObject({slot: 1, slots: 6, emptiesKnown: true, src: {file: 'host-v.txt', line: 8}})
  })
})

describe('lspci decoded config bytes and driver lines', () => {
  it('-vvv -xxx -nn -k -D: every decoded byte equals the hex of the same device', () => {
    const {at, warnings} = parse('host-vvv-xxx-nn-k-D.txt')
    expect(warnings).toEqual([])
    for (const slot of [1, 2, 3, 4, 5]) expectDecodeMatchesHex(at(slot).decoded!, at(slot).dump!.bytes)
    const offsets = at(3).decoded!.bytes.map((b) => b.offset)
    // ids and revision, subsystem, cap ids and cfg_type, the virtio fields, notify multiplier, MSI-X table/PBA
    for (const o of [0, 1, 2, 3, 8, 0x2c, 0x2f, 0x40, 0x43, 0x44, 0x48, 0x4c, 0x70, 0x73, 0x80, 0x83, 0x98, 0x9c, 0xa0]) expect(offsets).toContain(o)
    // The next pointers are printed masked (& ~3): not facts.
    for (const o of [0x41, 0x51, 0x34]) expect(offsets).not.toContain(o)
    expect(at(3).driver).toMatchObject({driver: {name: 'virtio-pci', src: {file: 'host-vvv-xxx-nn-k-D.txt'}}})
  })

  it('QEMU devices re-read with -F: the decode of virtio and MSI-X capabilities equals the dumped bytes', () => {
    const hex = parse('lspci-xxx.txt')
    for (const [file, slots] of [['guest-F-vv-nn.txt', [3, 4, 5]], ['seed-F-vvv-nn.txt', [2, 3]]] as const) {
      const {at} = parse(file)
      const ref = file === 'guest-F-vv-nn.txt' ? hex : undefined
      for (const slot of slots) {
        const bytes = ref ? ref.at(slot).dump!.bytes : readFileSync(`traces/fault-seeds/6.1/0000:00:0${slot}.0/config`)
        expectDecodeMatchesHex(at(slot).decoded!, new Uint8Array(bytes))
      }
    }
  })

  it('ids come from -nn, -n and numbers-only headers (-Q without DNS), never from names', () => {
    const id = (file: string) => parse(file).at(3).decoded?.bytes.filter((b) => b.offset < 4).map((b) => b.value)
    expect(id('host-nn.txt')).toEqual([0xf4, 0x1a, 0x41, 0x10])
    expect(id('host-n-v.txt')).toEqual([0xf4, 0x1a, 0x41, 0x10])
    expect(id('host-Q-vv.txt')).toEqual([0xf4, 0x1a, 0x41, 0x10])
    expect(id('host-vv.txt')).toEqual([])
    // Without -v the header type is not known, so the Subsystem line says nothing about 0x2c.
    expect(parse('host-k.txt').at(3).decoded!.bytes.map((b) => b.offset)).toEqual([8])
  })

  it('-k: the bound driver per device', () => {
    const {sink} = parse('host-k.txt')
    expect(sink.of('driver').map((r) => [r.slot, (r as KernelDriverRecord).driver?.name])).toEqual([1, 2, 3, 4, 5].map((s) => [s, 'virtio-pci']))
  })

  it('UTF-8 names are decoded as UTF-8', () => {
    const {at} = parse('utf8-name-F-vv-nn-xxx.txt')
    expect(at(2).dump!.title).toBe('Ethernet controller [0200]: Hilscher Gesellschaft für Systemautomation mbH Device [15cf:1041] (rev 01)')
    expectDecodeMatchesHex(at(2).decoded!, at(2).dump!.bytes)
  })
})

describe('lspci as pasted: prompts, CRLF, terminal recordings, -s, -D', () => {
  it('a prompt-framed CRLF paste gives what the plain outputs give', () => {
    const pasted = parse('host-prompt-crlf.txt')
    expect(pasted.warnings).toEqual([])
    expect(pasted.devices).toBe(2)
    expect(pasted.at(3).dump!.bytes).toEqual(parse('host-xxx.txt').at(3).dump!.bytes)
    expect(barsByIndex(pasted.at(3).bars)).toEqual(barsByIndex(parse('host-s-03-vv.txt').at(3).bars))
  })

  it('a script(1) recording (escapes, CRs, stderr inside the block) gives the same dump and BARs', () => {
    const rec = parse('host-typescript.txt', [7, 300])
    expect(rec.at(3).dump!.bytes).toEqual(parse('host-xxx.txt').at(3).dump!.bytes)
    expect(barsByIndex(rec.at(3).bars)).toEqual(barsByIndex(parse('host-vv.txt').at(3).bars))
    expect(rec.at(3).driver?.driver?.name).toBe('virtio-pci')
  })

  it('-s selects one device, -D prints the domain', () => {
    expect(parse('host-s-03-vv.txt').sink.of('lspci-bar').every((r) => r.slot === 3)).toBe(true)
    const d = parse('host-D-v-s-02.txt')
    expect(d.devices).toBe(1)
    expect(d.sink.all.every((r) => 'domain' in r && r.domain === 0 && r.slot === 2)).toBe(true)
  })

  it('every verbose form is sniffed as lspci', async () => {
    for (const f of ['host-v.txt', 'host-vv.txt', 'host-vvv.txt', 'host-k.txt', 'host-nn.txt', 'host-n-v.txt', 'host-Q-vv.txt', 'host-typescript.txt', 'host-prompt-crlf.txt', 'guest-F-v.txt']) {
      expect([f, await sniffFormat(lspciFixture(f))]).toEqual([f, 'lspci'])
    }
  })
})

describe('lspci files merge per BDF in the evidence', () => {
  it('a -vvv file and a -xxx file of the same devices: hex bytes, lspci BAR sizes, decoded bytes replaced by hex', async () => {
    const warnings = new WarningSink()
    const ev = await buildEvidence([{path: lspciFixture('host-vvv.txt'), displayName: 'vvv.txt'}, {path: lspciFixture('host-xxx.txt'), displayName: 'xxx.txt'}], {warnings})
    expect(warnings.warnings).toEqual([])
    const d3 = ev.devices.find((d) => d.bdf === '0000:00:03.0')!
    expect(d3.config.knownCount).toBe(256)
    expect(d3.config.byte(0x4c)!.current).toMatchObject({origin: 'dump', src: {file: 'xxx.txt'}})
    expect(d3.bars[0]).toMatchObject({kind: 'mem', is64: true, size: 0x80000, how: ['register', 'lspci']})
    expect(d3.bars.slice(2).map((b) => b.size)).toEqual([0, 0, 0, 0])
    expect(d3.kernelDriver).toEqual({name: 'virtio-pci', src: {file: 'vvv.txt', line: 67}})
  })

  it('without hex, decoded bytes stand as lspci-decode; a hex dump that disagrees is a conflict naming both lines', async () => {
    const alone = await buildEvidence([{path: lspciFixture('seed-F-vvv-nn.txt'), displayName: 'seed.txt'}], {})
    expect(alone.devices.find((d) => d.bdf === '0000:00:02.0')!.config.byte(0x48)!.current).toMatchObject({origin: 'lspci-decode', value: 0})
    const warnings = new WarningSink()
    await buildEvidence(
      [
        {path: lspciFixture('seed-F-vvv-nn.txt'), displayName: 'seed.txt'},
        {path: lspciFixture('misaligned-F-xxx.txt'), displayName: 'mutated.txt'},
      ],
      {warnings},
    )
    const conflict = warnings.warnings.find((w) => w.code === 'lspci-decode-conflict')!
    expect(conflict.message).toMatch(/0000:00:02\.0: config byte 0x[0-9a-f]+ is 0x[0-9a-f]+ in mutated\.txt:\d+ but lspci decoded 0x[0-9a-f]+ in seed\.txt:\d+/)
  })

  it('-v lines are placed by the dump of another file, or ignored with a warning when none shows the BARs', async () => {
    const placed = new WarningSink()
    const ev = await buildEvidence([{path: lspciFixture('guest-F-v.txt')}, {path: lspciFixture('lspci-xxx.txt')}], {warnings: placed})
    expect(placed.warnings).toEqual([])
    const d3 = ev.devices.find((d) => d.bdf === '0000:00:03.0')!
    expect(d3.bars.map((b) => b.how)).toEqual([['register', 'lspci'], ['register', 'lspci'], [], [], ['register', 'lspci'], ['upper-half']])
    const alone = new WarningSink()
    await buildEvidence([{path: lspciFixture('host-v.txt'), displayName: 'v.txt'}], {warnings: alone})
    expect(alone.warnings).toEqual([expect.objectContaining({code: 'lspci-bar-index', count: 5, source: {file: 'v.txt', line: 8}})])
    const withHex = await buildEvidence([{path: lspciFixture('host-v.txt')}, {path: lspciFixture('host-xxx.txt')}], {})
    expect(withHex.devices.find((d) => d.bdf === '0000:00:05.0')!.bars.map((b) => b.size)).toEqual([0x80000, 0, 0, 0, 0, 0])
  })

  it('lspci text and dmesg of the same boot merge per BDF and agree on the BARs', async () => {
    const warnings = new WarningSink()
    const ev = await buildEvidence([{path: lspciFixture('host-vvv.txt')}, {path: lspciFixture('host-dmesg-excerpt.txt')}], {warnings})
    expect(warnings.warnings).toEqual([])
    const d3 = ev.devices.find((d) => d.bdf === '0000:00:03.0')!
    expect(d3.bars[0]).toMatchObject({kind: 'mem', is64: true, size: 0x80000, addr: 0x4000100000, how: ['lspci', 'dmesg']})
    expect(d3.messages.map((m) => m.tag)).toContain('pci-enum')
    expect(d3.kernelDriver?.name).toBe('virtio-pci')
  })

  it('an lspci file that adds nothing is a warning beside the other inputs, never the end of the run', async () => {
    const warnings = new WarningSink()
    const ev = await buildEvidence([{path: lspciFixture('host-xxx.txt')}, {path: lspciFixture('host-s-00.txt'), displayName: 'terse.txt'}], {warnings})
    expect(ev.devices.length).toBe(6)
    expect(warnings.warnings).toEqual([expect.objectContaining({code: 'lspci-adds-nothing', source: {file: 'terse.txt'}})])
  })
})
