import {describe, expect, it} from 'vitest'
import {serializeCase} from '../../src/oracle/case-format.js'
import {emptyImage, put, toProbeInput} from '../../src/oracle/fuzz/image.js'

describe('serializeCase', () => {
  const img = emptyImage()
  put(img, 0, 2, 0x1af4)
  put(img, 2, 2, 0x1041)
  img.known[0x43] = 0
  img.bars[0] = {type: 'io', start: 0xc000, len: 0x40}
  img.bars[4] = {type: 'mem', start: 0xfe000000, len: 0x4000, unknown: {start: true}}
  img.forceLegacy = true
  const text = serializeCase({id: 'c1', input: toProbeInput(img), barFlags: {4: ['mem64', 'pref']}, injections: {requestFail: [4], mapFail: [0, 2], dma64Fail: true}})
  const lines = text.trimEnd().split('\n')

  it('writes one case as keyword lines between `case` and `end`', () => {
    expect(lines.slice(0, 3)).toEqual(['case c1', 'bdf 0000:00:03.0', 'force_legacy 1'])
    expect(lines.at(-1)).toBe('end')
  })

  it('writes the six BARs, with `?` for facts the evidence lacks and the %pR flags', () => {
    expect(lines.filter((l) => l.startsWith('bar '))).toEqual([
      'bar 0 c000 40 io',
      'bar 1 0 0 none',
      'bar 2 0 0 none',
      'bar 3 0 0 none',
      'bar 4 ? 4000 mem64,pref',
      'bar 5 0 0 none',
    ])
  })

  it('writes injections as BAR masks', () => {
    expect(lines).toContain('inject reqfail=10 mapfail=5 dma64=fail')
  })

  it('writes 4096 config bytes in hex, an unknown byte as ??', () => {
    const cfg = lines.find((l) => l.startsWith('cfg '))!.slice(4)
    expect(cfg).toHaveLength(8192)
    expect(cfg.slice(0, 8)).toBe('f41a4110')
    expect(cfg.slice(0x43 * 2, 0x43 * 2 + 2)).toBe('??')
    expect(cfg.slice(0x42 * 2, 0x42 * 2 + 2)).toBe('00')
  })

  it('refuses an id the line format cannot carry', () => {
    expect(() => serializeCase({id: 'a b', input: toProbeInput(img)})).toThrow(/printable without spaces/)
  })
})

describe('serializeCase: queues', () => {
  const img = emptyImage()
  put(img, 0, 2, 0x1af4)
  const input = toProbeInput(img)
  it('writes queue_notify_off of queues 0, 1, ... in hex on a `queues` line, none without them', () => {
    expect(serializeCase({id: 'q', input, queueNotifyOffs: [0, 1, 0xffff]}).split('\n').filter((l) => l.startsWith('queues'))).toEqual(['queues 0 1 ffff'])
    expect(serializeCase({id: 'q', input}).split('\n').some((l) => l.startsWith('queues'))).toBe(false)
  })
  it('refuses more queues than the harness takes', () => {
    expect(() => serializeCase({id: 'q', input, queueNotifyOffs: new Array(65).fill(0)})).toThrow(/at most 64 queues/)
  })
})
