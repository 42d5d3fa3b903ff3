package localdc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/proto"

	"tgpfs/model"
	"tgpfs/proto/localdc/observe"
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
	// MaxConnsPerDC bounds open connections per DC (default 128). When it
	// is reached, a new connection closes the oldest one that has not
	// authenticated yet; when every open connection has, the new one gets
	// transport error -429 and is closed.
	MaxConnsPerDC int
	// MaxUnauthPerDC bounds the connections per DC that have not
	// authenticated yet (default MaxConnsPerDC/2, at least 1); a new one
	// past it closes the oldest. A connection authenticates by finishing a
	// key exchange or by sending a frame under a key the DC holds, so idle
	// or slow sockets cannot crowd out clients that have keys.
	MaxUnauthPerDC int
	// KeyExchangeTimeout closes a connection that has not authenticated
	// this long after it was accepted, or after the last key exchange step
	// the DC answered on it (default 30 s). Authenticated connections have
	// IdleTimeout instead.
	KeyExchangeTimeout time.Duration
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
	// Scenarios are DC behaviours that probe clients
	// (model.ScenarioCatalog, scenario.go). None: the DC behaves as
	// Telegram does when nothing goes wrong.
	Scenarios []model.Scenario
	// Observe bounds what the DC remembers of its clients for Report;
	// NoObserve turns the observation off (Report is then empty).
	Observe   observe.Config
	NoObserve bool

	// wrapListener, in tests, wraps each DC's listener (an Accept that
	// fails on purpose).
	wrapListener func(net.Listener) net.Listener
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
	defaultKXTimeout   = 30 * time.Second
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
	obs     *recorder // nil when observation is off
	scen    scenarios // guarded by mu

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
	conns      connTable                // guarded by Cluster.mu
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
	if cfg.MaxUnauthPerDC <= 0 {
		cfg.MaxUnauthPerDC = max(1, cfg.MaxConnsPerDC/2)
	}
	if cfg.KeyExchangeTimeout <= 0 {
		cfg.KeyExchangeTimeout = defaultKXTimeout
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
		obs:     newRecorder(cfg),
		scen:    newScenarios(cfg.Scenarios, now()),
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
		if cfg.wrapListener != nil {
			ln = cfg.wrapListener(ln)
		}
		pid := id
		if cfg.TestDCIDs {
			pid += 10000
		}
		c.dcs = append(c.dcs, &dcServer{
			id: id, protocolID: pid, ln: ln, addr: ln.Addr().String(),
			keys: make(map[model.KeyID]*authKey), conns: newConnTable(),
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
	c.observeKeyEnd(id, observe.Forgotten)
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
		d.conns.closeAll()
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
				c.observeKeyEnd(id, observe.Expired)
			}
		}
	}
	c.sweepScenarios(now)
	for tok, e := range c.exports {
		if !now.Before(e.expires) {
			delete(c.exports, tok)
		}
	}
	c.acct.sweepLocked(now)
}
