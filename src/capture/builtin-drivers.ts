/**
 * Is virtio_pci built into a kernel image? Asked when capture has no module directory: a modular
 * virtio_pci never loads from an initramfs without its modules, and the capture would be empty.
 * Evidence, first found wins: a kernel config next to the image (`config-<release>` as in /boot, or
 * the build tree's .config), modules.builtin (/lib/modules/<release>/ or the build tree), a real
 * System.map (not Debian's one-line stub), and the image itself: its embedded config (IKCONFIG) or,
 * without one, the parameter name `virtio_pci.force_legacy`, which only a built-in virtio_pci has
 * (a module's parameters carry no module-name prefix).
 */
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {gunzipSync} from 'node:zlib'

export interface TransportCheck {
  readonly verdict: 'built-in' | 'modular' | 'absent' | 'unknown'
  /** What decided it (`CONFIG_VIRTIO_PCI=m in /boot/config-6.1.0-50-amd64`), or what was looked at. */
  readonly evidence: string
  /** The virtio transport options that are modules (from a config), for the error message. */
  readonly modular: readonly string[]
}

/** The options the virtio-pci transport needs (5.10 has no VIRTIO_PCI_LIB*). */
const TRANSPORT_OPTIONS = ['CONFIG_VIRTIO', 'CONFIG_VIRTIO_PCI_LIB', 'CONFIG_VIRTIO_PCI_LIB_LEGACY', 'CONFIG_VIRTIO_PCI']

/** The release a bzImage names in its setup header (`kernel_version`, boot protocol 2.00+). */
export function bzImageRelease(image: Buffer): string | undefined {
  if (image.length < 0x250 || image.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined
  const off = 0x200 + image.readUInt16LE(0x20e)
  if (off >= image.length) return undefined
  const end = image.indexOf(0, off)
  return image.toString('latin1', off, end < 0 ? Math.min(image.length, off + 256) : end).split(' ')[0] || undefined
}

function fromConfig(text: string, where: string): TransportCheck | undefined {
  const value = (opt: string) => new RegExp(`^${opt}=([ym])$`, 'm').exec(text)?.[1]
  const pci = value('CONFIG_VIRTIO_PCI')
  const modular = TRANSPORT_OPTIONS.filter((o) => value(o) === 'm')
  if (pci === 'y') return {verdict: 'built-in', evidence: `CONFIG_VIRTIO_PCI=y in ${where}`, modular}
  if (pci === 'm') return {verdict: 'modular', evidence: `CONFIG_VIRTIO_PCI=m in ${where}`, modular}
  if (/^CONFIG_\w+=/m.test(text)) return {verdict: 'absent', evidence: `CONFIG_VIRTIO_PCI is not set in ${where}`, modular}
  return undefined
}

/** The bzImage's compressed vmlinux, decompressed (gzip in-process; xz, zstd, lz4 with their tools). */
function vmlinuxOf(image: Buffer): Buffer | undefined {
  if (image.length < 0x250 || image.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined
  const setupSects = image[0x1f1] || 4
  const start = (setupSects + 1) * 512 + image.readUInt32LE(0x248)
  const payload = image.subarray(start, start + image.readUInt32LE(0x24c))
  const magic = payload.subarray(0, 6).toString('hex')
  try {
    if (magic.startsWith('1f8b')) return gunzipSync(payload)
  } catch {
    return undefined
  }
  const tool = magic === 'fd377a585a00' ? 'xz' : magic.startsWith('28b52ffd') ? 'zstd' : magic.startsWith('02214c18') ? 'lz4' : undefined
  if (!tool) return undefined
  const r = spawnSync(tool, ['-dc'], {input: payload, maxBuffer: 1 << 30})
  // xz and lz4 complain about the padding after the stream; what came out is the image.
  return r.stdout && r.stdout.length > 0 ? r.stdout : undefined
}

export function checkTransportBuiltIn(vmlinuz: string): TransportCheck {
  const image = readFileSync(vmlinuz)
  const release = bzImageRelease(image) ?? basename(vmlinuz).replace(/^vmlinuz-/, '')
  const dir = dirname(vmlinuz)
  const buildTree = join(dir, '..', '..', '..')
  const looked: string[] = []

  for (const p of [join(dir, `config-${release}`), join(buildTree, '.config')]) {
    looked.push(p)
    const c = existsSync(p) ? fromConfig(readFileSync(p, 'utf8'), p) : undefined
    if (c) return c
  }
  for (const p of [join('/lib/modules', release, 'modules.builtin'), join(buildTree, 'modules.builtin')]) {
    looked.push(p)
    if (!existsSync(p)) continue
    const builtIn = /(^|\/)virtio_pci\.ko$/m.test(readFileSync(p, 'utf8'))
    return {verdict: builtIn ? 'built-in' : 'modular', evidence: `${p} ${builtIn ? 'lists' : 'does not list'} virtio_pci.ko`, modular: []}
  }
  for (const p of [join(dir, `System.map-${release}`), join(buildTree, 'System.map')]) {
    looked.push(p)
    if (!existsSync(p)) continue
    const map = readFileSync(p, 'utf8')
    if (map.split('\n', 100).length < 100) continue // Debian ships a one-line stub
    const builtIn = / virtio_pci_probe$/m.test(map)
    return {verdict: builtIn ? 'built-in' : 'modular', evidence: `${p} ${builtIn ? 'has' : 'has no'} virtio_pci_probe`, modular: []}
  }
  looked.push(`${vmlinuz} (decompressed)`)
  const vmlinux = vmlinuxOf(image)
  if (vmlinux) {
    const st = vmlinux.indexOf('IKCFG_ST')
    const ed = st >= 0 ? vmlinux.indexOf('IKCFG_ED', st) : -1
    if (st >= 0 && ed > st) {
      try {
        const c = fromConfig(gunzipSync(vmlinux.subarray(st + 8, ed)).toString('utf8'), `the config embedded in ${vmlinuz}`)
        if (c) return c
      } catch {
        // a marker without a config after it: go on with the parameter name
      }
    }
    const builtIn = vmlinux.includes('virtio_pci.force_legacy')
    return {
      verdict: builtIn ? 'built-in' : 'modular',
      evidence: `${vmlinuz} ${builtIn ? 'has' : 'lacks'} the built-in parameter virtio_pci.force_legacy`,
      modular: [],
    }
  }
  return {verdict: 'unknown', evidence: `looked at ${looked.join(', ')}`, modular: []}
}
