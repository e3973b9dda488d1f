import {gunzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {readNewcArchive} from '../../src/capture/cpio.js'
import {DMESG_BEGIN, DMESG_END} from '../../src/capture/console.js'
import {buildInitramfs, initScript} from '../../src/capture/initramfs.js'

describe('capture initramfs', () => {
  const busybox = Buffer.from('\x7fELF-busybox')
  const image = buildInitramfs(busybox, [
    {name: 'virtio', image: Buffer.from('m1')},
    {name: 'virtio_pci', image: Buffer.from('m2')},
  ])
  const records = readNewcArchive(gunzipSync(image))
  const byName = new Map(records.map((r) => [r.name, r]))

  it('is a gzip-compressed newc archive with busybox, applet links, modules and an executable /init', () => {
    expect(image[0]).toBe(0x1f)
    expect(byName.get('bin/busybox')?.data.equals(busybox)).toBe(true)
    expect(byName.get('bin/sh')?.data.toString()).toBe('busybox')
    expect(byName.get('lib/modules/virtio_pci.ko')?.data.toString()).toBe('m2')
    expect((byName.get('init')?.mode ?? 0) & 0o111).not.toBe(0)
    expect(byName.get('dev/console')?.rdevMajor).toBe(5)
  })

  it('loads modules in the given order, passing MODULE.param= from the command line', () => {
    const script = byName.get('init')?.data.toString() ?? ''
    const loads = script.split('\n').filter((l) => l.startsWith('insmod '))
    expect(loads).toEqual([
      'insmod /lib/modules/virtio.ko $(modparams virtio) || echo "probediff-init: insmod failed: virtio"',
      'insmod /lib/modules/virtio_pci.ko $(modparams virtio_pci virtio-pci) || echo "probediff-init: insmod failed: virtio_pci"',
    ])
  })

  it('prints dmesg between the markers, then powers off', () => {
    const lines = initScript([]).split('\n')
    const begin = lines.indexOf(`echo ${DMESG_BEGIN}`)
    expect(begin).toBeGreaterThan(0)
    expect(lines.slice(begin, begin + 4)).toEqual([`echo ${DMESG_BEGIN}`, 'dmesg', `echo ${DMESG_END}`, 'poweroff -f'])
  })
})
