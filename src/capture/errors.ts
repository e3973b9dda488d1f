/**
 * Failures of a capture that are not bad input: the guest panicked, hung, or QEMU died. They carry
 * the tail of the serial console (or of QEMU's stderr) so the user sees why without digging.
 */
export type CaptureFailureKind = 'panic' | 'timeout' | 'qemu-exit' | 'no-dmesg' | 'tool' | 'interrupted'

export class CaptureFailure extends Error {
  override readonly name = 'CaptureFailure'
  constructor(
    readonly kind: CaptureFailureKind,
    message: string,
    /** Last lines of the console or of QEMU's stderr, already trimmed for display. */
    readonly tail: readonly string[] = [],
    /** 2 when the command line or host setup is at fault (QEMU refused an argument, a tool is missing),
     * 130 when the user interrupted the capture. */
    readonly exitCode: 1 | 2 | 130 = 1,
  ) {
    super(message)
  }
}
