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
package localdc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/proto"

	"tgpfs/model"
)

// Config configures a cluster. The zero value is a usable default.
type Config struct {
	DCs       int             // default 3; DC ids 1..DCs
	Host      string          // default "127.0.0.1"
	BasePort  int             // 0 = a random free port per DC; else DC n listens on BasePort+n-1
	MaxTTL    time.Duration   // cap on a temp key's expires_in; default 24h
	Key       *rsa.PrivateKey // nil = the committed public test key
	StatePath string          // "" = forget everything on restart
	Now       func() time.Time

	// TestDCIDs makes DC n expect protocol dc id 10000+n in
	// p_q_inner_data_*_dc, as Telegram's test DCs do. By default DC n
	// expects n.
	TestDCIDs bool
	// MaxConnsPerDC bounds open connections per DC (default 128); more
	// get transport error -429 and are closed.
	MaxConnsPerDC int
	// MaxFrame bounds a transport frame in bytes (default 1 MiB).
	MaxFrame int
	// IdleTimeout closes a connection that sends nothing for this long
	// (default 10 minutes).
	IdleTimeout time.Duration
	// SweepEvery is how often expired temporary keys are forgotten
	// (default 1s). Frames under an expired key get -404 regardless.
	SweepEvery time.Duration
	// Bots registers bot tokens for auth.importBotAuthorization: token
	// ("<bot id>:<secret>") -> the bot's home DC. Any other token is
	// ACCESS_TOKEN_INVALID.
	Bots map[string]int
	// Faults injects Telegram's error answers for client tests.
	Faults Faults
	// FreshReset is Telegram's rule that a session younger than this
	// cannot end others (406 FRESH_RESET_AUTHORISATION_FORBIDDEN);
	// Telegram's is 24h. Zero: off, so a demo can end sessions at once.
	FreshReset time.Duration
	// Passwords gives test accounts a 2FA password: phone -> password.
	// Their logins then need auth.checkPassword (SRP).
	Passwords map[string]string
}

// Faults are answers a real DC gives under conditions a local one never
// meets, injected so that clients can be tested offline.
type Faults struct {
	// PhoneMigrate makes DC PhoneMigrate the home of every test phone:
	// auth.sendCode on any other DC answers 303 PHONE_MIGRATE_<n>. Zero:
	// the test-phone rule decides (phone 99966XYYYY lives on DC X).
	PhoneMigrate int
	// FloodWait answers the first FloodWaitCount API calls (other than
	// the bind) with 420 FLOOD_WAIT_<FloodWait seconds>.
	FloodWait      time.Duration
	FloodWaitCount int
	// AuthKeyDuplicated answers the first API call of a logged-in key with
	// 406 AUTH_KEY_DUPLICATED.
	AuthKeyDuplicated bool
	// TransportFloodCount answers the first that many connections of
	// each DC with transport error -429 and closes them.
	TransportFloodCount int
}

const (
	defaultDCs         = 3
	defaultMaxTTL      = 24 * time.Hour
	defaultMaxConns    = 128
	defaultMaxFrame    = 1 << 20
	defaultIdleTimeout = 10 * time.Minute
	defaultSweepEvery  = time.Second
	// bindSlack is how far a bind's expires_at may pass the expiry the
	// client asked for in p_q_inner_data_temp_dc (tdesktop adds 30 s).
	bindSlack = 2 * time.Minute
)

// Cluster is a running set of local DCs.
type Cluster struct {
	cfg    Config
	key    *rsa.PrivateKey
	fp     int64
	now    func() time.Time
	hub    *hub
	cipher crypto.Cipher
	msgIDs *proto.MessageIDGen
	// methods is the API the DCs serve, built from every feature's
	// methods at Start.
	methods methodTable

	mu      sync.Mutex
	dcs     []*dcServer
	users   map[int64]*user
	phones  map[string]int64
	nextUID int64
	exports map[string]*exportToken
	codes   map[string]string // phone_code_hash -> phone
	faults  faultState
	acct    accountState  // sessions, QR tokens, 2FA
	live    *liveSessions // connections a DC can push to
	saveErr error         // last failure to write StatePath
	// otherState holds state-file keys of DCs this run does not have.
	otherState []permState

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed bool
}

type faultState struct {
	floodLeft int
	dupDone   map[model.KeyID]bool
}

// dcServer is one DC: a listener, its keys and its connections.
type dcServer struct {
	id         int
	protocolID int
	ln         net.Listener
	addr       string
	keys       map[model.KeyID]*authKey // guarded by Cluster.mu
	conns      map[net.Conn]struct{}    // guarded by Cluster.mu
	floodLeft  int                      // guarded by Cluster.mu
}

// Start listens on every DC and serves until ctx ends or Close is called.
// The DCs are listening when it returns.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.DCs <= 0 {
		cfg.DCs = defaultDCs
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.MaxTTL <= 0 {
		cfg.MaxTTL = defaultMaxTTL
	}
	if cfg.MaxConnsPerDC <= 0 {
		cfg.MaxConnsPerDC = defaultMaxConns
	}
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = defaultMaxFrame
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = defaultIdleTimeout
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = defaultSweepEvery
	}
	key := cfg.Key
	if key == nil {
		key = TestPrivateKey()
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	methods, err := newMethodTable(features()...)
	if err != nil {
		return nil, fmt.Errorf("local DC method table: %w", err)
	}
	passwords, err := newVerifiers(cfg.Passwords, cfg.DCs)
	if err != nil {
		return nil, fmt.Errorf("local DC: %w", err)
	}
	c := &Cluster{
		methods: methods,
		cfg:     cfg,
		key:     key,
		fp:      crypto.RSAFingerprint(&key.PublicKey),
		now:     now,
		hub:     newHub(),
		cipher:  crypto.NewServerCipher(rand.Reader),
		msgIDs:  proto.NewMessageIDGen(now),
		users:   make(map[int64]*user),
		phones:  make(map[string]int64),
		nextUID: firstUserID,
		exports: make(map[string]*exportToken),
		faults:  faultState{floodLeft: cfg.Faults.FloodWaitCount, dupDone: make(map[model.KeyID]bool)},
		acct:    newAccountState(passwords),
		live:    newLiveSessions(),
	}
	c.ctx, c.cancel = context.WithCancel(ctx)
	for id := 1; id <= cfg.DCs; id++ {
		port := 0
		if cfg.BasePort > 0 {
			port = cfg.BasePort + id - 1
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(port)))
		if err != nil {
			c.closeListeners()
			c.cancel()
			return nil, fmt.Errorf("listen dc %d: %w", id, err)
		}
		pid := id
		if cfg.TestDCIDs {
			pid += 10000
		}
		c.dcs = append(c.dcs, &dcServer{
			id: id, protocolID: pid, ln: ln, addr: ln.Addr().String(),
			keys: make(map[model.KeyID]*authKey), conns: make(map[net.Conn]struct{}),
			floodLeft: cfg.Faults.TransportFloodCount,
		})
	}
	if cfg.StatePath != "" {
		if err := c.loadState(); err != nil {
			c.closeListeners()
			c.cancel()
			return nil, err
		}
	}
	for _, d := range c.dcs {
		c.wg.Add(1)
		go c.acceptLoop(d)
	}
	c.wg.Add(2)
	go c.sweepLoop()
	go func() {
		defer c.wg.Done()
		<-c.ctx.Done()
		c.shutdown()
	}()
	return c, nil
}

// Addr returns DC dc's "host:port", or "" for an unknown DC.
func (c *Cluster) Addr(dc int) string {
	d := c.dc(dc)
	if d == nil {
		return ""
	}
	return d.addr
}

// DCs returns the DC ids, 1..n.
func (c *Cluster) DCs() []int {
	ids := make([]int, len(c.dcs))
	for i, d := range c.dcs {
		ids[i] = d.id
	}
	return ids
}

// ProtocolDC is the dc id DC dc expects in p_q_inner_data_*_dc.
func (c *Cluster) ProtocolDC(dc int) int {
	if d := c.dc(dc); d != nil {
		return d.protocolID
	}
	return 0
}

// PublicKey is the RSA key clients must know to make keys with the cluster.
func (c *Cluster) PublicKey() *rsa.PublicKey { return &c.key.PublicKey }

// Fingerprint is the RSA key's fingerprint as resPQ offers it.
func (c *Cluster) Fingerprint() int64 { return c.fp }

// Subscribe returns the cluster's event stream. Events are dropped for a
// subscriber that falls behind rather than ever stalling a DC. cancel ends
// the subscription and closes the channel; Close ends all of them.
func (c *Cluster) Subscribe() (events <-chan model.ServerEvent, cancel func()) {
	return c.hub.subscribe()
}

// TempKeys lists the temporary keys DC dc holds that are bound to perm,
// or, when perm is zero, every temporary key it holds. Expired keys are
// not listed.
func (c *Cluster) TempKeys(dc int, perm model.KeyID) []TempKeyInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.dc(dc)
	if d == nil {
		return nil
	}
	now := c.now()
	var out []TempKeyInfo
	for _, k := range d.keys {
		if k.kind != model.Temporary || k.expired(now) || (perm != 0 && k.permID != perm) {
			continue
		}
		out = append(out, TempKeyInfo{ID: k.id, PermID: k.permID, Bound: k.bound(), Created: k.created,
			ExpiresIn: k.requested, ExpiresAt: k.expiresAt, BoundAt: k.boundAt})
	}
	slices.SortFunc(out, func(a, b TempKeyInfo) int { return a.Created.Compare(b.Created) })
	return out
}

// PermKeys lists the permanent keys DC dc holds.
func (c *Cluster) PermKeys(dc int) []PermKeyInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.dc(dc)
	if d == nil {
		return nil
	}
	var out []PermKeyInfo
	for _, k := range d.keys {
		if k.kind == model.Permanent {
			out = append(out, PermKeyInfo{ID: k.id, Created: k.created, UserID: k.userID})
		}
	}
	slices.SortFunc(out, func(a, b PermKeyInfo) int { return a.Created.Compare(b.Created) })
	return out
}

// ForgetTempKey makes DC dc forget a temporary key at once, as Telegram may
// do at any time; the next frame under it gets -404. It reports whether the
// key was there.
func (c *Cluster) ForgetTempKey(dc int, id model.KeyID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.dc(dc)
	if d == nil {
		return false
	}
	k, ok := d.keys[id]
	if !ok || k.kind != model.Temporary {
		return false
	}
	delete(d.keys, id)
	c.emit(model.ServerEvent{DC: dc, Kind: model.SrvKeyDropped, KeyID: id, KeyKind: model.Temporary, PermID: k.permID, Detail: "forgotten by the DC"})
	return true
}

// Close stops the listeners, closes every connection and waits for all of
// the cluster's goroutines to end. Event subscriptions are closed.
func (c *Cluster) Close() error {
	c.cancel()
	c.wg.Wait()
	return nil
}

func (c *Cluster) shutdown() {
	c.closeListeners()
	c.mu.Lock()
	c.closed = true
	for _, d := range c.dcs {
		for conn := range d.conns {
			_ = conn.Close()
		}
	}
	c.mu.Unlock()
	c.hub.close()
}

func (c *Cluster) closeListeners() {
	for _, d := range c.dcs {
		_ = d.ln.Close()
	}
}

func (c *Cluster) dc(id int) *dcServer {
	if id < 1 || id > len(c.dcs) {
		return nil
	}
	return c.dcs[id-1]
}

func (c *Cluster) emit(ev model.ServerEvent) {
	if ev.At.IsZero() {
		ev.At = c.now()
	}
	c.hub.publish(ev)
}

func (c *Cluster) acceptLoop(d *dcServer) {
	defer c.wg.Done()
	for {
		conn, err := d.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			_ = conn.Close()
			return
		}
		flood := len(d.conns) >= c.cfg.MaxConnsPerDC || d.floodLeft > 0
		if d.floodLeft > 0 {
			d.floodLeft--
		}
		d.conns[conn] = struct{}{}
		c.mu.Unlock()
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			defer func() {
				c.mu.Lock()
				delete(d.conns, conn)
				c.mu.Unlock()
				_ = conn.Close()
			}()
			// As net/http does: a bug reached by one client's input must
			// end that connection, not the whole cluster.
			defer func() {
				if r := recover(); r != nil {
					c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvRPCError, Detail: fmt.Sprintf("connection handler panic: %v", r)})
				}
			}()
			sc := &serverConn{c: c, d: d, conn: conn, flood: flood}
			defer c.live.drop(sc)
			sc.serve()
		}()
	}
}

// sweepLoop forgets expired temporary keys and stale export tokens.
func (c *Cluster) sweepLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			c.sweep()
		}
	}
}

// sweep forgets every expired temporary key and export token now.
func (c *Cluster) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for _, d := range c.dcs {
		for id, k := range d.keys {
			if k.expired(now) {
				delete(d.keys, id)
				c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvKeyExpired, KeyID: id, KeyKind: model.Temporary, PermID: k.permID, ExpiresAt: k.expiresAt})
			}
		}
	}
	for tok, e := range c.exports {
		if !now.Before(e.expires) {
			delete(c.exports, tok)
		}
	}
	c.acct.sweepLocked(now)
}
