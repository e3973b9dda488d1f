import {readFileSync} from 'node:fs'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {DmesgParser} from '../../src/ingest/dmesg.js'
import {cleanConsoleText, splitKernelPrefix} from '../../src/ingest/kernel-prefix.js'
import type {KernelMessageRecord} from '../../src/ingest/records.js'
import {feedLines, fixture, newContext, onlyInputErrors} from './helpers.js'

function parse(text: string | Buffer, chunks?: number[]) {
  const {sink, warnings, ctx} = newContext('dmesg.txt')
  feedLines(new DmesgParser(ctx), ctx, text, chunks)
  return {records: sink.all as KernelMessageRecord[], warnings: warnings.warnings}
}

const read = (name: string) => readFileSync(fixture('dmesg', name), 'utf8')

describe('dmesg formats (real busybox dmesg of a 6.1 guest, and its dmesg -T / journalctl -k forms)', () => {
  const plain = parse(read('busybox-dmesg-6.1.txt')).records

  it('strips the printk time and keeps it as kernelTime', () => {
    expect(plain.length).toBe(read('busybox-dmesg-6.1.txt').trimEnd().split('\n').length)
    expect(plain[0]).toMatchObject({kind: 'kmsg', src: {file: 'dmesg.txt', line: 1}, kernelTime: 0, tag: 'linux-version', text: expect.stringMatching(/^Linux version 6\.1\.0-50-amd64 \(/)})
    const enumLine = plain.find((r) => r.text.startsWith('pci 0000:00:04.0: [1af4:1042]'))
    expect(enumLine).toMatchObject({bdf: '0000:00:04.0', tag: 'pci-enum'})
    expect(enumLine!.kernelTime).toBeGreaterThan(1)
  })

  it('gives the same texts, tags and devices from dmesg -T and journalctl -k', () => {
    const strip = (rs: KernelMessageRecord[]) => rs.map(({src, kernelTime, ...r}) => r)
    const t = parse(read('reproduced-dmesg-T.txt')).records
    const j = parse(read('reproduced-journalctl-k.txt')).records
    expect(strip(t)).toEqual(strip(plain))
    expect(strip(j)).toEqual(strip(plain))
    expect(t.every((r) => r.kernelTime === undefined)).toBe(true)
  })

  it('gives the same records for CRLF line ends', () => {
    const crlf = read('busybox-dmesg-6.1.txt').replace(/\n/g, '\r\n')
    expect(parse(crlf, [4096, 17]).records).toEqual(plain)
  })
})

describe('serial console captures', () => {
  for (const [name, release] of [
    ['serial-console-5.10.txt', '5.10.0-32-amd64'],
    ['serial-console-6.1-busybox.txt', '6.1.0-50-amd64'],
    ['serial-console-6.12-q35.txt', '6.12.117+deb13-amd64'],
  ] as const) {
    it(`${name}: kernel lines only, escapes removed, banner found`, () => {
      const text = read(name)
      const {records} = parse(text)
      // Every printk-stamped line with some text (an empty message gives no record).
      const stamped = text.split('\n').filter((l) => /\[ *\d+\.\d{6}\] \s*\S/.test(l)).length
      expect(records.length).toBe(stamped)
      expect(records.find((r) => r.tag === 'linux-version')?.text).toMatch(new RegExp(`^Linux version ${release.replace(/[.+]/g, '\\$&')} `))
      expect(records.some((r) => /SeaBIOS|iPXE|busybox|\x1b/.test(r.text))).toBe(false)
      expect(records.filter((r) => r.tag === 'pci-enum').length).toBeGreaterThan(4)
    })
  }

  it('5.10 enumerates BARs as reg 0x10..; 6.12 as BAR n and ROM', () => {
    const old = parse(read('serial-console-5.10.txt')).records.filter((r) => r.tag === 'pci-bar').map((r) => r.text)
    expect(old).toContain('pci 0000:00:04.0: reg 0x20: [mem 0xfe000000-0xfe003fff 64bit pref]')
    const recent = parse(read('serial-console-6.12-q35.txt')).records.filter((r) => r.tag === 'pci-bar').map((r) => r.text)
    expect(recent).toContain('pci 0000:01:00.0: BAR 4 [mem 0xfe000000-0xfe003fff 64bit pref]')
    expect(recent).toContain('pci 0000:01:00.0: ROM [mem 0xfe800000-0xfe83ffff pref]')
  })
})

describe('virtio-pci messages in a real capture (probediff capture, k5.10 pc, disable-modern=on devices)', () => {
  it('tags "leaving for legacy driver" per device', () => {
    const {records} = parse(read('capture-k5.10-pc-legacy-only.txt'))
    const leaving = records.filter((r) => r.text.endsWith('virtio_pci: leaving for legacy driver'))
    expect(leaving.map((r) => [r.bdf, r.tag])).toEqual([
      ['0000:00:02.0', 'virtio-pci'],
      ['0000:00:03.0', 'virtio-pci'],
      ['0000:00:04.0', 'virtio-pci'],
    ])
    expect(records.find((r) => r.tag === 'cmdline')?.text).toMatch(/console=ttyS0/)
  })
})

describe('dmesg bad input', () => {
  it('plain dmesg without timestamps keeps every line', () => {
    const {records} = parse('Linux version 6.1.0-28-amd64 (x) #1\nvirtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver\n')
    expect(records.map((r) => [r.tag, r.bdf])).toEqual([
      ['linux-version', undefined],
      ['virtio-pci', '0000:00:03.0'],
    ])
  })

  it('skips NUL bytes, control characters and other console output around kernel lines', () => {
    const {records} = parse('\x00\x00garbage\x07\n[    1.000000] pci 0000:00:03.0: [1af4:1000] type 00 class 0x020000\r\n~ # ls\r\n')
    expect(records).toEqual([{kind: 'kmsg', src: {file: 'dmesg.txt', line: 2}, text: 'pci 0000:00:03.0: [1af4:1000] type 00 class 0x020000', bdf: '0000:00:03.0', kernelTime: 1, tag: 'pci-enum'}])
  })
})

describe('dmesg properties (10,000 runs each)', () => {
  const message = fc.stringMatching(/^[A-Za-z0-9][ -~]{0,60}$/).filter((s) => s.trim() === s)
  it('round-trips [ sec.usec] prefixes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(99999), fc.nat(999999), message), {minLength: 1, maxLength: 5}), (lines) => {
        const text = lines.map(([s, us, m]) => `[${String(s).padStart(5, ' ')}.${String(us).padStart(6, '0')}] ${m}`).join('\n')
        const {records} = parse(text)
        expect(records.map((r) => [r.kernelTime, r.text])).toEqual(lines.map(([s, us, m]) => [Number(`${s}.${String(us).padStart(6, '0')}`), m]))
      }),
      {numRuns: 10_000},
    )
  })

  it('never throws on arbitrary bytes and console junk; CRLF and LF agree', () => {
    const junk = fc.string({unit: fc.constantFrom(...'[ ]0123456789.:pci virtio-pci\x1b\x00\r\tabc-'.split(''))})
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({maxLength: 200}).map((a) => Buffer.from(a).toString('latin1')), fc.array(junk, {maxLength: 5}).map((a) => a.join('\n'))), (text) => {
        expect(onlyInputErrors(() => parse(text, [5]))).toBe(true)
        if (!text.includes('\r')) expect(parse(text.replace(/\n/g, '\r\n')).records).toEqual(parse(text).records)
        expect(typeof splitKernelPrefix(cleanConsoleText(text)).text).toBe('string')
      }),
      {numRuns: 10_000},
    )
  })
})
