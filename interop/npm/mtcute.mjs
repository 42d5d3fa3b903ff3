// Interop script for mtcute (@mtcute/node 0.30, pinned by package-lock.json):
// drives the unmodified client against `tgpfs dc`, given only the DCs'
// addresses and the RSA public key, and prints one JSON line per step.
//
//   node mtcute.mjs --dcs 1=h:p,2=h:p,3=h:p --pubkey dc.pub --transport intermediate --scenario flow [--pfs] [--ttl 5]
//
// Transports: mtcute's IntermediatePacketCodec (its default),
// PaddedIntermediatePacketCodec, and ObfuscatedPacketCodec around each.
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import {
  IntermediatePacketCodec,
  MemoryStorage,
  ObfuscatedPacketCodec,
  PaddedIntermediatePacketCodec,
  TcpTransport,
  TelegramClient,
} from '@mtcute/node'
import { addPublicKey, NodeCryptoProvider } from '@mtcute/node/utils.js'

const require = createRequire(import.meta.url)
const c = require('./common.cjs')

const here = path.dirname(fileURLToPath(import.meta.url))

const codecs = {
  'intermediate': () => new IntermediatePacketCodec(),
  'padded': () => new PaddedIntermediatePacketCodec(),
  'obfuscated-intermediate': () => new ObfuscatedPacketCodec(new IntermediatePacketCodec()),
  'obfuscated-padded': () => new ObfuscatedPacketCodec(new PaddedIntermediatePacketCodec()),
}

// The stock TCP transport with the codec under test.
class Transport extends TcpTransport {
  constructor(codec) {
    super()
    this.codec = codec
  }

  packetCodec() {
    return this.codec()
  }
}

// mtcute files keys under the padded hex fingerprint but looks them up
// by the unpadded one (Long.toString(16)), so a fingerprint starting with a
// 0 nibble would never be found: file it under both names. The index is
// not exported; it is reached by its file, the same module instance.
async function addKey(pem) {
  const crypto = new NodeCryptoProvider()
  await crypto.initialize?.()
  addPublicKey(crypto, pem)
  const keysFile = path.join(here, 'node_modules/@mtcute/core/tl/binary/rsa-keys.js')
  const { __publicKeyIndex: index } = await import(pathToFileURL(keysFile).href)
  for (const [fp, entry] of Object.entries(index)) {
    const unpadded = fp.replace(/^0+/, '')
    if (unpadded !== fp && !(unpadded in index)) index[unpadded] = entry
  }
}

function newClient(o) {
  const home = o.dcs[c.HOME_DC]
  const dc = { id: c.HOME_DC, ipAddress: home.host, port: home.port }
  return new TelegramClient({
    apiId: c.API_ID,
    apiHash: c.API_HASH,
    storage: new MemoryStorage(),
    defaultDcs: { main: dc, media: dc },
    transport: new Transport(codecs[o.transport]),
    network: { usePfs: o.pfs },
    disableUpdates: true,
    logLevel: process.env.TGPFS_INTEROP_DEBUG ? 5 : 3, // verbose or info, to stderr
  })
}

// login is mtcute's sendCode + signIn. mtcute has no sign-up: it throws
// MtUnsupportedError on auth.authorizationSignUpRequired, so the sign-up
// Telegram asks for is auth.signUp through client.call, handed back to
// mtcute with notifyLoggedIn as its own signIn does.
async function login(client, phone) {
  const sent = await client.sendCode({ phone })
  let how = 'signed in'
  try {
    await client.signIn({ phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: c.codeFor(phone) })
  } catch (e) {
    if (e.constructor.name !== 'MtUnsupportedError') throw e
    const auth = await client.call({
      _: 'auth.signUp', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, firstName: 'Interop', lastName: 'Mtcute',
    })
    await client.notifyLoggedIn(auth)
    how = 'signed up'
  }
  const me = await client.getMe()
  return { me, how }
}

async function flow(o, r) {
  const client = newClient(o)
  try {
    await c.withTimeout(client.connect(), 'connect')
    r.ok('handshake', `connected to dc ${c.HOME_DC}`)
  } catch (e) {
    r.fail('handshake', e)
    return
  }
  try {
    const cfg = await c.withTimeout(client.call({ _: 'help.getConfig' }), 'help.getConfig')
    if (cfg.thisDc !== c.HOME_DC) throw new Error(`this_dc ${cfg.thisDc}`)
    r.ok('help.getConfig', `this_dc ${cfg.thisDc}, ${cfg.dcOptions.length} dc options`)

    try {
      const { me, how } = await c.withTimeout(login(client, c.HOME_PHONE), 'login')
      r.ok('login', `${how} user ${me.id} phone ${me.phoneNumber}`)
    } catch (e) {
      r.fail('login', e)
      return
    }

    // mtcute's own "am I logged in?", as its start() asks it.
    try {
      const me = await c.withTimeout(client.getMe(), 'getMe')
      r.ok('authorized', `getMe (users.getUsers(self)): user ${me.id}`)
    } catch (e) {
      r.fail('authorized', e)
    }

    // mtcute's own way to another DC: a call with dcId runs on that DC,
    // and its AUTH_KEY_UNREGISTERED makes mtcute export and import the login.
    try {
      const users = await c.withTimeout(
        client.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] }, { dcId: c.EXPORT_DC }), 'users.getUsers on another dc')
      const self = (await client.getMe()).id
      if (users.length !== 1 || users[0].id !== self) throw new Error(`users.getUsers(self) on dc ${c.EXPORT_DC}: ${JSON.stringify(users)}`)
      r.ok('export-import', `users.getUsers(self) on dc ${c.EXPORT_DC} through call({dcId})`)
    } catch (e) {
      r.fail('export-import', e)
    }

    try {
      await c.withTimeout(client.logOut(), 'logOut')
      r.ok('logout', 'auth.logOut')
    } catch (e) {
      r.fail('logout', e)
      return
    }

    // PHONE_MIGRATE: mtcute's call() moves its primary DC on *_MIGRATE_X.
    try {
      const { me, how } = await c.withTimeout(login(client, c.MOVED_PHONE), 'login on another dc')
      if (me.phoneNumber !== c.MOVED_PHONE) throw new Error(`self phone ${me.phoneNumber}`)
      r.ok('phone-migrate', `${how} user ${me.id} phone ${me.phoneNumber} after PHONE_MIGRATE_3`)
    } catch (e) {
      r.fail('phone-migrate', e)
    }
  } catch (e) {
    r.fail('help.getConfig', e)
  } finally {
    r.notRun(c.FLOW_STEPS, 'an earlier step failed')
    await c.withTimeout(client.disconnect(), 'disconnect', 5000).catch(() => {})
  }
}

// pfs: bind, let the DC forget the temp key (its --max-ttl is far below
// what mtcute asks for), and see mtcute carry on by itself.
async function pfs(o, r) {
  const client = newClient(o)
  try {
    await c.withTimeout(client.connect(), 'connect')
    await c.withTimeout(client.call({ _: 'help.getConfig' }), 'help.getConfig')
    r.ok('pfs-bind', 'help.getConfig over a bound temp key')
    await c.sleep((o.ttl + 1.5) * 1000)
    const start = Date.now()
    await c.withTimeout(client.call({ _: 'help.getConfig' }), 'help.getConfig after the DC forgot the key')
    r.ok('pfs-recover', `help.getConfig after the DC forgot the key, in ${Date.now() - start} ms`)
  } catch (e) {
    r.fail(r.done.has('pfs-bind') ? 'pfs-recover' : 'pfs-bind', e)
  } finally {
    r.notRun(c.PFS_STEPS, 'an earlier step failed')
    await c.withTimeout(client.disconnect(), 'disconnect', 5000).catch(() => {})
  }
}

async function main() {
  c.quietStdout()
  const o = c.parseArgs(process.argv.slice(2))
  if (!codecs[o.transport]) c.usage(`--transport ${o.transport}: want one of ${Object.keys(codecs)}`)
  const r = new c.Reporter(o.pfs ? 'mtcute-pfs' : 'mtcute', o.transport)
  await addKey(o.pubkey)
  await (o.scenario === 'pfs' ? pfs(o, r) : flow(o, r))
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`mtcute.mjs: ${e && e.stack || e}\n`)
  process.exit(1)
})
