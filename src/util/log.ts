/**
 * Logging: pino to stderr. On a TTY it goes through pino-pretty (synchronously, so nothing is lost
 * at exit); otherwise plain JSON lines. Level from --log-level or PROBEDIFF_LOG_LEVEL (default warn).
 * pino itself is loaded on the first message the level lets through: most runs log nothing, and
 * loading it is a noticeable part of a short command's start-up.
 */
import type {Logger} from 'pino'
import {createRequire} from 'node:module'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
type MessageLevel = Exclude<LogLevel, 'silent'>

/** pino's numeric levels: a message is written when its level is at least the logger's. */
const LEVEL_VALUES: Readonly<Record<LogLevel, number>> = {fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10, silent: Number.POSITIVE_INFINITY}

type LogFn = (objOrMessage: object | string, message?: string) => void
export type Log = Readonly<Record<MessageLevel, LogFn>>

const require = createRequire(import.meta.url)
let current: Log | undefined

export function createLogger(level: LogLevel = defaultLevel(), stream: NodeJS.WritableStream = process.stderr): Log {
  let logger: Logger | undefined
  const write = (at: MessageLevel): LogFn =>
    LEVEL_VALUES[at] < LEVEL_VALUES[level]
      ? () => {}
      : (objOrMessage, message) => {
          logger ??= pinoLogger(level, stream)
          if (typeof objOrMessage === 'string') logger[at](objOrMessage)
          else logger[at](objOrMessage, message)
        }
  current = {fatal: write('fatal'), error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug'), trace: write('trace')}
  return current
}

function pinoLogger(level: LogLevel, stream: NodeJS.WritableStream): Logger {
  const {pino} = require('pino') as typeof import('pino')
  const isTty = (stream as NodeJS.WriteStream).isTTY === true
  const destination = isTty ? prettyStream() : pino.destination({dest: 2, sync: true})
  return pino({level, base: undefined, timestamp: isTty ? pino.stdTimeFunctions.isoTime : false}, destination)
}

/** pino-pretty is loaded only for a terminal: it is heavy, and workers and pipes never need it. */
function prettyStream(): NodeJS.WritableStream {
  const pretty = require('pino-pretty') as typeof import('pino-pretty')
  return pretty({destination: 2, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l'})
}

function defaultLevel(): LogLevel {
  const env = process.env.PROBEDIFF_LOG_LEVEL
  return (LOG_LEVELS as readonly string[]).includes(env ?? '') ? (env as LogLevel) : 'warn'
}

/** The process-wide logger (created on first use with the default level). */
export function log(): Log {
  return current ?? createLogger()
}
