/**
 * Listings of PCI functions (lspci output, pasted config dumps) have a natural bound, so an endless
 * or repeated input under those formats ends with one file:line error instead of reading forever.
 * The inputs here are generated repeats of real lines (test/fixtures/ingest), and say so.
 */
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {HexDumpParser} from '../../src/ingest/hexdump.js'
import {ListingBound, MAX_ENTRIES_PER_FUNCTION, MAX_LINES_WITHOUT_ENTRY, MAX_LISTED_FUNCTIONS} from '../../src/ingest/listing-bound.js'
import {LspciParser} from '../../src/ingest/lspci.js'
import {InputError} from '../../src/util/errors.js'
import {feedLines, fixture, newContext} from './helpers.js'

function lspci(text: string) {
  const {ctx} = newContext('lspci.txt')
  const parser = new LspciParser(ctx)
  feedLines(parser, ctx, text, [4096])
  return parser
}

function hexDump(text: string) {
  const {sink, ctx} = newContext('paste.txt')
  feedLines(new HexDumpParser(ctx, {}), ctx, text, [4096])
  return sink.all
}

const errorOf = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    if (error instanceof InputError) return error.message
    throw error
  }
  return undefined
}

describe('lspci output is bounded by the functions it can list', () => {
  const listing = readFileSync(fixture('lspci', 'host-Q-vv.txt'), 'latin1')
  const header = '00:00.0 Host bridge: Intel Corporation 440FX - 82441FX PMC [Natoma] (rev 02)\n'

  it(`a report may paste the same listing a few times; more than ${MAX_ENTRIES_PER_FUNCTION} listings of one function end at the header that crosses it`, () => {
    expect(lspci(listing.repeat(3)).devices).toBe(18)
    expect(errorOf(() => lspci(header.repeat(MAX_ENTRIES_PER_FUNCTION)))).toBeUndefined()
    expect(errorOf(() => lspci(header.repeat(MAX_ENTRIES_PER_FUNCTION + 1)))).toBe(
      `lspci.txt:${MAX_ENTRIES_PER_FUNCTION + 1}: 0000:00:00.0 listed more than ${MAX_ENTRIES_PER_FUNCTION} times: not one lspci output (an endless or repeated input?)`,
    )
    const lines = listing.split('\n').length - 1
    expect(errorOf(() => lspci(listing.repeat(MAX_ENTRIES_PER_FUNCTION + 1)))).toBe(
      `lspci.txt:${MAX_ENTRIES_PER_FUNCTION * lines + listing.split('\n').findIndex((l) => l.startsWith('00:00.0')) + 1}: 0000:00:00.0 listed more than ${MAX_ENTRIES_PER_FUNCTION} times: not one lspci output (an endless or repeated input?)`,
    )
  })

  it(`more lines than any device block has, with no device header, end at the line that crosses ${MAX_LINES_WITHOUT_ENTRY}`, () => {
    const detail = '\tFlags: bus master, fast devsel, latency 0\n'
    expect(errorOf(() => lspci(header + detail.repeat(MAX_LINES_WITHOUT_ENTRY)))).toBeUndefined()
    expect(errorOf(() => lspci(header + detail.repeat(MAX_LINES_WITHOUT_ENTRY + 1)))).toBe(
      `lspci.txt:${MAX_LINES_WITHOUT_ENTRY + 2}: more than ${MAX_LINES_WITHOUT_ENTRY} lines without a device header line: not one lspci output (an endless or repeated input?)`,
    )
    expect(errorOf(() => lspci('lspci: Unable to load libkmod resources: error -2\n'.repeat(MAX_LINES_WITHOUT_ENTRY + 1)))).toMatch(/^lspci\.txt:65537: more than 65536 lines/)
  })

  it(`more than ${MAX_LISTED_FUNCTIONS} functions (one PCI domain) is not one listing`, () => {
    const bound = new ListingBound('lspci.txt', 'lspci output', 'a device header line')
    for (let line = 1; line <= MAX_LISTED_FUNCTIONS; line++) bound.startsEntry(line)
    expect(errorOf(() => bound.startsEntry(MAX_LISTED_FUNCTIONS + 1))).toBe(
      `lspci.txt:${MAX_LISTED_FUNCTIONS + 1}: more than ${MAX_LISTED_FUNCTIONS} entries (one PCI domain's functions): not one lspci output (an endless or repeated input?)`,
    )
  })
})

describe('pasted config dumps are bounded the same way', () => {
  const dump = readFileSync(fixture('hexdump', 'host03-xxd.prompt.txt'), 'latin1')
  const row = '00000000: 8680 3712 0301 0000 0000 0006 0000 0000  ..7.............\n'

  it(`one device dumped more than ${MAX_ENTRIES_PER_FUNCTION} times ends at the dump that crosses it`, () => {
    expect(hexDump(dump.repeat(2))).toHaveLength(2)
    expect(errorOf(() => hexDump(dump.repeat(MAX_ENTRIES_PER_FUNCTION)))).toBeUndefined()
    expect(errorOf(() => hexDump(dump.repeat(MAX_ENTRIES_PER_FUNCTION + 1)))).toMatch(
      new RegExp(`^paste\\.txt:\\d+: 0000:00:03\\.0 listed more than ${MAX_ENTRIES_PER_FUNCTION} times: not one paste of config dumps`),
    )
    expect(errorOf(() => hexDump(row.repeat(MAX_ENTRIES_PER_FUNCTION + 1)))).toBe(
      `paste.txt:${MAX_ENTRIES_PER_FUNCTION + 1}: 0000:00:00.0 listed more than ${MAX_ENTRIES_PER_FUNCTION} times: not one paste of config dumps (an endless or repeated input?)`,
    )
  })

  it(`${MAX_LINES_WITHOUT_ENTRY} lines with no dump starting at offset 0 end there (a dump is at most 8192 lines)`, () => {
    expect(errorOf(() => hexDump('$ xxd /sys/bus/pci/devices/0000:00:03.0/config\n'.repeat(MAX_LINES_WITHOUT_ENTRY + 1)))).toMatch(
      /^paste\.txt:65537: more than 65536 lines without a dump starting at offset 0: not one paste of config dumps/,
    )
    const rows = Array.from({length: MAX_LINES_WITHOUT_ENTRY + 2}, (_, i) => `${(i * 16).toString(16).padStart(8, '0')}: 0000 0000 0000 0000 0000 0000 0000 0000  ................\n`)
    expect(errorOf(() => hexDump(rows.join('')))).toMatch(/^paste\.txt:65538: more than 65536 lines without a dump/)
  })
})
