// Package interop drives MTProto clients that nobody on this project wrote
// against `tgpfs dc` run as a real process from this tree: Telethon
// (Debian's python3-telethon), mtcute and GramJS (npm, pinned by
// npm/package-lock.json) and gotd's telegram.Client (gotdclient/).
//
// Each client has one small script of ours that uses the client unmodified
// (the DC's addresses and public key are all it is given) and reports each
// step as one JSON line:
//
//	{"client":"mtcute","transport":"intermediate","step":"login","ok":true,"detail":"signed up user 1"}
//
// The Go tests (interop_test.go) build the tgpfs binary once, start a fresh
// `tgpfs dc -v` per run, run every script on every transport its client
// has, and fail with the DC's -v log when a step fails. Steps that fail
// today are listed, each with its reason, in one expected-failure table;
// an entry that starts to pass fails the test too, so the table can only
// shrink. ci.sh installs the clients and runs the suite for CI.
package interop
