/**
 * sysfs PCI inputs: the binary `config` file (64 bytes for non-root readers, 256 conventional,
 * 4096 PCIe), and a whole device directory (`/sys/bus/pci/devices/0000:00:03.0` or a copy) whose
 * `resource` file gives each resource's start, end and IORESOURCE_* flags.
 */
import {readdir, stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {InputError} from '../util/errors.js'
import {type PciAddress, parseBdf} from '../util/pci-address.js'
import {InputBytes, ioError} from './byte-source.js'
import {decodeUtf8} from './text-decode.js'
import type {IngestContext} from './ingest-context.js'
import {hexPadded} from '../util/hex.js'

/** The sizes a config file has: 64 bytes for non-root readers, 256 conventional, 4096 PCIe. */
export const CONFIG_SIZES: ReadonlySet<number> = new Set([64, 256, 4096])
export const MAX_CONFIG = 4096

/** The BDF a sysfs path names: its own name, or its parent directory's for a `config` file. */
export function bdfFromSysfsPath(path: string): PciAddress | undefined {
  const name = basename(path)
  return parseSysfsName(name) ?? (name === 'config' ? parseSysfsName(basename(dirname(path))) : undefined)
}

function parseSysfsName(name: string): PciAddress | undefined {
  // sysfs names always carry the domain: 0000:00:03.0
  return /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(name) ? parseBdf(name) : undefined
}

/** Emits one ConfigDumpRecord from a binary config image. */
export function ingestConfigBytes(bytes: Buffer, ctx: IngestContext, address: PciAddress, title: string, file = ctx.file): void {
  if (bytes.length === 0) throw new InputError('empty config file', {file})
  let data = bytes
  if (bytes.length > MAX_CONFIG) {
    // Readers stop at MAX_CONFIG + 1 bytes: more is all they know.
    ctx.warnings.warn('sysfs-config-size', `config input of more than ${MAX_CONFIG} bytes; only the first ${MAX_CONFIG} read, as config space`, {file})
    data = bytes.subarray(0, MAX_CONFIG)
  } else if (!CONFIG_SIZES.has(bytes.length)) {
    ctx.warnings.warn('sysfs-config-size', `config file of ${bytes.length} bytes (64, 256 or 4096 expected): truncated copy?`, {file})
  }
  const rowSources = []
  for (let off = 0; off < data.length; off += 16) rowSources.push({file, record: off})
  ctx.records++
  ctx.sink.dump({kind: 'dump', src: {file, record: 0}, ...address, title, bytes: new Uint8Array(data), rowSources})
}

/**
 * A binary `config` file on its own. The BDF comes from `bdf`, else the path, else `defaultBdf`
 * (the function the user selected), else 0000:00:00.0.
 */
export function ingestSysfsConfig(input: InputBytes, path: string, ctx: IngestContext, bdf?: string, defaultBdf?: string): number {
  const bytes = input.head.subarray(0, MAX_CONFIG + 1)
  ingestConfigBytes(bytes, ctx, resolveAddress(path, ctx, bdf, defaultBdf), path)
  return bytes.length
}

function resolveAddress(path: string, ctx: IngestContext, bdf: string | undefined, defaultBdf?: string): PciAddress {
  if (bdf !== undefined) {
    const given = parseBdf(bdf)
    if (!given) throw new InputError(`not a PCI address: ${bdf}`, {file: ctx.file})
    return given
  }
  const fromPath = bdfFromSysfsPath(path)
  if (fromPath) return fromPath
  const selected = defaultBdf === undefined ? undefined : parseBdf(defaultBdf)
  if (selected) return selected
  ctx.warnings.warn('sysfs-no-bdf', 'the path does not name the device (no 0000:00:03.0 directory); assuming 0000:00:00.0', {file: ctx.file})
  return {domain: 0, bus: 0, slot: 0, func: 0}
}

/** A sysfs device directory: config, resource, and (checked against config) vendor / device. */
export async function ingestSysfsDir(path: string, ctx: IngestContext, bdf?: string, defaultBdf?: string): Promise<number> {
  const entries = await listDir(path, ctx.file)
  if (!entries.includes('config')) {
    throw new InputError('not a sysfs PCI device directory (it has no config file)', {file: ctx.file})
  }
  const address = resolveAddress(path, ctx, bdf, defaultBdf)
  const configPath = join(path, 'config')
  const configName = join(ctx.file, 'config')
  const bytes = await readSmallFile(configPath, configName, MAX_CONFIG + 1)
  ingestConfigBytes(bytes, ctx, address, path, configName)
  let total = bytes.length
  if (entries.includes('resource')) {
    const text = await readSmallFile(join(path, 'resource'), join(ctx.file, 'resource'), 64 * 1024)
    total += text.length
    ingestResourceText(decodeUtf8(text), ctx, address, join(ctx.file, 'resource'))
  } else {
    ctx.warnings.warn('sysfs-no-resource', 'no resource file: BAR addresses and sizes stay unknown', {file: ctx.file})
  }
  for (const [name, offset] of [
    ['vendor', 0],
    ['device', 2],
  ] as const) {
    if (!entries.includes(name)) continue
    const text = decodeUtf8(await readSmallFile(join(path, name), join(ctx.file, name), 64)).trim()
    const id = Number.parseInt(text, 16)
    if (bytes.length >= offset + 2 && id !== bytes.readUInt16LE(offset)) {
      ctx.warnings.warn('sysfs-id-mismatch', `${name} file says ${text} but config has ${hexPadded(bytes.readUInt16LE(offset), 4)}`, {
        file: join(ctx.file, name),
        line: 1,
      })
    }
  }
  return total
}

/** `0x%016llx 0x%016llx 0x%016llx` per resource (drivers/pci/pci-sysfs.c resource_show). */
export function ingestResourceText(text: string, ctx: IngestContext, address: PciAddress, file = ctx.file): void {
  const lines = text.split('\n')
  let index = 0
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    const src = {file, line: i + 1}
    const m = /^0x([0-9a-fA-F]{1,16}) 0x([0-9a-fA-F]{1,16}) 0x([0-9a-fA-F]{1,16})$/.exec(line)
    if (!m) {
      ctx.warnings.warn('sysfs-bad-resource', 'resource line is not `0xSTART 0xEND 0xFLAGS`; skipped', src)
      index++
      continue
    }
    const [start, end, flags] = [m[1]!, m[2]!, m[3]!].map((h) => Number.parseInt(h, 16)) as [number, number, number]
    if (![start, end, flags].every(Number.isSafeInteger)) {
      ctx.warnings.warn('sysfs-bad-resource', 'resource address beyond 2^53; skipped', src)
      index++
      continue
    }
    ctx.records++
    ctx.sink.resource({kind: 'resource', src, ...address, index, start, end, flags})
    index++
  }
}

async function listDir(path: string, displayName: string): Promise<string[]> {
  try {
    if (!(await stat(path)).isDirectory()) throw new InputError('not a directory', {file: displayName})
    return await readdir(path)
  } catch (error) {
    throw ioError(error, displayName)
  }
}

/** At most `limit` bytes of a file in a device directory (sysfs sizes say nothing: read, then stop). */
async function readSmallFile(path: string, displayName: string, limit: number): Promise<Buffer> {
  const input = await InputBytes.open(path, displayName, limit)
  await input.close()
  return input.head
}
