package localdc

import (
	"net"
	"strconv"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// helpMethods are the help.* methods the DC serves. help.getConfig and
// help.getNearestDc may be called on an unbound temporary key, as a client
// needs them before it can bind.
var helpMethods = []method{
	{id: tg.HelpGetConfigRequestTypeID, unbound: true, serve: func(s *serverConn, _ inMsg, _ *bin.Buffer) (bin.Encoder, *tgerr.Error) {
		return s.c.config(s.d), nil
	}},
	{id: tg.HelpGetNearestDCRequestTypeID, unbound: true, serve: func(s *serverConn, _ inMsg, _ *bin.Buffer) (bin.Encoder, *tgerr.Error) {
		return &tg.NearestDC{Country: "ZZ", ThisDC: s.d.id, NearestDC: s.d.id}, nil
	}},
	{id: tg.HelpGetAppConfigRequestTypeID, serve: decoded(func(_ *serverConn, _ inMsg, r *tg.HelpGetAppConfigRequest) (bin.Encoder, *tgerr.Error) {
		return appConfig(r.Hash), nil
	})},
}

// appConfigHash is the hash of the DC's app config, which never changes:
// a client that has it gets help.appConfigNotModified. Telegram's hashes
// are never 0, which asks for the config in full.
const appConfigHash = 0x10ca1dc

// appConfig is help.getAppConfig: an empty JSON object, as the DC has no
// client settings to give (clients take their defaults). Layers before
// 154 get the object itself (tlayer).
func appConfig(hash int) bin.Encoder {
	if hash == appConfigHash {
		return &tg.HelpAppConfigNotModified{}
	}
	return &tg.HelpAppConfig{Hash: appConfigHash, Config: &tg.JSONObject{Value: []tg.JSONObjectValue{}}}
}

// config is help.getConfig: the cluster's own addresses, plain IPv4 first.
func (c *Cluster) config(d *dcServer) bin.Encoder {
	now := c.now()
	var opts []tg.DCOption
	for _, o := range c.dcs {
		host, port, _ := net.SplitHostPort(o.addr)
		p, _ := strconv.Atoi(port)
		ip := net.ParseIP(host)
		opts = append(opts, tg.DCOption{ID: o.id, IPAddress: host, Port: p, Ipv6: ip != nil && ip.To4() == nil})
	}
	return &tg.Config{
		Date:                    int(now.Unix()),
		Expires:                 int(now.Add(time.Hour).Unix()),
		TestMode:                true,
		ThisDC:                  d.id,
		DCOptions:               opts,
		DCTxtDomainName:         "localdc.invalid",
		ChatSizeMax:             200,
		MegagroupSizeMax:        200000,
		ForwardedCountMax:       100,
		OnlineUpdatePeriodMs:    210000,
		OfflineBlurTimeoutMs:    5000,
		OfflineIdleTimeoutMs:    30000,
		OnlineCloudTimeoutMs:    300000,
		NotifyCloudDelayMs:      30000,
		NotifyDefaultDelayMs:    1500,
		PushChatPeriodMs:        60000,
		PushChatLimit:           2,
		EditTimeLimit:           172800,
		RevokeTimeLimit:         2147483647,
		RevokePmTimeLimit:       2147483647,
		RatingEDecay:            2419200,
		StickersRecentLimit:     200,
		ChannelsReadMediaPeriod: 604800,
		CallReceiveTimeoutMs:    20000,
		CallRingTimeoutMs:       90000,
		CallConnectTimeoutMs:    30000,
		CallPacketTimeoutMs:     10000,
		MeURLPrefix:             "https://t.me/",
		CaptionLengthMax:        1024,
		MessageLengthMax:        4096,
		WebfileDCID:             1,
	}
}
