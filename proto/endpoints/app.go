package endpoints

import (
	"errors"
	"fmt"
	"strconv"
)

// App is the api_id / api_hash pair real Telegram DCs require in
// initConnection (my.telegram.org → API development tools).
type App struct {
	ID     int
	Hash   string
	Source string // where they came from: "flags", "TG_APP_ID/TG_APP_HASH", "APP_ID/APP_HASH"
}

// ErrNoApp is returned when a real DC is targeted without credentials.
var ErrNoApp = errors.New("real Telegram DCs need an app id and hash: pass --app-id and --app-hash, or set TG_APP_ID and TG_APP_HASH (from my.telegram.org)")

// LocalApp is what tgpfs sends to its own local DCs, which accept any app.
var LocalApp = App{ID: 1, Hash: "tgpfs-local", Source: "built-in for local DCs"}

// ResolveApp picks credentials from flags first, then TG_APP_ID/TG_APP_HASH,
// then gotd's APP_ID/APP_HASH. For Local without any, LocalApp is used.
func ResolveApp(env Env, flagID int, flagHash string, getenv func(string) string) (App, error) {
	if flagID != 0 || flagHash != "" {
		if flagID == 0 || flagHash == "" {
			return App{}, errors.New("--app-id and --app-hash go together")
		}
		return App{ID: flagID, Hash: flagHash, Source: "flags"}, nil
	}
	for _, names := range [][2]string{{"TG_APP_ID", "TG_APP_HASH"}, {"APP_ID", "APP_HASH"}} {
		id, hash := getenv(names[0]), getenv(names[1])
		if id == "" && hash == "" {
			continue
		}
		if id == "" || hash == "" {
			return App{}, fmt.Errorf("%s and %s go together: only one is set", names[0], names[1])
		}
		n, err := strconv.Atoi(id)
		if err != nil || n <= 0 {
			return App{}, fmt.Errorf("%s=%q is not a positive number", names[0], id)
		}
		return App{ID: n, Hash: hash, Source: names[0] + "/" + names[1]}, nil
	}
	if env == Local {
		return LocalApp, nil
	}
	return App{}, ErrNoApp
}
