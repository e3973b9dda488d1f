/**
 * The kernel series probediff knows by name: the one list that the model's profiles, the oracle's
 * Debian trees (`oracle build --debian S`), capture's Debian kernels (`capture --kernel-series S`),
 * the fuzzers, the help texts and the tests take theirs from. Each is a Debian linux-source release;
 * `mainline` is the newest one in trixie-backports and has no cached kernel image to boot.
 */
export const KERNEL_SERIES = ['5.10', '6.1', '6.12', 'mainline'] as const
export type KernelSeries = (typeof KERNEL_SERIES)[number]

/** The series with a Debian kernel image that scripts/setup-qemu.sh caches for capture. */
export type BootableSeries = Exclude<KernelSeries, 'mainline'>
export const BOOTABLE_SERIES: readonly BootableSeries[] = KERNEL_SERIES.filter((s): s is BootableSeries => s !== 'mainline')
