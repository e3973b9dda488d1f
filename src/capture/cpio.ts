import {hexDigits} from '../util/hex.js'

/**
 * A writer for the "newc" cpio format (magic 070701), the format the Linux kernel unpacks as an
 * initramfs. Entries get fixed inode numbers, uid/gid 0 and mtime 0 so the same inputs always give
 * the same bytes.
 */

export type CpioEntry =
  | {readonly kind: 'dir'; readonly path: string; readonly mode?: number}
  | {readonly kind: 'file'; readonly path: string; readonly data: Uint8Array; readonly mode?: number}
  | {readonly kind: 'symlink'; readonly path: string; readonly target: string}
  | {readonly kind: 'chardev'; readonly path: string; readonly major: number; readonly minor: number; readonly mode?: number}

const S_IFDIR = 0o040000
const S_IFREG = 0o100000
const S_IFLNK = 0o120000
const S_IFCHR = 0o020000
const TRAILER = 'TRAILER!!!'

/** Serialises entries (in the given order) followed by the trailer record. */
export function newcArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = []
  let offset = 0
  const push = (b: Buffer) => {
    parts.push(b)
    offset += b.length
  }
  const pad = () => {
    const rem = offset % 4
    if (rem !== 0) push(Buffer.alloc(4 - rem))
  }
  let ino = 1
  const record = (path: string, mode: number, data: Uint8Array, nlink: number, rdev: [number, number]) => {
    const name = Buffer.from(`${path}\0`, 'utf8')
    const fields = [ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], name.length, 0]
    push(Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii'))
    push(name)
    pad()
    if (data.length > 0) {
      push(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
      pad()
    }
  }
  for (const e of entries) {
    const path = archivePath(e.path)
    switch (e.kind) {
      case 'dir':
        record(path, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), 2, [0, 0])
        break
      case 'file':
        record(path, S_IFREG | (e.mode ?? 0o644), e.data, 1, [0, 0])
        break
      case 'symlink':
        record(path, S_IFLNK | 0o777, Buffer.from(e.target, 'utf8'), 1, [0, 0])
        break
      case 'chardev':
        record(path, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), 1, [e.major, e.minor])
        break
    }
  }
  ino = 0
  record(TRAILER, 0, new Uint8Array(0), 1, [0, 0])
  return Buffer.concat(parts)
}

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio field out of range: ${n}`)
  return hexDigits(n, 8).toUpperCase()
}

/** Archive names are relative ("bin/busybox"); the root directory is ".". */
function archivePath(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '')
  if (trimmed === '') return '.'
  if (trimmed.split('/').some((part) => part === '..' || part === '')) throw new RangeError(`bad cpio path: ${path}`)
  return trimmed
}

/** One parsed record, for tests and for checking an initramfs we built. */
export interface CpioRecord {
  readonly name: string
  readonly mode: number
  readonly rdevMajor: number
  readonly rdevMinor: number
  readonly data: Buffer
}

/** Reads a newc archive back (stops at the trailer). Throws on a malformed archive. */
export function readNewcArchive(buf: Buffer): CpioRecord[] {
  const out: CpioRecord[] = []
  let pos = 0
  const align = (n: number) => (n + 3) & ~3
  for (;;) {
    if (pos + 110 > buf.length) throw new RangeError(`cpio: truncated header at ${pos}`)
    const header = buf.toString('ascii', pos, pos + 110)
    if (!header.startsWith('070701')) throw new RangeError(`cpio: bad magic at ${pos}`)
    const field = (i: number) => Number.parseInt(header.slice(6 + i * 8, 14 + i * 8), 16)
    const mode = field(1)
    const size = field(6)
    const nameSize = field(11)
    const nameStart = pos + 110
    const name = buf.toString('utf8', nameStart, nameStart + nameSize - 1)
    const dataStart = align(nameStart + nameSize)
    if (dataStart + size > buf.length) throw new RangeError(`cpio: truncated data for ${name}`)
    if (name === TRAILER) return out
    out.push({name, mode, rdevMajor: field(9), rdevMinor: field(10), data: buf.subarray(dataStart, dataStart + size)})
    pos = align(dataStart + size)
  }
}
