/**
 * Long text on a terminal goes through a pager: $PAGER, else `less -R` (with LESS=FRX when LESS is
 * unset, as git does: one screen or less is printed without waiting). Elsewhere it is printed.
 */
import {spawn} from 'node:child_process'

export async function page(text: string, out: NodeJS.WriteStream = process.stdout): Promise<void> {
  const body = text.endsWith('\n') ? text : `${text}\n`
  if (!out.isTTY) {
    out.write(body)
    return
  }
  const command = process.env.PAGER?.trim() || 'less -R'
  const env = {...process.env, LESS: process.env.LESS ?? 'FRX'}
  const shown = await new Promise<boolean>((resolve) => {
    const child = spawn(command, {shell: true, stdio: ['pipe', 'inherit', 'inherit'], env})
    child.on('error', () => resolve(false))
    child.on('close', (code) => resolve(code !== 127))
    child.stdin.on('error', () => undefined)
    child.stdin.end(body)
  })
  if (!shown) out.write(body)
}
