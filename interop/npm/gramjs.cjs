'use strict'
// Interop script for GramJS (telegram 2.26, pinned by package-lock.json):
// drives the unmodified client against `tgpfs dc`, given only the DCs'
// addresses and the RSA public key, and prints one JSON line per step.
//
//   node gramjs.cjs --dcs 1=h:p,2=h:p,3=h:p --pubkey dc.pub --transport full --scenario flow
//
// Transports: GramJS's ConnectionTCPFull (its default), ConnectionTCPAbridged
// and ConnectionTCPObfuscated. GramJS has no PFS.

const nodeCrypto = require('node:crypto')
const bigInt = require('big-integer')
const { TelegramClient, Api } = require('telegram')
const { MemorySession } = require('telegram/sessions')
const { ConnectionTCPFull, ConnectionTCPAbridged, ConnectionTCPObfuscated } = require('telegram/network')
const RSA = require('telegram/crypto/RSA')
const c = require('./common.cjs')

const connections = { full: ConnectionTCPFull, abridged: ConnectionTCPAbridged, obfuscated: ConnectionTCPObfuscated }

// GramJS dials every DC at the address of its own table, with port 443
// (getDC): a subclass of the connection class under test redirects each
// dc id to the local DC's address. Nothing else of the class changes.
function redirecting(Base, dcs) {
  return class extends Base {
    constructor(opts) {
      const to = dcs[opts.dcId]
      super(to ? { ...opts, ip: to.host, port: to.port } : opts)
    }
  }
}

// tlBytes is TL's `bytes` encoding, for the fingerprint.
function tlBytes(b) {
  const head = b.length < 254 ? Buffer.from([b.length]) : Buffer.from([254, b.length & 255, (b.length >> 8) & 255, (b.length >> 16) & 255])
  const n = head.length + b.length
  return Buffer.concat([head, b, Buffer.alloc((4 - (n % 4)) % 4)])
}

// GramJS keys its server keys by the signed decimal fingerprint: the low
// 64 bits of SHA1(bytes n, bytes e), little endian.
function addKey(pem) {
  const jwk = nodeCrypto.createPublicKey({ key: pem, format: 'pem', type: 'pkcs1' }).export({ format: 'jwk' })
  const n = Buffer.from(jwk.n, 'base64url')
  const e = Buffer.from(jwk.e, 'base64url')
  const sha = nodeCrypto.createHash('sha1').update(Buffer.concat([tlBytes(n), tlBytes(e)])).digest()
  const fp = BigInt.asIntN(64, sha.subarray(12).readBigUInt64LE(0))
  RSA._serverKeys.set(fp.toString(), { n: bigInt(n.toString('hex'), 16), e: Number(bigInt(e.toString('hex'), 16)) })
}

function newClient(o) {
  const session = new MemorySession()
  const home = o.dcs[c.HOME_DC]
  session.setDC(c.HOME_DC, home.host, home.port)
  const client = new TelegramClient(session, c.API_ID, c.API_HASH, {
    connection: redirecting(connections[o.transport], o.dcs),
    connectionRetries: 1,
    retryDelay: 100,
    autoReconnect: true,
    useWSS: false,
  })
  client.setLogLevel(process.env.TGPFS_INTEROP_DEBUG ? 'debug' : 'info')
  return client
}

// connect, retried: GramJS drops a leading zero byte of the auth key
// (about one handshake in 256 then fails on its side, not the DC's).
async function connect(client) {
  let last
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await c.withTimeout(client.connect(), 'connect')
      return attempt
    } catch (e) {
      last = e
      await client.disconnect().catch(() => {})
    }
  }
  throw last
}

// login is GramJS's own signInUser: sendCode, signIn, and signUp when the
// DC answers auth.authorizationSignUpRequired. It follows PHONE_MIGRATE
// itself (invoke switches the DC while logged out).
async function login(client, phone) {
  let failure
  let signedUp = false
  const user = await client.signInUser({ apiId: c.API_ID, apiHash: c.API_HASH }, {
    phoneNumber: phone,
    phoneCode: async () => c.codeFor(phone),
    firstAndLastNames: async () => { signedUp = true; return ['Interop', 'GramJS'] },
    onError: async (e) => { failure = e; return true },
  }).catch((e) => { throw failure || e })
  return { user, how: signedUp ? 'signed up' : 'signed in' }
}

async function flow(o, r) {
  const client = newClient(o)
  try {
    const attempts = await connect(client)
    r.ok('handshake', `connected to dc ${c.HOME_DC}` + (attempts > 1 ? ` on attempt ${attempts}` : ''))
  } catch (e) {
    r.fail('handshake', e)
    r.notRun(c.FLOW_STEPS, 'an earlier step failed')
    return
  }
  try {
    const cfg = await c.withTimeout(client.invoke(new Api.help.GetConfig()), 'help.getConfig')
    if (cfg.thisDc !== c.HOME_DC) throw new Error(`this_dc ${cfg.thisDc}`)
    r.ok('help.getConfig', `this_dc ${cfg.thisDc}, ${cfg.dcOptions.length} dc options`)

    const { user, how } = await c.withTimeout(login(client, c.HOME_PHONE), 'login').catch((e) => { r.fail('login', e); throw e })
    r.ok('login', `${how} user ${user.id} phone ${user.phone}`)

    // GramJS's own "am I logged in?" (updates.getState), which start()
    // and connect on a saved session ask, and PHONE_MIGRATE handling too.
    try {
      if (!await c.withTimeout(client.isUserAuthorized(), 'isUserAuthorized')) throw new Error('isUserAuthorized() is false after login (updates.getState got an error)')
      r.ok('authorized', 'isUserAuthorized (updates.getState)')
    } catch (e) {
      r.fail('authorized', e)
    }

    // GramJS's own way to another DC: invoke(request, dcId) borrows an
    // exported sender, which exports and imports the login.
    try {
      const users = await c.withTimeout(client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }), c.EXPORT_DC), 'users.getUsers on another dc')
      if (users.length !== 1 || String(users[0].id) !== String(user.id)) throw new Error(`users.getUsers(self) on dc ${c.EXPORT_DC}: ${users}`)
      r.ok('export-import', `users.getUsers(self) on dc ${c.EXPORT_DC} through an exported sender`)
    } catch (e) {
      r.fail('export-import', e)
    }

    // GramJS has no log-out helper: auth.logOut is invoked as is.
    await c.withTimeout(client.invoke(new Api.auth.LogOut()), 'auth.logOut').catch((e) => { r.fail('logout', e); throw e })
    r.ok('logout', 'auth.logOut')

    const moved = await c.withTimeout(login(client, c.MOVED_PHONE), 'login on another dc').catch((e) => { r.fail('phone-migrate', e); throw e })
    if (moved.user.phone !== c.MOVED_PHONE) {
      r.fail('phone-migrate', `self phone ${moved.user.phone}`)
    } else {
      r.ok('phone-migrate', `${moved.how} user ${moved.user.id} phone ${moved.user.phone} after PHONE_MIGRATE_3, now on dc ${client.session.dcId}`)
    }
  } catch (e) {
    r.fail('help.getConfig', e)
  } finally {
    r.notRun(c.FLOW_STEPS, 'an earlier step failed')
    await c.withTimeout(client.destroy(), 'destroy', 5000).catch(() => {})
  }
}

async function main() {
  c.quietStdout()
  const o = c.parseArgs(process.argv.slice(2))
  if (!connections[o.transport]) c.usage(`--transport ${o.transport}: want one of ${Object.keys(connections)}`)
  if (o.scenario !== 'flow') c.usage('GramJS has no PFS: only --scenario flow')
  addKey(o.pubkey)
  await flow(o, new c.Reporter('gramjs', o.transport))
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`gramjs.cjs: ${e && e.stack || e}\n`)
  process.exit(1)
})
