package localdc

import (
	"time"

	"github.com/gotd/td/crypto"

	"tgpfs/model"
)

// authKey is one auth key a DC holds. Permanent keys carry the login;
// temporary keys carry their expiry and, once bound, the permanent key they
// act for.
type authKey struct {
	key     crypto.AuthKey
	id      model.KeyID
	kind    model.KeyKind
	dc      int
	created time.Time
	salt    int64

	// Permanent keys only: the user this key is logged in as, 0 if none,
	// and the session (authorization) it belongs to: set while logged in,
	// and while a login waits for its 2FA password.
	userID   int64
	authHash int64

	// Temporary keys only.
	requested time.Duration // expires_in as the client asked
	expiresAt time.Time     // when this DC forgets the key: created + min(requested, MaxTTL)
	permID    model.KeyID   // bound permanent key; 0 while unbound
	boundAt   time.Time

	sessions map[int64]*session
	// client is what the key's latest connection said in initConnection.
	client *connClient
}

func (k *authKey) bound() bool { return k.kind == model.Temporary && k.permID != 0 }

// expired reports whether a temporary key has reached the moment the DC
// forgets it.
func (k *authKey) expired(now time.Time) bool {
	return k.kind == model.Temporary && !now.Before(k.expiresAt)
}

// maxSessionsPerKey bounds the sessions a DC remembers per key; the oldest
// is forgotten first, as Telegram "may forget sessions silently".
const maxSessionsPerKey = 64

// user is an account of the cluster, shared by all its DCs.
type user struct {
	ID        int64  `json:"id"`
	Phone     string `json:"phone"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name,omitempty"`
	HomeDC    int    `json:"home_dc"`
	Bot       bool   `json:"bot,omitempty"` // logged in by bot token; no phone
}

// exportToken is a one-time auth.exportAuthorization result.
type exportToken struct {
	userID   int64
	authHash int64 // the exporting session, which the imported key joins
	fromDC   int
	toDC     int
	expires  time.Time
}

// exportTTL is how long exported authorization bytes stay importable.
const exportTTL = 2 * time.Minute

// firstUserID is the id the first signed-up user gets.
const firstUserID = 1000001

// TempKeyInfo describes a temporary key a DC holds, without its bytes.
type TempKeyInfo struct {
	ID        model.KeyID
	PermID    model.KeyID // zero while unbound
	Bound     bool
	Created   time.Time
	ExpiresIn time.Duration // as requested by the client
	ExpiresAt time.Time     // when the DC forgets it
	BoundAt   time.Time
}

// PermKeyInfo describes a permanent key a DC holds, without its bytes.
type PermKeyInfo struct {
	ID      model.KeyID
	Created time.Time
	UserID  int64 // 0 when not logged in
}
