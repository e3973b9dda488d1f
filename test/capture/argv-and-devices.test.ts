import {describe, expect, it} from 'vitest'
import {shellQuote} from '../../src/capture/case-record.js'
import {driversFor, parseDeviceArgs} from '../../src/capture/devices.js'
import {EVENT_SETS} from '../../src/capture/events.js'
import {archProfile} from '../../src/capture/arch.js'
import {BASE_APPEND, buildQemuArgv, fullAppend, type QemuInvocation, recordedArgv} from '../../src/capture/qemu-argv.js'

const invocation: QemuInvocation = {
  qemu: '/usr/bin/qemu-system-x86_64',
  machine: 'q35',
  accel: 'tcg',
  memoryMiB: 512,
  kernel: '/home/u/.cache/probediff/kernels/6.1/boot/vmlinuz-6.1.0-50-amd64',
  initrd: '/tmp/probediff-capture-x/initramfs.cpio.gz',
  append: fullAppend('virtio_pci.force_legacy=1', archProfile('amd64')),
  events: EVENT_SETS.cfg,
  deviceArgs: ['-device', 'pcie-root-port,id=rp1,chassis=1', '-device', 'virtio-net-pci,bus=rp1', '-device', 'virtio-rng-pci'],
}

/** The value following `flag` in argv. */
const valueOf = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1]

describe('QEMU argv', () => {
  const argv = buildQemuArgv(invocation)

  it('boots the kernel and initrd with the machine, accelerator, serial console and no reboot', () => {
    expect(argv[0]).toBe('/usr/bin/qemu-system-x86_64')
    expect(valueOf(argv, '-machine')).toBe('q35')
    expect(valueOf(argv, '-accel')).toBe('tcg')
    expect(valueOf(argv, '-kernel')).toBe(invocation.kernel)
    expect(valueOf(argv, '-initrd')).toBe(invocation.initrd)
    expect(valueOf(argv, '-serial')).toBe('stdio')
    expect(valueOf(argv, '-msg')).toBe('timestamp=on')
    expect(argv).toContain('-no-reboot')
    expect(argv).toContain('-nodefaults')
  })

  it('enables exactly the events of the set', () => {
    const enabled = argv.flatMap((a, i) => (a === '-trace' ? [argv[i + 1]] : []))
    expect(enabled).toEqual(EVENT_SETS.cfg.map((e) => `enable=${e}`))
  })

  it('appends --append to the base command line and ends with the device arguments untouched', () => {
    expect(valueOf(argv, '-append')).toBe(`console=ttyS0 ${BASE_APPEND} virtio_pci.force_legacy=1`)
    expect(argv.slice(-6)).toEqual(invocation.deviceArgs)
    expect(fullAppend('  ', archProfile('amd64'))).toBe(`console=ttyS0 ${BASE_APPEND}`)
    expect(fullAppend(undefined, archProfile('arm64'))).toBe(`console=ttyAMA0 ${BASE_APPEND}`)
  })

  it('records host paths as placeholders and nothing else differently', () => {
    const recorded = recordedArgv(invocation, 'qemu-system-x86_64')
    expect(valueOf(recorded, '-kernel')).toBe('$KERNEL')
    expect(valueOf(recorded, '-initrd')).toBe('$INITRD')
    expect(recorded.join(' ')).not.toContain('/tmp/')
    expect(recorded.join(' ')).not.toContain('.cache')
    const same = (a: string[]) => a.filter((w) => w !== '$KERNEL' && w !== '$INITRD' && w !== invocation.kernel && w !== invocation.initrd).slice(1)
    expect(same(recorded)).toEqual(same(argv))
  })
})

describe('device arguments', () => {
  it('finds each -device type, also given as driver=', () => {
    const devices = parseDeviceArgs(['-blockdev', 'driver=null-co,node-name=d0', '-device', 'virtio-blk-pci,drive=d0', '-device', 'driver=virtio-rng-pci,disable-legacy=on', '-object', 'memory-backend-ram,id=m'])
    expect(devices).toEqual([
      {type: 'virtio-blk-pci', spec: 'virtio-blk-pci,drive=d0'},
      {type: 'virtio-rng-pci', spec: 'driver=virtio-rng-pci,disable-legacy=on'},
    ])
  })

  it('maps device types (and their transitional variants) to Linux drivers, transport first', () => {
    const devices = parseDeviceArgs(['-device', 'virtio-net-pci-non-transitional', '-device', 'virtio-serial-pci', '-device', 'ivshmem-plain,memdev=m', '-device', 'virtio-net-pci'])
    expect(driversFor(devices)).toEqual(['virtio_pci', 'virtio_net', 'virtio_console'])
  })
})

describe('case record helpers', () => {
  it('quotes shell words only where needed', () => {
    expect(shellQuote('virtio-net-pci,disable-legacy=on')).toBe('virtio-net-pci,disable-legacy=on')
    expect(shellQuote('a b')).toBe("'a b'")
    expect(shellQuote("it's")).toBe("'it'\\''s'")
    expect(shellQuote('$KERNEL')).toBe("'$KERNEL'")
  })
})
