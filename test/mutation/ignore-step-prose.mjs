// Stryker ignorer `step-prose`: leaves unmutated the prose of the model's decision path: the `rule`
// and `detail` arguments of `rec.step(fn, rule, result, detail, kernelSource, check)`, the `rule`
// and `detail` properties of `rec.failCheck({fn, rule, detail, check, facts, ...})`, and the same
// text handed to them through vp_modern_map_capability's local `pass(rule, detail)` and
// `fail(check, facts, rule, message)` (map-capability.ts), down to the pieces of a template literal.
// That text explains a decision to a reader; it is pinned by the golden files (`probediff check`),
// and the decision itself (result, check id, typed facts, the kernel message, reads and their names)
// and everything the probe returns stay mutated.
import {PluginKind, declareValuePlugin} from '@stryker-mutator/api/plugin'

const RULE = 1
const DETAIL = 3
const PROSE_KEYS = new Set(['rule', 'detail'])
/** Local helpers of map-capability.ts that forward prose to rec.step / rec.failCheck: argument positions. */
const FORWARDERS = new Map([
  ['pass', new Set([0, 1])],
  ['fail', new Set([2])],
])

const calleeName = (call) =>
  call?.type === 'CallExpression' && call.callee?.type === 'MemberExpression' && call.callee.property?.type === 'Identifier'
    ? call.callee.property.name
    : undefined

/** A call of a local forwarder (plain identifier bound in an enclosing function, not an import). */
function forwarderArgs(path) {
  const call = path.parentPath?.node
  if (call?.type !== 'CallExpression' || call.callee?.type !== 'Identifier') return undefined
  const positions = FORWARDERS.get(call.callee.name)
  if (!positions) return undefined
  const binding = path.parentPath.scope?.getBinding(call.callee.name)
  return binding && binding.kind !== 'module' ? positions : undefined
}

/** Whether this node is (inside) the rule/detail prose of a step or failCheck call. */
function isStepProse(path) {
  for (let p = path; p; p = p.parentPath) {
    if (p.listKey === 'arguments' && (p.key === RULE || p.key === DETAIL) && calleeName(p.parentPath?.node) === 'step') return true
    if (p.listKey === 'arguments' && forwarderArgs(p)?.has(p.key)) return true
    const node = p.node
    if (node?.type === 'ObjectProperty' && node.key?.type === 'Identifier' && PROSE_KEYS.has(node.key.name)) {
      const object = p.parentPath
      const call = object?.parentPath?.node
      if (object?.node?.type === 'ObjectExpression' && object.listKey === 'arguments' && object.key === 0 && calleeName(call) === 'failCheck') return true
    }
    // Stop at statement level: prose never spans statements.
    if (node?.type?.endsWith('Statement') || node?.type === 'Program') return false
  }
  return false
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'step-prose', {
    shouldIgnore(path) {
      return isStepProse(path) ? 'decision-path prose (rule/detail of a step): pinned by the golden files, not by unit tests' : undefined
    },
  }),
]
