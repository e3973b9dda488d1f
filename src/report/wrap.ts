/** Wraps text to `width` columns at spaces, with a hanging indent for continuation lines. */
export function wrap(text: string, width: number, indent = '', hanging = indent): string[] {
  const words = text.split(/ +/)
  const lines: string[] = []
  let line = indent
  for (const word of words) {
    const sep = line === indent || line === hanging ? '' : ' '
    if (line.length + sep.length + word.length > width && line.trim() !== '') {
      lines.push(line)
      line = hanging + word
    } else {
      line += sep + word
    }
  }
  if (line.trim() !== '') lines.push(line)
  return lines
}
