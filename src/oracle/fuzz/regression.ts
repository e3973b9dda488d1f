/**
 * A minimized disagreement as a regression case (test/oracle/regressions/*.json): the input (only its
 * non-zero bytes), what the kernel code did per profile, and whether the model is still known to differ.
 */
import type {OracleResult} from '../result.js'
import type {SparseImage} from './minimize.js'

export interface RecordedKernelOutcome {
  readonly rc: OracleResult['rc']
  readonly transport: OracleResult['transport']
  readonly virtioDeviceId?: number
  readonly configOps?: OracleResult['configOps']
  readonly driverMatched?: boolean
  readonly messages: OracleResult['messages']
  readonly mappings: OracleResult['mappings']
  readonly undeterminedOffsets?: readonly number[]
}

export interface RegressionCase {
  readonly title: string
  /** open: the model is known to differ (reported); fixed: the model must agree. */
  readonly status: 'open' | 'fixed'
  /** What differs, in words, and where in the kernel the behaviour comes from. */
  readonly finding: string
  readonly image: SparseImage
  /** The kernel code's outcome per profile, as the oracle reported it when the case was recorded. */
  readonly kernel: Readonly<Record<string, RecordedKernelOutcome>>
}

export function recordKernel(r: OracleResult): RecordedKernelOutcome {
  return {
    rc: r.rc,
    transport: r.transport,
    ...(r.virtioDeviceId === undefined ? {} : {virtioDeviceId: r.virtioDeviceId}),
    ...(r.configOps === undefined ? {} : {configOps: r.configOps}),
    ...(r.driverMatched === undefined ? {} : {driverMatched: r.driverMatched}),
    messages: r.messages,
    mappings: r.mappings,
    ...(r.undeterminedOffsets === undefined ? {} : {undeterminedOffsets: r.undeterminedOffsets}),
  }
}

/** A recorded outcome as an OracleResult (for compareWithModel). */
export function asOracleResult(id: string, k: RecordedKernelOutcome): OracleResult {
  return {id, ...k, requests: [], attempts: [], reads: []}
}
