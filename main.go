// Command tgpfs inspects Telegram MTProto sessions and makes Perfect Forward
// Secrecy visible: the permanent auth key, the current temporary key and its
// countdown, the auth.* catalog, and bind / drop / export as you watch.
//
// With no arguments it opens the terminal UI against an embedded cluster of
// local DCs; see `tgpfs --help` for the subcommands.
package main

import (
	"os"

	"tgpfs/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
