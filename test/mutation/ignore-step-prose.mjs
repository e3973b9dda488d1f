// Stryker ignorer `step-prose`: leaves unmutated the prose of the model's decision path, i.e. the
// `rule` and `detail` arguments of `rec.step(fn, rule, result, detail, kernelSource, check)`. That text
// explains a decision to a reader; it is pinned by the golden files (`probediff check`), and the
// decision itself (result, check id, reads) and everything the probe returns stay mutated.
import {PluginKind, declareValuePlugin} from '@stryker-mutator/api/plugin'

const RULE = 1
const DETAIL = 3

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'step-prose', {
    shouldIgnore(path) {
      if (path.listKey !== 'arguments' || (path.key !== RULE && path.key !== DETAIL)) return undefined
      const callee = path.parentPath?.node?.callee
      if (path.parentPath?.node?.type !== 'CallExpression' || callee?.type !== 'MemberExpression') return undefined
      if (callee.property?.type !== 'Identifier' || callee.property.name !== 'step') return undefined
      return 'decision-path prose (rule/detail of a step): pinned by the golden files, not by unit tests'
    },
  }),
]
