/**
 * Kernel logs: plain `dmesg`, `[ sec.usec]` prefixes, `dmesg -T`, `journalctl -k`, and serial
 * console captures mixed with other output. When a file has prefixed lines, unprefixed ones are
 * taken for other console output (shell, firmware) and skipped; a file without any prefix is a
 * plain `dmesg` and every line is a message.
 */
import type {SourceRef} from '../util/source.js'
import type {IngestContext} from './ingest-context.js'
import {classifyKernelText} from './kmsg-lines.js'
import {type KernelLine, cleanConsoleText, isJournalDecoration, splitKernelPrefix} from './kernel-prefix.js'
import {decodeUtf8} from './text-decode.js'
import type {KernelMessageRecord} from './records.js'

/** Lines looked at before deciding whether the file is prefixed. */
const DECIDE_AFTER_LINES = 500

export function kernelRecord(line: KernelLine, src: SourceRef): KernelMessageRecord {
  const info = classifyKernelText(line.text)
  return {
    kind: 'kmsg',
    src,
    text: line.text,
    ...(info.bdf === undefined ? {} : {bdf: info.bdf}),
    ...(line.kernelTime === undefined ? {} : {kernelTime: line.kernelTime}),
    ...(info.tag === undefined ? {} : {tag: info.tag}),
  }
}

export class DmesgParser {
  private prefixed: boolean | undefined
  private pending: {line: KernelLine; lineNo: number}[] = []
  private skipped = 0
  private firstSkipped: number | undefined

  constructor(private readonly ctx: IngestContext) {}

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    const cleaned = cleanConsoleText(decodeUtf8(buf, start, end))
    if (cleaned.trim().length === 0 || isJournalDecoration(cleaned)) return
    const line = splitKernelPrefix(cleaned)
    if (this.prefixed === undefined) {
      if (line.prefix !== 'none') this.prefixed = true
      this.pending.push({line, lineNo})
      if (this.prefixed || this.pending.length >= DECIDE_AFTER_LINES) this.flushPending()
      return
    }
    this.take(line, lineNo)
  }

  finish(): void {
    this.flushPending()
    if (this.skipped > 0 && this.ctx.records === 0) {
      this.ctx.warnings.warn('dmesg-no-kernel-lines', `no kernel messages found (${this.skipped} other lines)`, {
        file: this.ctx.file,
        line: this.firstSkipped,
      })
    }
  }

  private flushPending(): void {
    if (this.prefixed === undefined) this.prefixed = this.pending.some((p) => p.line.prefix !== 'none')
    for (const p of this.pending) this.take(p.line, p.lineNo)
    this.pending = []
  }

  private take(line: KernelLine, lineNo: number): void {
    if ((this.prefixed && line.prefix === 'none') || line.text.length === 0) {
      this.skipped++
      this.firstSkipped ??= lineNo
      return
    }
    this.ctx.records++
    this.ctx.sink.kmsg(kernelRecord(line, {file: this.ctx.file, line: lineNo}))
  }
}
