/**
 * AccessLog (src/evidence/access-log.ts) keeps region accesses in typed arrays: what goes in comes
 * back, whatever the kind of source (a trace line, a simpletrace record number, a file alone), across
 * files and past the first growth of the arrays.
 */
import {describe, expect, it} from 'vitest'
import {AccessLog} from '../../src/evidence/access-log.js'
import type {RegionAccess} from '../../src/evidence/types.js'

const access = (i: number, src: RegionAccess['src']): RegionAccess => ({
  region: i % 2 === 0 ? 'common' : 'notify',
  op: i % 3 === 0 ? 'write' : 'read',
  offset: i,
  size: 2,
  value: 0x100 + i,
  src,
  addr: 0xfe000000 + i,
  bar: 4,
})

describe('AccessLog', () => {
  it('gives back each access with its source: a line, a record, or the file alone', () => {
    const log = new AccessLog(16)
    const sources: RegionAccess['src'][] = [{file: 'trace.log', line: 7}, {file: 'trace-4242', record: 3}, {file: 'dmesg.txt'}, {file: 'trace.log', line: 0}, {file: 'trace-4242', record: 0}]
    const accesses = sources.map((src, i) => access(i, src))
    accesses.forEach((a, i) => log.push(a, i))
    expect(log.toAccesses()).toStrictEqual(accesses)
    expect(log.length).toBe(5)
  })

  it('past the first 64 accesses the arrays grow and keep everything in order', () => {
    const log = new AccessLog(200)
    const accesses = Array.from({length: 130}, (_, i) => access(i, {file: i % 2 ? 'a.log' : 'b.log', line: i + 1}))
    accesses.forEach((a, i) => log.push(a, 1000 + i))
    expect(log.toAccesses()).toStrictEqual(accesses)
    expect(log.seqAt(129)).toBe(1129)
    log.dropFirst(100)
    expect(log.toAccesses()).toStrictEqual(accesses.slice(100))
    expect(log.seqAt(0)).toBe(1100)
  })
})
