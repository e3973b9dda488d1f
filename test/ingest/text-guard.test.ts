/** The binary-data guard of text formats: no false alarm on any shipped real text input. */
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {isBinaryChunk, TextGuard} from '../../src/ingest/text-guard.js'

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* files(path)
    else if (/\.(txt|log|csv|gz)$/.test(name)) yield path
  }
}

describe('TextGuard', () => {
  it('passes every shipped text input (fixtures and captured traces), chunk by chunk', () => {
    let checked = 0
    for (const root of ['test/fixtures/ingest', 'traces']) {
      for (const path of files(root)) {
        let bytes = readFileSync(path)
        if (path.endsWith('.gz')) bytes = gunzipSync(bytes)
        const guard = new TextGuard(path, 'text')
        for (let at = 0; at < bytes.length; at += 1 << 20) {
          const chunk = bytes.subarray(at, at + (1 << 20))
          expect(isBinaryChunk(chunk), path).toBe(false)
          guard.check(chunk, 1)
        }
        checked++
      }
    }
    expect(checked).toBeGreaterThan(50)
  })

  it('refuses a run of NULs or random bytes past 1 MiB, at the line where it starts', () => {
    const guard = new TextGuard('f', 'qemu-log')
    guard.check(Buffer.from('line one\nline two\n'), 1)
    const zeros = Buffer.alloc(256 * 1024)
    expect(() => {
      for (let i = 0; i < 5; i++) guard.check(zeros, 3)
    }).toThrow(/^f:3: not qemu-log text: binary data/)
    // Generated: pseudo-random bytes (a fixed LCG), the shape of /dev/urandom.
    let x = 1
    const random = Buffer.from(Array.from({length: 1 << 20}, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff))
    expect(isBinaryChunk(random)).toBe(true)
  })
})
