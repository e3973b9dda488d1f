/**
 * virtio_pci_probe (drivers/virtio/virtio_pci_common.c, same logic 5.10 -> mainline) and the driver
 * core's report of its return (drivers/base/dd.c). The entry point of the model: probe().
 *
 *  - The id table is PCI_DEVICE(0x1af4, PCI_ANY_ID): any device id of vendor 0x1af4 is probed.
 *  - kzalloc and pci_enable_device are assumed to succeed. pci_enable_device may print
 *    "enabling device (old -> new)"; that depends on the COMMAND register before the probe, which the
 *    last-seen config space does not give, so it is not predicted (and the verdict ignores it).
 *  - force_legacy: legacy probe first, modern probe if it returned -ENODEV or -ENOMEM;
 *    otherwise: modern probe first, legacy probe if it returned -ENODEV.
 *  - rc 0: register_virtio_device resets the device and sets ACKNOWLEDGE (assumed to succeed).
 *  - The driver core: -ENODEV and -ENXIO are reported at debug level only; any other error is printed,
 *    `virtio-pci: probe of BDF failed with error -N` (pr_warn) up to 6.8,
 *    `virtio-pci BDF: probe with driver virtio-pci failed with error -N` (dev_err) from 6.9.
 */
import {PCI_VENDOR_ID, PCI_VENDOR_ID_REDHAT_QUMRANET} from '../pci/layout.js'
import type {DecisionStep, PredictedOutcome, ProbeAttempt, ProbeResult, ProbeRc} from './types.js'
import {type Errno, ERRNO_VALUE, type ProbeReturn, type VirtioId, deviceContext} from './device-context.js'
import type {ProbeInput} from './input.js'
import {legacyProbe} from './legacy-probe.js'
import {type ModernResult, modernProbe} from './modern-probe.js'
import {knownHeaderType, readPciDevFields} from './pci-dev.js'
import {type KernelProfile} from './profiles.js'
import {formatVersion} from './kernel-version.js'
import {DRIVER_NAME, ProbeRecorder} from './recorder.js'
import {hex} from '../util/hex.js'
import {specLints} from './spec-lints.js'
import {ProbeHangs, UnknownEvidence} from './unknown.js'
import {virtioTypeName} from './virtio-ids.js'

const COMMON_FILE = 'drivers/virtio/virtio_pci_common.c'
const FN = 'virtio_pci_probe'

interface Run {
  readonly transport: PredictedOutcome['transport']
  readonly rc: ProbeRc
  readonly virtioId?: VirtioId
  readonly modern?: ModernResult
  readonly configOps?: PredictedOutcome['configOps']
  readonly driverMatched: boolean
}

/** The model: what `profile`'s virtio-pci driver does with this PCI function. Pure. */
export function probe(input: ProbeInput, profile: KernelProfile): ProbeResult {
  return {predicted: predict(input, profile), lints: specLints(input)}
}

export function predict(input: ProbeInput, profile: KernelProfile): PredictedOutcome {
  const rec = new ProbeRecorder(input)
  const kernel = {
    profile: profile.name,
    version: formatVersion(profile.version),
    ...(profile.selection === undefined ? {} : {selection: profile.selection}),
  }
  let run: Run
  const stopped: Partial<PredictedOutcome> = {}
  const attempts: ProbeAttempt[] = []
  try {
    run = virtioPciProbe(rec, profile, input.forceLegacy, attempts)
  } catch (e) {
    if (e instanceof UnknownEvidence) {
      rec.failCheck({
        fn: 'evidence',
        rule: `${e.what} is needed and the evidence does not have it`,
        detail: 'outcome undetermined',
        check: 'evidence.unknown',
        facts: {what: e.what, offsets: e.offsets, bars: e.bars},
      })
      run = {transport: 'undetermined', rc: 'undetermined', driverMatched: true}
      if (e.offsets.length > 0) Object.assign(stopped, {undeterminedOffsets: e.offsets.map(hex)})
      if (e.bars.length > 0) Object.assign(stopped, {undeterminedBars: [...e.bars]})
    } else if (e instanceof ProbeHangs) {
      run = {transport: 'none', rc: 'hang', driverMatched: true}
    } else {
      throw e
    }
    // The attempt the run stopped in returned nothing: it ends with the run's rc.
    const last = attempts.at(-1)
    if (last?.rc === STARTED) attempts[attempts.length - 1] = {probe: last.probe, rc: run.rc}
  }
  return assemble(rec, run, kernel, stopped, attempts)
}

/** The rc of an attempt that has not returned yet. */
const STARTED = 'undetermined'

function assemble(rec: ProbeRecorder, run: Run, kernel: PredictedOutcome['kernel'], stopped: Partial<PredictedOutcome>, attempts: readonly ProbeAttempt[]): PredictedOutcome {
  const path: readonly DecisionStep[] = rec.path
  const outcome: PredictedOutcome = {
    transport: run.transport,
    rc: run.rc,
    ...virtioIdFields(run.virtioId),
    messages: rec.messages.map((m) => m.text),
    messageDetails: rec.messages,
    attempts,
    path,
    capabilities: rec.capabilities,
    mappings: rec.mappings,
    ...(run.modern?.notify ? {notify: {multiplier: hex(run.modern.notify.multiplier), mode: run.modern.notify.mode}} : {}),
    ...(run.configOps ? {configOps: run.configOps} : {}),
    ...(run.modern ? {modernBars: hex(run.modern.modernBars)} : {}),
    ...stopped,
    ...(rec.usesInferred ? {usesInferred: true} : {}),
    driverMatched: run.driverMatched,
    kernel,
  }
  return outcome
}

function virtioIdFields(id: VirtioId | undefined): Partial<PredictedOutcome> {
  if (id === undefined) return {}
  if (typeof id === 'number') return {virtioDeviceId: hex(id), virtioType: virtioTypeName(id)}
  return {virtioDeviceIdUnknownOffsets: id.unknownOffsets.map(hex)}
}

function virtioPciProbe(rec: ProbeRecorder, profile: KernelProfile, forceLegacy: boolean, attempts: ProbeAttempt[]): Run {
  const dev = readPciDevFields(rec)
  if (!knownHeaderType(dev.hdrType)) {
    rec.failCheck({
      fn: 'pci_setup_device',
      rule: 'unknown header type: the PCI core ignores the device',
      detail: `header type ${dev.hdrType}: no pci_dev, no driver probes it`,
      kernelSource: 'drivers/pci/probe.c',
      check: 'match.header-type',
      facts: {hdrType: dev.hdrType},
    })
    return {transport: 'none', rc: 'ENODEV', driverMatched: false}
  }
  if (dev.vendor !== PCI_VENDOR_ID_REDHAT_QUMRANET) {
    rec.failCheck({
      fn: 'pci_match_device',
      rule: 'virtio_pci_id_table: PCI_DEVICE(0x1af4, PCI_ANY_ID)',
      detail: `vendor ${hex(dev.vendor)}: virtio-pci never probes it`,
      kernelSource: 'drivers/pci/pci-driver.c',
      check: 'match.vendor',
      facts: {vendor: dev.vendor},
      basis: rec.readsAt(PCI_VENDOR_ID),
    })
    return {transport: 'none', rc: 'ENODEV', driverMatched: false}
  }
  rec.step('pci_match_device', 'virtio_pci_id_table: PCI_DEVICE(0x1af4, PCI_ANY_ID)', 'pass', `${hex(dev.vendor)}:${hex(dev.device)}`, 'drivers/pci/pci-driver.c')
  rec.step(FN, 'kzalloc, pci_enable_device', 'info', 'assumed to succeed; "enabling device (...)" is not predicted', COMMON_FILE)
  const ctx = deviceContext(rec, profile, dev)
  let modern: ModernResult | undefined
  let ret: ProbeReturn
  const attempt = (probe: ProbeAttempt['probe'], run: () => ProbeReturn): ProbeReturn => {
    attempts.push({probe, rc: STARTED})
    const r = run()
    attempts[attempts.length - 1] = {probe, rc: r.rc === 0 ? '0' : r.rc}
    return r
  }
  const runModern = (): ProbeReturn =>
    attempt('modern', () => {
      modern = modernProbe(ctx)
      return modern.ret
    })
  const runLegacy = (): ProbeReturn => attempt('legacy', () => legacyProbe(ctx))
  if (forceLegacy) {
    rec.step(FN, 'force_legacy: legacy probe first', 'info', 'virtio_pci.force_legacy=1', COMMON_FILE)
    ret = runLegacy()
    const fallback = ret.rc === 'ENODEV' || ret.rc === 'ENOMEM'
    rec.step(FN, 'legacy rc == -ENODEV || rc == -ENOMEM: try the modern probe', fallback ? 'info' : ret.rc === 0 ? 'pass' : 'fail', rcText(ret), COMMON_FILE)
    if (fallback) ret = withEarlierId(runModern(), ret)
  } else {
    ret = runModern()
    const fallback = ret.rc === 'ENODEV'
    rec.step(FN, 'modern rc == -ENODEV: try the legacy probe', fallback ? 'info' : ret.rc === 0 ? 'pass' : 'fail', rcText(ret), COMMON_FILE)
    if (fallback) ret = withEarlierId(runLegacy(), ret)
  }
  const base = {virtioId: ret.virtioId, modern, driverMatched: true}
  if (ret.rc === 0) {
    // The attempt that returned 0 is the last one made: its probe is the transport.
    const transport = attempts.at(-1)!.probe
    const configOps = transport === 'legacy' ? 'virtio_pci_config_ops' : modern?.configOps
    rec.step(FN, 'pci_set_master, register_virtio_device', 'pass', `${transport} transport; the device is reset and ACKNOWLEDGE set`, COMMON_FILE)
    return {...base, configOps, transport, rc: '0'}
  }
  reportFailure(rec, profile, ret.rc)
  return {...base, transport: 'none', rc: ret.rc}
}

/** Keeps the virtio id an earlier attempt computed when the later one did not get that far. */
function withEarlierId(later: ProbeReturn, earlier: ProbeReturn): ProbeReturn {
  return {...later, virtioId: later.virtioId ?? earlier.virtioId}
}

function rcText(ret: ProbeReturn): string {
  return ret.rc === 0 ? 'rc 0' : `rc -${ret.rc}`
}

/** dd.c: how the driver core reports a failed probe. */
function reportFailure(rec: ProbeRecorder, profile: KernelProfile, errno: Errno): void {
  const fn = profile.rules.driverCoreFn
  const file = 'drivers/base/dd.c'
  const n = -ERRNO_VALUE[errno]
  if (errno === 'ENODEV') {
    rec.step(fn, '-ENODEV / -ENXIO: "rejects match" at debug level only', 'fail', `rc ${n}: nothing printed at the default log level`, file)
    return
  }
  if (profile.rules.probeFailureReport === 'pr_warn') {
    rec.step(fn, 'other errors: pr_warn "%s: probe of %s failed with error %d"', 'fail', `rc ${n}`, file)
    rec.plainMessage('warn', `${DRIVER_NAME}: probe of ${rec.bdf} failed with error ${n}`)
  } else {
    rec.step(fn, 'other errors: dev_err "probe with driver %s failed with error %d"', 'fail', `rc ${n}`, file)
    rec.devMessage('err', `probe with driver ${DRIVER_NAME} failed with error ${n}`)
  }
}
