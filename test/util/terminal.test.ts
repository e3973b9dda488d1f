/** The one escaping rule for what reaches a terminal, in text and in JSON. */
import {describe, expect, it} from 'vitest'
import {jsonForTerminal, sanitizeForTerminal} from '../../src/util/terminal.js'

const ALL_CONTROLS = Array.from({length: 0xa0}, (_, i) => String.fromCharCode(i)).filter((c) => c < ' ' || c >= '\u007f')

describe('escaping for a terminal', () => {
  it('text: every C0 (but tab and newline), DEL and C1 control becomes \\xNN', () => {
    const out = sanitizeForTerminal(ALL_CONTROLS.join(''))
    expect(out.replace(/[\t\n]/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
    expect(out).toContain('\\x9b')
    expect(out).toContain('\\x7f')
    expect(out).toContain('\\x1b')
  })

  it('JSON: DEL and C1 are \\u escapes, the text parses back to the same value', () => {
    const value = {name: `a${ALL_CONTROLS.join('')}é\u2028z`, n: [1, null]}
    const text = jsonForTerminal(value)
    expect(text.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
    expect(text).toContain('\\u009b')
    expect(text).toContain('\\u007f')
    expect(text).toContain('é')
    expect(JSON.parse(text)).toEqual(value)
    expect(text).toBe(JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`))
  })
})
