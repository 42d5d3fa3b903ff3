package endpoints

import (
	"fmt"
	"io"
	"strings"
)

// Plan is everything tgpfs decided before connecting; `--dry-run` prints it.
type Plan struct {
	Env            Env    `json:"env"`
	DC             int    `json:"dc"`
	Addr           string `json:"addr"`
	ProtocolDCID   int    `json:"protocol_dc_id"`
	RSAFingerprint string `json:"rsa_fingerprint"` // 16 hex digits, "" for local
	Transport      string `json:"transport"`
	Proxy          string `json:"proxy,omitempty"`
	AppIDPresent   bool   `json:"app_id_present"`
	AppHashPresent bool   `json:"app_hash_present"`
	AppSource      string `json:"app_source,omitempty"`
	AppError       string `json:"app_error,omitempty"`
}

// NewPlan summarises an endpoint, transport, proxy and the app lookup.
func NewPlan(ep Endpoint, t Transport, proxy *Proxy, app App, appErr error) Plan {
	p := Plan{
		Env: ep.Env, DC: ep.DC, Addr: ep.Addr, ProtocolDCID: ep.ProtocolDC,
		Transport: string(t), AppIDPresent: app.ID != 0, AppHashPresent: app.Hash != "",
		AppSource: app.Source,
	}
	if fp := ep.Fingerprint(); fp != 0 {
		p.RSAFingerprint = fmt.Sprintf("%016x", uint64(fp))
	}
	if proxy != nil {
		p.Proxy = proxy.Addr
	}
	if appErr != nil {
		p.AppError = appErr.Error()
	}
	return p
}

// WriteText prints the plan as aligned "name  value" lines.
func (p Plan) WriteText(w io.Writer) error {
	yes := func(b bool) string {
		if b {
			return "present"
		}
		return "missing"
	}
	fp := p.RSAFingerprint
	if fp == "" {
		fp = "(the local cluster's own key)"
	}
	rows := [][2]string{
		{"target", fmt.Sprintf("%s DC %d", p.Env, p.DC)},
		{"address", p.Addr},
		{"protocol dc id", fmt.Sprint(p.ProtocolDCID)},
		{"rsa fingerprint", fp},
		{"transport", p.Transport},
	}
	if p.Proxy != "" {
		rows = append(rows, [2]string{"mtproxy", p.Proxy})
	}
	rows = append(rows, [2]string{"app id", yes(p.AppIDPresent)}, [2]string{"app hash", yes(p.AppHashPresent)})
	if p.AppSource != "" {
		rows = append(rows, [2]string{"app from", p.AppSource})
	}
	if p.AppError != "" {
		rows = append(rows, [2]string{"problem", p.AppError})
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%-16s %s\n", r[0], r[1])
	}
	_, err := io.WriteString(w, b.String())
	return err
}
