package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"testing"

	"tgpfs/model"
)

// TestConformSession runs `tgpfs conform` over each client's session
// scenario (what interop/pfsmatrix runs for the README), one plain run
// each: every client reaches the DC, the clients with PFS come out ok on
// uses_pfs and conform exits 0, the ones without fail it and conform exits
// 1 with the fail in its document.
func TestConformSession(t *testing.T) {
	tgpfs := dcBinary(t)
	for _, c := range []client{gotd, gotdPFS, mtcutePFS, gramjs, telethon} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			needClient(t, c)
			seconds := "8"
			if c.name == gotd.name || c.name == gotdPFS.name {
				seconds = "8s"
			}
			args := append([]string{"conform", "--json", "--scenario", "plain", "--timeout", "90s", "--"}, c.argv(t)...)
			args = append(args, "--dcs", "2={host}:{port}", "--pubkey", "{pem}", "--transport", c.transports[0], "--scenario", "session", "--seconds", seconds)
			if c.pfs {
				args = append(args, "--pfs")
			}
			ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, tgpfs, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var doc struct {
				Runs []struct {
					Report model.ConformanceReport `json:"report"`
				} `json:"runs"`
				OK bool `json:"ok"`
			}
			if jerr := json.Unmarshal(stdout.Bytes(), &doc); jerr != nil || len(doc.Runs) != 1 {
				t.Fatalf("conform: %v; stdout %q: %v\nstderr:\n%s", err, stdout.String(), jerr, stderr.String())
			}
			rep := doc.Runs[0].Report
			if len(rep.Clients) == 0 {
				t.Fatalf("the DC saw no client\nstderr:\n%s", stderr.String())
			}
			want := model.ResultFail
			if c.pfs {
				want = model.ResultOK
			}
			var ee *exec.ExitError
			code := 0
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			if got := rep.Worst(model.VerdictUsesPFS); got != want || doc.OK != c.pfs || code != map[bool]int{true: 0, false: 1}[c.pfs] {
				t.Fatalf("uses_pfs %s (want %s), ok %v, exit %d\nstderr:\n%s", got, want, doc.OK, code, stderr.String())
			}
		})
	}
}
