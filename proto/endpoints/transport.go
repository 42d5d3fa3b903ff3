package endpoints

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"strings"

	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/transport"
)

// Transport names an MTProto transport (mtproto-transports).
type Transport string

const (
	Intermediate       Transport = "intermediate"
	Abridged           Transport = "abridged"
	PaddedIntermediate Transport = "padded"
	Full               Transport = "full"
)

// Transports lists the accepted names, default first.
var Transports = []Transport{Intermediate, Abridged, PaddedIntermediate, Full}

// ParseTransport accepts the names above ("" means intermediate).
func ParseTransport(s string) (Transport, error) {
	switch t := Transport(strings.ToLower(strings.TrimSpace(s))); t {
	case "":
		return Intermediate, nil
	case Intermediate, Abridged, PaddedIntermediate, Full:
		return t, nil
	case "padded-intermediate", "secure":
		return PaddedIntermediate, nil
	}
	return "", fmt.Errorf("unknown transport %q: want intermediate, abridged, padded or full", s)
}

// Protocol is gotd's implementation of the transport.
func (t Transport) Protocol() transport.Protocol {
	switch t {
	case Abridged:
		return transport.Abridged
	case PaddedIntermediate:
		return transport.PaddedIntermediate
	case Full:
		return transport.Full
	}
	return transport.Intermediate
}

// Proxy is an MTProxy to reach the DCs through.
type Proxy struct {
	Addr   string
	Secret []byte
}

// ParseProxy reads "host:port:hexsecret" or a tg://proxy?server=&port=&secret= link.
func ParseProxy(s string) (*Proxy, error) {
	if s == "" {
		return nil, nil
	}
	var host, port, secret string
	if rest, ok := strings.CutPrefix(s, "tg://proxy?"); ok {
		for _, kv := range strings.Split(rest, "&") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "server":
				host = v
			case "port":
				port = v
			case "secret":
				secret = v
			}
		}
	} else {
		i := strings.LastIndex(s, ":")
		if i < 0 {
			return nil, fmt.Errorf("proxy %q: want host:port:secret", s)
		}
		secret = s[i+1:]
		host, port, _ = strings.Cut(s[:i], ":")
		if j := strings.LastIndex(s[:i], ":"); j >= 0 {
			host, port = s[:j], s[j+1:i]
		}
	}
	if host == "" || port == "" || secret == "" {
		return nil, fmt.Errorf("proxy %q: want host:port:secret", s)
	}
	raw, err := hex.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("proxy secret: not hex: %w", err)
	}
	p := &Proxy{Addr: net.JoinHostPort(host, port), Secret: raw}
	if _, err := dcs.MTProxy(p.Addr, p.Secret, dcs.MTProxyOptions{}); err != nil {
		return nil, fmt.Errorf("proxy secret: %w", err)
	}
	return p, nil
}

// DialFunc dials a TCP connection.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Dial opens an MTProto transport connection to ep: directly with the chosen
// transport, or through the MTProxy (which picks its own codec from the
// secret; gotd's obfuscated2 and fake-TLS implementations do the framing).
func Dial(ctx context.Context, ep Endpoint, t Transport, proxy *Proxy, dial DialFunc) (transport.Conn, error) {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	if proxy != nil {
		r, err := dcs.MTProxy(proxy.Addr, proxy.Secret, dcs.MTProxyOptions{Dial: dcs.DialFunc(dial)})
		if err != nil {
			return nil, fmt.Errorf("mtproxy %s: %w", proxy.Addr, err)
		}
		dc := ep.ProtocolDC
		conn, err := r.Primary(ctx, dc, dcs.List{})
		if err != nil {
			return nil, fmt.Errorf("dial DC %d via mtproxy %s: %w", ep.DC, proxy.Addr, err)
		}
		return conn, nil
	}
	c, err := dial(ctx, "tcp", ep.Addr)
	if err != nil {
		return nil, fmt.Errorf("dial DC %d at %s: %w", ep.DC, ep.Addr, err)
	}
	conn, err := t.Protocol().Handshake(c)
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("%s transport to %s: %w", t, ep.Addr, err)
	}
	return conn, nil
}
