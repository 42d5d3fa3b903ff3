// Package localdc is an embedded cluster of local Telegram data centres: a
// real MTProto 2.0 server that follows Telegram's Perfect Forward Secrecy
// rules (https://core.telegram.org/api/pfs), so that clients can be shown
// and tested against them without reaching Telegram.
//
// Each DC listens on its own loopback port, makes permanent and temporary
// auth keys, forgets temporary keys when they expire (transport error
// -404), lets an unbound temporary key call nothing but the bind and two
// help methods (401 AUTH_KEY_PERM_EMPTY), checks every field of
// auth.bindTempAuthKey, and logs users in by the test-DC phone convention.
// All DCs share one account store, so an authorization can be exported from
// one DC and imported on another.
//
// # Where things are
//
//   - cluster.go: Config, Start, what a cluster tells its owner.
//   - accept.go: the accept loop (it backs off and recovers when Accept
//     fails) and admission: caps, eviction of unauthenticated connections.
//   - transport.go: codec detection and framing (abridged, intermediate,
//     padded intermediate, full, obfuscated2).
//   - conn.go, service.go: one connection, its frames and messages; the
//     service messages.
//   - handshake.go, rsa.go: the server side of the key exchange, every
//     refusal named (model.SrvHandshakeFailed).
//   - rpc.go: the method table. A feature adds its methods as a []method in
//     its own file (bind.go: pfsMethods, help.go: helpMethods, accounts.go:
//     accountMethods, startup.go: startupMethods) and names the slice in
//     features().
//   - layer.go: every layer from 133 to 229 (below).
//   - startup.go: what clients call at start and after login
//     (updates.getState, updates.getDifference, account.updateStatus) and
//     destroy_auth_key.
//   - observe.go: what the DC sees of each client, fed to the pure package
//     observe (grouping, verdicts, the report): Cluster.Report, and
//     model.SrvClient / SrvRule events on the stream. The core files hold
//     only the hook calls (s.observe…, c.observeKeyEnd).
//   - scenario.go, scenario_handshake.go: Config.Scenarios, the DC
//     behaviours that probe a client (forget-temp-after, restart-after,
//     reject-first-bind, salt-on-bind, hostile-handshake), each announced
//     as a model.SrvProbe event.
//
// # Layers
//
// The DC speaks every API layer from 133 to 229, each client in the layer
// it named in invokeWithLayer (remembered per connection). The method
// table reads and builds gotd's layer-229 values only; serverConn.call is
// the one place layers are handled. It rewrites the call from the
// client's layer into 229's with package tlayer before anything reads it
// (the wrappers keep their values, so unwrap still finds the layer and
// initConnection), and rewrites the answer back into the client's layer
// (answerInLayer); updates pushed to a connection go through tlayer too
// (push). A call that cannot be read in its layer is answered as Telegram
// answers it (tlayer.RPCError): 400 CONNECTION_LAYER_INVALID for a layer
// below 133, INPUT_METHOD_INVALID_<id>_0 for a method the layer lacks,
// INPUT_CONSTRUCTOR_INVALID_<ID> for a constructor it lacks,
// INPUT_FETCH_ERROR for input that ends early; each is an SrvRPCError
// event naming the id and the layer. A method of the layer that the DC
// does not serve gets 400 INPUT_METHOD_INVALID and an event naming it, in
// every layer; an unbound temporary key gets 401 AUTH_KEY_PERM_EMPTY
// before either. Where the client's layer lacks a constructor of an
// answer, olderForm builds it again with one the layer has (a sent-code
// type added later is an SMS code); an answer with no form at all is the
// DC's fault, 500 INTERNAL and an event. TestLoginInEveryLayer logs in and
// calls what clients call at start in layers 133, 144, 198, 227 and 229,
// every answer's constructor checked against the published schemas; the
// sessions, QR-login and 2FA tests run in 144, 198 and 229.
//
// Fresh accounts: updates.getState is pts 1, qts 0, seq 0 and never moves
// (nothing the DC does creates an update in a message box), so
// updates.getDifference is differenceEmpty; account.updateStatus is
// boolTrue; help.getAppConfig is an empty JSON object under a fixed
// non-zero hash (help.appConfigNotModified when asked with it; hash 0
// asks for the config in full); before login these answer 401
// AUTH_KEY_UNREGISTERED, as Telegram does, except help.getAppConfig.
// destroy_auth_key is answered destroy_auth_key_ok as a message of its
// own, and the key is forgotten: a permanent key leaves its session and
// takes its temporary keys with it (TestDestroyAuthKey).
//
// # Hostile input
//
// A frame is buffered as its bytes arrive, never at the size its header
// claims, and refused before decoding when it cannot hold its own header.
// Connections that have not authenticated (made a key, or sent a frame
// under a key the DC holds) are capped apart from the others
// (Config.MaxUnauthPerDC), the oldest making room for a new one, and are
// closed Config.KeyExchangeTimeout after their last progress; so idle or
// trickling sockets cannot lock out clients that have keys. What a
// connection sends before it authenticates that no client sends (a
// refused key exchange step, a frame over the bound or under its header,
// an unknown transport) is a model.SrvHandshakeFailed event that says so.
//
// # Never stricter than Telegram
//
// Where the spec and the real servers differ, the DC takes what Telegram
// takes, because clients are written against Telegram. Each leniency, with
// the test that pins it with the frames such a client sends:
//
//	What the client sends             | The spec says                      | Telegram        | Needed by                       | Test
//	----------------------------------+------------------------------------+-----------------+---------------------------------+--------------------------------------------
//	msgs_ack, msgs_state_req,         | not content-related: even seqno,   | accepts them    | mtcute 0.30 (acks, state and    | TestLeniencyOddSeqnoServiceMessages
//	msg_resend_req, msgs_state_info,  | else bad_msg_notification 34       |                 | resend requests are sent odd,   |
//	msgs_all_info, http_wait with an  |                                    |                 | alone or in a container)        |
//	odd seqno                         |                                    |                 |                                 |
//	msg_container with an odd seqno   | even, else 34                      | no report of 34 | none known; not stricter        | TestLeniencyOddSeqnoServiceMessages
//	ping, ping_delay_disconnect,      | content-related (odd)              | answers either  | Telegram Web K sends            | TestLeniencyServiceQueriesAnyParity
//	get_future_salts, destroy_session |                                    |                 | ping_delay_disconnect with both |
//	with an even seqno                |                                    |                 |                                 |
//	a seqno that repeats or goes back | 32 / 33 (seqno too low / high)     | sends 32        | clients that keep a session id  | TestLeniencySeqnoNotTracked
//	in a session                      |                                    |                 | across a restart                |
//	p_q_inner_data under the SHA1     | RSA_PAD since 2021                 | accepts it      | Telethon 1.x (to 1.37 at least) | TestKeyExchangeConstructorsAndSchemes,
//	scheme (SHA1 | data | padding)    |                                    |                 |                                 | TestOldRSASchemeMatchesGotd
//	legacy p_q_inner_data (no dc)     | p_q_inner_data_dc                  | accepts it      | Telethon 1.x                    | TestLegacyAndTempInnerData
//	client_DH_inner_data padded past  | 0..15 bytes                        | (unknown)       | none known; not stricter        | TestLeniencyClientDHPadding
//	15 bytes                          |                                    |                 |                                 |
//	padded intermediate: 0..15 random | (the transport's own rule)         | accepts         | tdlib, tdesktop (0xdddddddd)    | TestTransports ("0-15 bytes")
//	bytes after every payload         |                                    |                 |                                 |
//	the quick-ack bit in a length     | (the transport's own rule)         | acks quickly    | tdlib, tdesktop                 | TestFrameReading
//
// On bad_msg_notification 32–35 the DC sends only 35, for an API call with
// an even seqno (TestBadMsgNotifications, TestLeniencyKeepsTheRules). Why:
// Telegram is known to send 35 for an even-seqno query (StackOverflow
// 39515953, "What is error code 35 returned by the telegram.org server")
// and 32 to clients that restart their seqno in a session they keep
// (Telethon #225, WTelegramClient #222, TgSharp #25); mtcute ships odd
// acks that Telegram accepts; piltover, a server written against real
// clients, found Telegram Web K sending ping_delay_disconnect with either
// parity and checks parity only for acks and containers; tdlib and
// tdesktop treat 32–35 as a bug that ends the session, so a server that
// sends them where Telegram does not kills those clients' sessions. No
// report of Telegram sending 34 was found. The DC does not keep a
// session's seqno, so it has no 32 or 33 to send.
//
// A message answered bad_server_salt is not taken: its msg_id is not
// remembered, so the client may send it again under the same msg_id (gotd
// does, for the bind) or rebuild it under a new one (tdlib, tgpfs). The
// salt-on-bind scenario answers a right salt that way too
// (TestSaltOnBind, TestGotdUnderScenarios).
//
// What does not move, each with its negative test: an unbound temporary
// key gets 401 AUTH_KEY_PERM_EMPTY for every method but
// auth.bindTempAuthKey, help.getConfig and help.getNearestDc, served or not
// (TestBindThenGetConfig, TestLeniencyKeepsTheRules); every field of the
// bind is checked (TestBindErrors, TestBindVectorOneFieldWrong); a
// temporary key gets -404 after it expires (TestExpiredTempKeyGets404),
// after auth.dropTempAuthKeys (TestSeveralTempKeysPerPermKey) and after the
// DC forgets it (TestGotdPFSClientRecoversFrom404); msg_id, salt and
// container checks answer 16–20, 48 and 64 (TestBadMsgNotifications).
package localdc
