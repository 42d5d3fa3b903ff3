// Package deps pins the project's dependency set (docs/architecture.md) in
// go.mod while the packages that use them are being written, so `go mod tidy`
// in one part of the tree cannot drop a module another part is about to use.
// Delete it once every module below is imported by real code.
package deps

import (
	_ "github.com/atotto/clipboard"
	_ "github.com/charmbracelet/bubbles/list"
	_ "github.com/charmbracelet/bubbletea"
	_ "github.com/charmbracelet/lipgloss"
	_ "github.com/charmbracelet/x/exp/golden"
	_ "github.com/charmbracelet/x/exp/teatest"
	_ "github.com/gotd/td/exchange"
	_ "github.com/gotd/td/mtproto"
	_ "github.com/gotd/td/session/tdesktop"
	_ "github.com/gotd/td/telegram"
	_ "github.com/gotd/td/telegram/auth"
	_ "github.com/gotd/td/telegram/dcs"
	_ "github.com/gotd/td/tgtest"
	_ "github.com/gotd/td/tgtest/cluster"
	_ "github.com/gotd/td/transport"
	_ "modernc.org/sqlite"
)
