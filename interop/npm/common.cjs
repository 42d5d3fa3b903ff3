'use strict'
// What every Node interop script shares: the arguments the Go harness passes,
// the one-JSON-line-per-step report, and keeping stdout for that report only
// (the clients log through console.*, which goes to stderr here).

const fs = require('node:fs')
const util = require('node:util')

// Test phones by the test-DC convention: 99966XYYYY lives on DC X, code X×5.
const HOME_DC = 2
const HOME_PHONE = '9996621234'
const MOVED_PHONE = '9996631234' // lives on DC 3, asked of DC 2
const EXPORT_DC = 1
const STEP_TIMEOUT_MS = 15_000 // generous for one handshake and a few calls; bounds the steps that hang today
const MAX_DETAIL = 400
const API_ID = 17349
const API_HASH = '344583e45741c457fe1862106095a5eb'

const FLOW_STEPS = ['handshake', 'help.getConfig', 'login', 'authorized', 'export-import', 'logout', 'phone-migrate']
const PFS_STEPS = ['pfs-bind', 'pfs-recover']

function codeFor(phone) {
  return phone[5].repeat(5)
}

// Every console method writes to stderr: stdout carries the report only.
function quietStdout() {
  for (const m of ['log', 'info', 'debug', 'warn', 'error', 'trace']) {
    console[m] = (...args) => process.stderr.write(util.format(...args) + '\n')
  }
}

function parseArgs(argv) {
  const o = { transport: '', scenario: 'flow', pfs: false, ttl: 0, dcs: {}, pubkey: '' }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`)
      return argv[++i]
    }
    switch (a) {
      case '--dcs':
        for (const part of next().split(',')) {
          const [id, addr] = part.split('=')
          const at = addr ? addr.lastIndexOf(':') : -1
          if (!/^\d$/.test(id) || at < 0) usage(`--dcs ${part}: want 1=host:port,…`)
          o.dcs[Number(id)] = { host: addr.slice(0, at), port: Number(addr.slice(at + 1)) }
        }
        break
      case '--pubkey': o.pubkey = fs.readFileSync(next(), 'utf8'); break
      case '--transport': o.transport = next(); break
      case '--scenario': o.scenario = next(); break
      case '--ttl': o.ttl = Number(next()); break
      case '--pfs': o.pfs = true; break
      default: usage(`unknown argument ${a}`)
    }
  }
  if (!o.dcs[HOME_DC] || !o.pubkey) usage('--dcs and --pubkey are required')
  if (o.scenario !== 'flow' && o.scenario !== 'pfs') usage(`--scenario ${o.scenario}: want flow or pfs`)
  return o
}

function usage(msg) {
  process.stderr.write(`${msg}\n`)
  process.exit(2)
}

// Reporter prints each step once, as the harness reads it.
class Reporter {
  constructor(client, transport) {
    this.client = client
    this.transport = transport
    this.done = new Set()
  }

  emit(step, ok, detail) {
    if (this.done.has(step)) return
    this.done.add(step)
    process.stdout.write(JSON.stringify({ client: this.client, transport: this.transport, step, ok, detail: String(detail) }) + '\n')
  }

  ok(step, detail) { this.emit(step, true, detail) }

  fail(step, err) { this.emit(step, false, describe(err)) }

  notRun(steps, why) {
    for (const s of steps) this.emit(s, false, `not run: ${why}`)
  }
}

// describe says what went wrong in one bounded line.
function describe(err) {
  if (err === undefined || err === null) return 'no result'
  if (typeof err !== 'object') return String(err).slice(0, MAX_DETAIL)
  const name = err.constructor && err.constructor.name
  const msg = err.errorMessage ? `${err.code || ''} ${err.errorMessage}`.trim() : err.message || String(err)
  return (name && name !== 'Error' ? `${name}: ${msg}` : msg).slice(0, MAX_DETAIL)
}

// withTimeout bounds a step, so a hung client reports instead of hanging.
function withTimeout(promise, what, ms = STEP_TIMEOUT_MS) {
  let timer
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)
  })
  return Promise.race([promise, t]).finally(() => clearTimeout(timer))
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

module.exports = {
  HOME_DC, HOME_PHONE, MOVED_PHONE, EXPORT_DC, API_ID, API_HASH, FLOW_STEPS, PFS_STEPS,
  codeFor, quietStdout, parseArgs, usage, Reporter, describe, withTimeout, sleep,
}
