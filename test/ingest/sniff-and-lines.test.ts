import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {INPUT_FORMATS, sniffFormat} from '../../src/ingest/index.js'
import {LineSplitter} from '../../src/ingest/line-splitter.js'
import {sniffText} from '../../src/ingest/sniff.js'
import {InputError} from '../../src/util/errors.js'
import {fixture} from './helpers.js'

const tmp = mkdtempSync(join(tmpdir(), 'probediff-sniff-'))

describe('format sniffing', () => {
  const cases: [string[], string][] = [
    [['qemu-log', 'qemu72-tid-memops.log'], 'qemu-log'],
    [['qemu-log', 'qemu72-noprefix-console.log'], 'qemu-log'],
    [['qemu-log', 'reproduced-qemu101-iso.log'], 'qemu-log'],
    [['qemu-log', 'reproduced-qemu60-pre70.log'], 'qemu-log'],
    [['dmesg', 'busybox-dmesg-6.1.txt'], 'dmesg'],
    [['dmesg', 'serial-console-5.10.txt'], 'dmesg'],
    [['dmesg', 'reproduced-dmesg-T.txt'], 'dmesg'],
    [['dmesg', 'reproduced-journalctl-k.txt'], 'dmesg'],
    [['lspci', 'lspci-x.txt'], 'lspci'],
    [['lspci', 'lspci-D-vvv-xxx.txt'], 'lspci'],
    [['csv', 'analyzer-style.csv'], 'csv'],
    [['csv', 'from-qemu72-trace.csv'], 'csv'],
    [['sysfs', '0000:00:03.0'], 'sysfs-dir'],
    [['sysfs', '0000:00:03.0', 'config'], 'sysfs-config'],
  ]
  for (const [parts, format] of cases) {
    it(`${parts.join('/')} -> ${format}`, async () => {
      expect(await sniffFormat(fixture(...parts))).toBe(format)
    })
  }

  it('looks inside gzip', async () => {
    const path = join(tmp, 'console.txt.gz')
    writeFileSync(path, gzipSync(Buffer.from('[    0.000000] Linux version 6.1.0 (x)\n')))
    expect(await sniffFormat(path)).toBe('dmesg')
  })

  it('refuses empty files, binary garbage and unknown text with an InputError naming the file', async () => {
    const write = (name: string, data: Buffer | string) => {
      const p = join(tmp, name)
      writeFileSync(p, data)
      return p
    }
    await expect(sniffFormat(write('empty', ''))).rejects.toThrow(/empty: empty file/)
    const noise = Buffer.alloc(100_000)
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 131 + 7) & 0xff
    await expect(sniffFormat(write('noise.bin', noise))).rejects.toThrow(`noise.bin:1: binary data of no known format (not simpletrace, not a sysfs config file); accepted formats: ${INPUT_FORMATS.join(', ')} (--format)`)
    await expect(sniffFormat(write('notes.txt', 'hello\nworld\n'))).rejects.toThrow(`notes.txt:1: cannot tell the format (no QEMU trace events, kernel lines, lspci or hex dump, or CSV header found); accepted formats: ${INPUT_FORMATS.join(', ')} (--format)`)
    await expect(sniffFormat(write('bad.gz', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3])))).rejects.toBeInstanceOf(InputError)
  })

  it('never throws anything but InputError from sniffText (10,000 runs)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array({maxLength: 300}).map((a) => Buffer.from(a).toString('latin1'))), (text) => {
        const f = sniffText(Buffer.from(text, 'latin1'))
        expect(f === undefined || typeof f === 'string').toBe(true)
      }),
      {numRuns: 10_000},
    )
  })
})

describe('line splitting (10,000 runs each)', () => {
  function split(data: Buffer, chunks: number[], max = 64) {
    const lines: [string, number][] = []
    const overlong: number[] = []
    const s = new LineSplitter({line: (b, st, e, n) => lines.push([b.toString('latin1', st, e), n])}, (n) => overlong.push(n), max)
    let i = 0
    for (let pos = 0; pos < data.length; ) {
      const size = chunks[i++ % chunks.length]!
      s.push(Buffer.from(data.subarray(pos, pos + size)))
      pos += size
    }
    s.end()
    return {lines, overlong}
  }

  it('gives the same lines whatever the chunking, drops CR before LF, caps long lines', () => {
    fc.assert(
      fc.property(fc.string({unit: fc.constantFrom('a', 'b', '\n', '\r', '\x00', 'é')}), fc.array(fc.integer({min: 1, max: 50}), {minLength: 1, maxLength: 5}), (text, chunks) => {
        const data = Buffer.from(text, 'latin1')
        const expected: [string, number][] = []
        const long: number[] = []
        const parts = text.split('\n')
        if (parts[parts.length - 1] === '') parts.pop()
        parts.forEach((p, i) => {
          if (p.length > 64) long.push(i + 1)
          else expected.push([p.endsWith('\r') ? p.slice(0, -1) : p, i + 1])
        })
        expect(split(data, chunks)).toEqual({lines: expected, overlong: long})
      }),
      {numRuns: 10_000},
    )
  })

  it('never buffers an overlong line: a 20 MB line is dropped while streaming', () => {
    const chunk = Buffer.alloc(1 << 20, 0x41)
    let lines = 0
    const over: number[] = []
    const s = new LineSplitter({line: () => lines++}, (n) => over.push(n), 64 * 1024)
    const before = process.memoryUsage().arrayBuffers
    for (let i = 0; i < 20; i++) s.push(chunk)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20)
    s.push(Buffer.from('\nok\n'))
    s.end()
    expect({lines, over}).toEqual({lines: 1, over: [1]})
  })
})
