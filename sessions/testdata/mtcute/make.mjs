// make.mjs writes the mtcute fixtures of tgpfs's session tests with mtcute
// itself (@mtcute/node 0.30.3 and its better-sqlite3), through mtcute's own
// storage API: no connection, and keys that are test patterns, not secrets.
//
//   npm ci && node make.mjs                      (in this folder; Node 20)
//   node make.mjs --live HOST:PORT dc.pub        (also live.session)
//
// It writes:
//   storage.session   mtcute's SqliteStorage after importSession and two
//                     setTemp calls, closed the way mtcute closes it
//   string.txt        exportSession() of that storage (version 3)
//   facts.json        what went in, for the Go test to compare against
//   live.session      with --live only: mtcute with usePfs connected to DC 2
//                     of a running `tgpfs dc --pubkey-out dc.pub`; its own
//                     network manager made, bound and stored the temp key
//                     (random keys from the local DC, no login, not secret)
//
// The permanent key is bytes 0..255. mtcute's network manager stores a temp
// key's expiry as expires_at * 1000 (network-manager.js: setTemp(dcId, idx,
// key, expires * 1e3)), milliseconds since the epoch, although the repository
// interface documents seconds; we store what the network manager stores.
import { readFileSync, writeFileSync, rmSync } from 'node:fs'
import { SqliteStorage, TelegramClient } from '@mtcute/node'
import { addPublicKey, NodeCryptoProvider } from '@mtcute/node/utils.js'

const perm = Uint8Array.from({ length: 256 }, (_, i) => i)
const temp0 = Uint8Array.from({ length: 256 }, (_, i) => 255 - i)
const temp1 = Uint8Array.from({ length: 256 }, (_, i) => (i * 7 + 3) & 255)
// One key that expired on 2025-01-01, one that lives until 2100-01-01 (UTC).
const expired = 1735689600
const live = 4102444800

for (const f of ['storage.session', 'storage.session-wal', 'storage.session-shm']) {
  rmSync(f, { force: true })
}
const storage = new SqliteStorage('storage.session')
const client = new TelegramClient({
  apiId: 1,
  apiHash: '00000000000000000000000000000000',
  storage,
})
await client.importSession({
  primaryDcs: {
    main: { id: 2, ipAddress: '149.154.167.50', port: 443 },
    media: { id: 2, ipAddress: '149.154.167.222', port: 443, mediaOnly: true },
  },
  self: { userId: 5000000001, isBot: false, isPremium: false, usernames: [] },
  authKey: perm,
})
// What the network manager does after each bind (idx is the connection).
await storage.authKeys.setTemp(2, 0, temp0, live * 1000)
await storage.authKeys.setTemp(2, 1, temp1, expired * 1000)
const str = await client.exportSession()
await client.destroy()

writeFileSync('string.txt', str + '\n')
writeFileSync('facts.json', JSON.stringify({
  library: '@mtcute/node 0.30.3',
  dc: 2, addr: '149.154.167.50', port: 443, user_id: 5000000001, is_bot: false,
  perm_key: 'bytes 0..255',
  temp_keys: [
    { dc: 2, idx: 0, key: 'bytes 255-i', expires: live },
    { dc: 2, idx: 1, key: 'bytes (7i+3) mod 256', expires: expired },
  ],
}, null, 2) + '\n')
console.log('wrote storage.session, string.txt, facts.json')

if (process.argv[2] === '--live') {
  await writeLive(process.argv[3], process.argv[4])
}

// writeLive lets mtcute make and bind a temp key on a local DC and store it
// the way it does for any user. It waits for the stored row rather than for
// connect() to finish: mtcute's start-up calls that need a login keep
// failing on a fresh key, which is not what this fixture is about.
async function writeLive(addr, pubPath) {
  const [host, port] = addr.split(':')
  for (const f of ['live.session', 'live.session-wal', 'live.session-shm']) {
    rmSync(f, { force: true })
  }
  const crypto = new NodeCryptoProvider()
  const storage = new SqliteStorage('live.session')
  const dc = { id: 2, ipAddress: host, port: Number(port) }
  const client = new TelegramClient({
    apiId: 1,
    apiHash: '00000000000000000000000000000000',
    storage,
    crypto,
    defaultDcs: { main: dc, media: dc },
    network: { usePfs: true },
    disableUpdates: true,
  })
  addPublicKey(crypto, readFileSync(pubPath, 'utf8'))
  client.connect().catch(() => {})
  const deadline = Date.now() + 30000
  while (Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 100))
    if (storage.driver.loaded && storage.authKeys.getTemp(2, 0, 0)) break
  }
  await client.destroy()
  if (Date.now() >= deadline) throw new Error('no temp key stored within 30 s')
  console.log('wrote live.session')
}
