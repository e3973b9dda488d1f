import {describe, expect, it} from 'vitest'
import type {PredictedOutcome} from '../../src/model/types.js'
import type {ObservedOutcome} from '../../src/outcome/types.js'
import {compareMessages, verdict} from '../../src/outcome/verdict.js'

const BDF = '0000:00:03.0'
const LEAVING = `virtio-pci ${BDF}: virtio_pci: leaving for legacy driver`
const MISSING = `virtio-pci ${BDF}: virtio_pci: missing capabilities 64/80/0`
const DD = `virtio-pci: probe of ${BDF} failed with error -22`

function predicted(o: Partial<PredictedOutcome>): PredictedOutcome {
  const messages = o.messages ?? []
  return {transport: 'modern', rc: '0', attempts: [], path: [], capabilities: [], mappings: [], messageDetails: messages.map((text) => ({level: 'err', text})), ...o, messages}
}

function observed(o: Partial<ObservedOutcome>): ObservedOutcome {
  return {transport: 'modern', acknowledged: true, driverOk: true, messages: [], unattributedMessages: [], ...o}
}

describe('verdict: model vs kernel', () => {
  it('agree: same transport, registered, no messages', () => {
    expect(verdict(predicted({}), observed({}))).toEqual({kind: 'agree'})
  })

  it('agree: legacy fallback with its info line', () => {
    expect(verdict(predicted({transport: 'legacy', messages: [LEAVING]}), observed({transport: 'legacy', messages: [LEAVING]})).kind).toBe('agree')
  })

  it('agree: a failed probe with its lines, nothing registered', () => {
    const p = predicted({transport: 'none', rc: 'EINVAL', messages: [MISSING, DD]})
    expect(verdict(p, observed({transport: 'none', acknowledged: false, driverOk: false, messages: [MISSING, DD]})).kind).toBe('agree')
  })

  it('disagree on transport first', () => {
    const v = verdict(predicted({transport: 'legacy', messages: [LEAVING]}), observed({transport: 'modern'}))
    expect(v).toMatchObject({kind: 'disagree'})
    expect(v.reason).toMatch(/^transport: predicted legacy, observed modern/)
  })

  it('disagree: ACKNOWLEDGE reached iff rc 0', () => {
    const v = verdict(predicted({transport: 'none', rc: 'EINVAL', messages: [MISSING, DD]}), observed({transport: 'unknown', messages: [MISSING, DD]}))
    expect(v.reason).toBe('ACKNOWLEDGE: predicted rc -EINVAL (not registered), observed the device registered')
    expect(v.notCompared).toEqual(['transport (not traced)'])
  })

  it('disagree: a predicted line missing, an unpredicted line, lines out of order', () => {
    const p = predicted({transport: 'none', rc: 'EINVAL', messages: [MISSING, DD]})
    const none = {transport: 'none' as const, acknowledged: false}
    expect(verdict(p, observed({...none, messages: [MISSING]})).reason).toBe(`messages: predicted "${DD}", not observed`)
    expect(verdict(p, observed({...none, messages: [MISSING, LEAVING, DD]})).reason).toBe(`messages: observed "${LEAVING}", not predicted`)
    expect(verdict(p, observed({...none, messages: [DD, MISSING]})).reason).toBe(`messages: "${DD}" observed out of the predicted order`)
  })

  it('map-check lines the setup_vq model predicts (per-queue notify) are set aside, once each', () => {
    const perQueue = `virtio-pci ${BDF}: virtio_pci: bad capability len 4194304 (>4194304 expected)`
    const o = observed({messages: [perQueue]})
    expect(verdict(predicted({}), o).reason).toBe(`messages: observed "${perQueue}", not predicted`)
    expect(verdict(predicted({}), o, {setupVqMessages: [perQueue]}).kind).toBe('agree')
    expect(verdict(predicted({}), observed({messages: [perQueue, perQueue]}), {setupVqMessages: [perQueue]}).kind).toBe('disagree')
  })

  it('the unnamed ABI printk is checked by presence in the log', () => {
    const abi = 'virtio_pci: expected ABI version 0, got 1'
    const p = predicted({messages: [abi]})
    expect(verdict(p, observed({unattributedMessages: [abi]})).kind).toBe('agree')
    expect(verdict(p, observed({unattributedMessages: []})).reason).toBe(`messages: predicted "${abi}", not observed`)
  })

  it('no kernel log: not agree, undetermined naming the messages as not observed', () => {
    const v = verdict(predicted({messages: [LEAVING], transport: 'legacy'}), observed({transport: 'legacy', messages: [], messagesKnown: false}))
    expect(v).toEqual({kind: 'undetermined', reason: 'not observed: messages (no kernel log)', notCompared: ['messages (no kernel log)']})
  })

  it('agree never rests on an unobserved fact: transport or registration unknown is undetermined', () => {
    const transportUnknown = verdict(predicted({transport: 'legacy', messages: [LEAVING]}), observed({transport: 'unknown', transportEvidence: 'no region accesses traced', messages: [LEAVING]}))
    expect(transportUnknown).toEqual({
      kind: 'undetermined',
      reason: 'not observed: transport (no region accesses traced)',
      notCompared: ['transport (no region accesses traced)'],
    })
    const why = 'no probe failure in the log'
    const both = verdict(predicted({}), observed({transport: 'unknown', transportEvidence: why, acknowledged: false, acknowledgedKnown: false, acknowledgedEvidence: why}))
    expect(both.kind).toBe('undetermined')
    expect(both.reason).toBe(`not observed: transport and whether the probe returned 0 (${why})`)
    // An observed difference still disagrees, with what was not observed listed beside it.
    const v = verdict(predicted({transport: 'none', rc: 'EINVAL', messages: [MISSING, DD]}), observed({transport: 'unknown', messages: [LEAVING]}))
    expect(v.kind).toBe('disagree')
  })

  it('a virtio driver failing after the transport probe succeeded is not a probe failure, and the verdict says what it is', () => {
    // Lines as a 6.12 guest printed them for a device behind a root port without I/O space (issue text).
    const line = 'virtio_net virtio1: probe with driver virtio_net failed with error -2'
    const o = observed({transport: 'legacy', messages: [LEAVING], driverOk: false, driverFailure: {driver: 'virtio_net', error: -2, line, source: 'dmesg.txt:412'}})
    const v = verdict(predicted({transport: 'legacy', messages: [LEAVING]}), o)
    expect(v.kind).toBe('agree')
    expect(v.reason).toBe(`the probe succeeded; after it the virtio driver virtio_net failed its own probe with error -2 (${line}, dmesg.txt:412): a driver failure, not a transport one`)
  })

  it('undetermined: no observed side, an undetermined prediction, a predicted hang', () => {
    expect(verdict(predicted({}), undefined).kind).toBe('undetermined')
    const u = verdict(predicted({rc: 'undetermined', transport: 'none', undeterminedOffsets: ['0x7e'], undeterminedBars: [4]}), observed({}))
    expect(u).toEqual({kind: 'undetermined', reason: 'prediction undetermined: the evidence lacks config bytes 0x7e and BAR 4 facts'})
    expect(verdict(predicted({rc: 'hang', transport: 'none'}), observed({transport: 'none', acknowledged: false})).kind).toBe('undetermined')
    expect(verdict(predicted({rc: 'hang', transport: 'none'}), observed({})).kind).toBe('disagree')
  })
})

describe('verdict: each reason in full', () => {
  const none = {transport: 'none' as const, acknowledged: false, driverOk: false}

  it('no observed side (a static dump): undetermined, saying so', () => {
    expect(verdict(predicted({}), undefined)).toEqual({kind: 'undetermined', reason: 'no observed side: a static dump shows no kernel behaviour'})
  })

  it('a predicted failure not registered agrees; a driver failure after it is no reason on a registration predicted', () => {
    const failure = {driver: 'virtio_net', error: -2, line: 'virtio_net virtio0: probe with driver virtio_net failed with error -2', source: 'dmesg.txt:5'}
    expect(verdict(predicted({transport: 'none', rc: 'ENODEV'}), observed({transport: 'none', acknowledged: false}))).toEqual({kind: 'agree'})
    expect(verdict(predicted({}), observed({acknowledged: false, driverFailure: failure}))).toEqual({kind: 'disagree', reason: 'ACKNOWLEDGE: predicted rc 0 (registered), observed no registration'})
  })

  it('a driver failure with the I/O BAR a bridge does not forward: the bridge named in the note', () => {
    const line = 'virtio_net virtio0: probe with driver virtio_net failed with error -2'
    const ioUnreachable = {bar: 2, port: '0xc040', bridge: '0000:00:1c.0', reasons: ['its I/O window closed (trace.log:7)']}
    const o = observed({transport: 'legacy', driverFailure: {driver: 'virtio_net', error: -2, line, source: 'dmesg.txt:3', ioUnreachable}})
    expect(verdict(predicted({transport: 'legacy'}), o)).toEqual({
      kind: 'agree',
      reason: `the probe succeeded; after it the virtio driver virtio_net failed its own probe with error -2 (${line}, dmesg.txt:3): a driver failure, not a transport one; the device's I/O BAR 2 (port 0xc040) is not forwarded by the bridge 0000:00:1c.0 above it`,
    })
  })

  it('a predicted hang with the device registered disagrees on rc', () => {
    expect(verdict(predicted({rc: 'hang', transport: 'none'}), observed({}))).toEqual({kind: 'disagree', reason: 'rc: predicted hang (cyclic capability list), observed the device registered'})
    expect(verdict(predicted({rc: 'hang', transport: 'none'}), observed(none))).toEqual({
      kind: 'undetermined',
      reason: 'prediction: the kernel hangs walking a cyclic capability list; the trace cannot confirm a hang',
    })
  })

  it('an undetermined prediction names what the evidence lacks: bytes, BARs, or neither', () => {
    expect(verdict(predicted({rc: 'undetermined', undeterminedBars: [4, 5]}), observed({})).reason).toBe('prediction undetermined: the evidence lacks BAR 4, 5 facts')
    expect(verdict(predicted({rc: 'undetermined', undeterminedOffsets: ['0x7e', '0x7f']}), observed({})).reason).toBe('prediction undetermined: the evidence lacks config bytes 0x7e, 0x7f')
    expect(verdict(predicted({rc: 'undetermined', undeterminedOffsets: [], undeterminedBars: []}), observed({})).reason).toBe('prediction undetermined: the evidence lacks needed facts')
  })

  it('transport: the observed evidence named, or "trace"', () => {
    expect(verdict(predicted({}), observed({transport: 'legacy', transportEvidence: 'regions touched: legacy'}))).toEqual({
      kind: 'disagree',
      reason: 'transport: predicted modern, observed legacy (regions touched: legacy)',
    })
    expect(verdict(predicted({}), observed({transport: 'none'})).reason).toBe('transport: predicted modern, observed none (trace)')
  })

  it('ACKNOWLEDGE: rc 0 predicted, no registration observed, with and without its evidence', () => {
    expect(verdict(predicted({}), observed({acknowledged: false}))).toEqual({kind: 'disagree', reason: 'ACKNOWLEDGE: predicted rc 0 (registered), observed no registration'})
    expect(verdict(predicted({}), observed({acknowledged: false, acknowledgedEvidence: 'no reset'})).reason).toBe('ACKNOWLEDGE: predicted rc 0 (registered), observed no registration (no reset)')
  })

  it('ACKNOWLEDGE: a failure predicted, the device registered; the evidence and a later driver failure named', () => {
    const p = predicted({transport: 'none', rc: 'EINVAL'})
    const failure = {driver: 'virtio_blk', error: -5, line: 'virtio_blk virtio0: probe with driver virtio_blk failed with error -5', source: 'dmesg.txt:9'}
    const v = verdict(p, observed({transport: 'none', acknowledgedEvidence: 'virtio0 exists', driverFailure: failure}))
    expect(v).toEqual({
      kind: 'disagree',
      reason: `ACKNOWLEDGE: predicted rc -EINVAL (not registered), observed the device registered (virtio0 exists); after it the virtio driver virtio_blk failed its own probe with error -5 (${failure.line}, dmesg.txt:9): a driver failure, not a transport one`,
    })
  })

  it('a disagreement lists what was not observed before it', () => {
    const v = verdict(predicted({messages: [LEAVING], transport: 'legacy'}), observed({transport: 'unknown', transportEvidence: 'no trace', acknowledged: false}))
    expect(v).toEqual({
      kind: 'disagree',
      reason: 'ACKNOWLEDGE: predicted rc 0 (registered), observed no registration',
      notCompared: ['transport (no trace)'],
    })
  })

  it('facts not observed for different reasons are joined by "; ", a fact without a reason as is', () => {
    const v = verdict(
      predicted({transport: 'legacy', messages: [LEAVING]}),
      observed({transport: 'unknown', transportEvidence: 'why A', acknowledgedKnown: false, acknowledgedEvidence: 'why B', messagesKnown: false}),
    )
    expect(v.reason).toBe('not observed: transport (why A); whether the probe returned 0 (why B); messages (no kernel log)')
    const defaults = verdict(predicted({}), observed({transport: 'unknown', acknowledgedKnown: false}))
    expect(defaults.reason).toBe('not observed: transport (not traced); whether the probe returned 0 (no virtio status events traced)')
  })

  it('agree with no reason when no driver failed', () => {
    expect(verdict(predicted({}), observed({}))).toEqual({kind: 'agree'})
    expect(verdict(predicted({}), observed({}), {setupVqMessages: []})).toEqual({kind: 'agree'})
  })
})

describe('compareMessages', () => {
  const abi = 'virtio_pci: expected ABI version 0, got 1'

  it('the unnamed ABI line is not looked for among the device-named lines', () => {
    const p = predicted({messages: [abi, LEAVING]})
    expect(compareMessages(p, observed({messages: [LEAVING], unattributedMessages: [abi]}))).toBeUndefined()
    expect(compareMessages(p, observed({messages: [LEAVING]}))).toBe(`messages: predicted "${abi}", not observed`)
  })

  it('a predicted line observed twice: the second is not predicted', () => {
    expect(compareMessages(predicted({messages: [LEAVING]}), observed({messages: [LEAVING, LEAVING]}))).toBe(`messages: "${LEAVING}" observed out of the predicted order`)
  })

  it('all predicted lines seen in order: no difference', () => {
    expect(compareMessages(predicted({messages: [MISSING, DD]}), observed({messages: [MISSING, DD]}))).toBeUndefined()
  })
})
