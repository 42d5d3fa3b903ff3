package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"tgpfs/model/catalog"
)

type catalogFlags struct {
	json   bool
	search string
}

func newCatalogCmd(stdio *IO) *cobra.Command {
	var f catalogFlags
	cmd := &cobra.Command{
		Use:   "catalog [METHOD]",
		Short: "The auth.* methods of the layer tgpfs speaks, offline",
		Long: fmt.Sprintf(`Print the reference for every auth.* method of API layer %d (from %s),
or one method in full: description, parameters, result, possible errors,
whether bots may call it, its TL line and a gotd example.

METHOD may be given with or without its namespace, in any letter case
(auth.bindTempAuthKey, bindTempAuthKey). --search ranks methods by a fuzzy
match over names, parameter names and error types (ENCRYPTED finds
auth.bindTempAuthKey). --json prints an array of method objects.`, catalog.Layer, catalog.Source),
		Example: `  tgpfs catalog
  tgpfs catalog bindTempAuthKey
  tgpfs catalog --search ENCRYPTED
  tgpfs catalog auth.dropTempAuthKeys --json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return fmt.Errorf("want at most one METHOD, got %d: %q", len(args), args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCatalog(stdio.Out, f, args)
		},
	}
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON: an array of method objects")
	cmd.Flags().StringVarP(&f.search, "search", "s", "", "list the methods matching `QUERY`, best first")
	return cmd
}

func runCatalog(w io.Writer, f catalogFlags, args []string) error {
	if len(args) == 1 && f.search != "" {
		return usageErr(errors.New("give a METHOD or --search, not both"))
	}
	switch {
	case len(args) == 1:
		m, ok := catalog.Lookup(args[0])
		if !ok {
			return usageErr(unknownMethod(args[0]))
		}
		if f.json {
			return writeMethodsJSON(w, []catalog.Method{m})
		}
		return writeMethod(w, m)
	case f.search != "":
		rs := catalog.Search(f.search)
		if f.json {
			ms := make([]catalog.Method, len(rs))
			for i, r := range rs {
				ms[i] = r.Method
			}
			return writeMethodsJSON(w, ms)
		}
		return writeSearch(w, f.search, rs)
	}
	if f.json {
		return writeMethodsJSON(w, catalog.All())
	}
	return writeList(w)
}

// unknownMethod explains a METHOD that is not in the catalog, with the
// closest names when the search finds any.
func unknownMethod(name string) error {
	var near []string
	for _, r := range catalog.Search(name) {
		if len(near) == 3 {
			break
		}
		near = append(near, r.Method.Name)
	}
	if len(near) == 0 {
		return fmt.Errorf("no auth.* method %q in layer %d (tgpfs catalog lists them)", name, catalog.Layer)
	}
	return fmt.Errorf("no auth.* method %q in layer %d; did you mean %s?", name, catalog.Layer, strings.Join(near, ", "))
}

// writeMethodsJSON prints methods as a JSON array. Lists are never null, so
// `jq '.[].errors[]'` works on methods without errors.
func writeMethodsJSON(w io.Writer, ms []catalog.Method) error {
	out := make([]catalog.Method, len(ms))
	for i, m := range ms {
		if m.Links == nil {
			m.Links = []string{}
		}
		if m.Params == nil {
			m.Params = []catalog.Param{}
		}
		if m.Errors == nil {
			m.Errors = []catalog.Error{}
		}
		out[i] = m
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func writeList(w io.Writer) error {
	ms := catalog.All()
	fmt.Fprintf(w, "auth.* methods of layer %d (%s): %d\n\n", catalog.Layer, catalog.Source, len(ms))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tID\tRESULT\tBOTS\tTGPFS\tSUMMARY")
	for _, m := range ms {
		fmt.Fprintf(tw, "%s\t%08x\t%s\t%s\t%s\t%s\n", m.Name, m.ID, m.Result, yesNo(m.Bots), m.Action, summary(m.Description, 56))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nTGPFS names the action tgpfs uses the method for. `tgpfs catalog METHOD` shows one in full.")
	return err
}

func writeSearch(w io.Writer, query string, rs []catalog.Result) error {
	if len(rs) == 0 {
		_, err := fmt.Fprintf(w, "no auth.* method matches %q\n", query)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tID\tMATCHED")
	for _, r := range rs {
		var why []string
		for _, h := range r.Hits {
			why = append(why, h.Field.String()+" "+h.Text)
		}
		fmt.Fprintf(tw, "%s\t%08x\t%s\n", r.Method.Name, r.Method.ID, strings.Join(why, ", "))
	}
	return tw.Flush()
}

// pageWidth is the width detail pages wrap to.
const pageWidth = 80

func writeMethod(w io.Writer, m catalog.Method) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  (layer %d, constructor %08x)\n\n", m.Name, catalog.Layer, m.ID)
	b.WriteString(m.TL + ";\n\n")

	if m.Description == "" {
		b.WriteString(wrap("Telegram does not document this method; gotd carries no description for it.", pageWidth, ""))
	} else {
		for _, para := range strings.Split(m.Description, "\n") {
			b.WriteString(wrap(para, pageWidth, ""))
		}
	}
	writeLinks(&b, m.Links, "  ")

	b.WriteString("\nPARAMETERS\n")
	var params []catalog.Param
	for _, p := range m.Params {
		if p.Type != "#" {
			params = append(params, p)
		}
	}
	if len(params) == 0 {
		b.WriteString("  none\n")
	}
	nameW, typeW := 0, 0
	for _, p := range params {
		nameW = max(nameW, utf8.RuneCountInString(p.Name))
		typeW = max(typeW, utf8.RuneCountInString(paramType(p)))
	}
	for _, p := range params {
		desc := p.Description
		if desc == "" {
			desc = "(undocumented)"
		}
		if p.Optional {
			desc = "Optional. " + desc
		}
		lead := fmt.Sprintf("  %-*s  %-*s  ", nameW, p.Name, typeW, paramType(p))
		pad := strings.Repeat(" ", utf8.RuneCountInString(lead))
		if len(pad) > pageWidth/2 {
			// Long types leave too little room beside them: the
			// description goes underneath instead.
			b.WriteString(strings.TrimRight(lead, " ") + "\n")
			pad = "      "
			lead = pad
		}
		text := wrap(desc, pageWidth-len(pad), pad)
		b.WriteString(lead + strings.TrimPrefix(text, pad))
		writeLinks(&b, p.Links, pad)
	}
	if len(m.Params) > len(params) {
		b.WriteString("  Optional parameters are sent when their bit of the flags field is set;\n  gotd sets the bits from the fields you fill in.\n")
	}

	fmt.Fprintf(&b, "\nRESULT\n  %s  (gotd returns %s)\n", m.Result, m.Go.Result)

	b.WriteString("\nPOSSIBLE ERRORS\n")
	if len(m.Errors) == 0 {
		b.WriteString("  none documented\n")
	}
	typeW = 0
	for _, e := range m.Errors {
		typeW = max(typeW, len(e.Type))
	}
	for _, e := range m.Errors {
		lead := fmt.Sprintf("  %4d  %-*s  ", e.Code, typeW, e.Type)
		if e.Description == "" {
			b.WriteString(strings.TrimRight(lead, " ") + "\n")
			continue
		}
		pad := strings.Repeat(" ", len(lead))
		b.WriteString(lead + strings.TrimPrefix(wrap(e.Description, pageWidth-len(pad), pad), pad))
	}

	b.WriteString("\nCAN BOTS USE THIS METHOD?\n")
	answer := "No"
	if m.Bots {
		answer = "Yes"
	}
	b.WriteString(wrap(answer+". Source: "+m.BotsSource+".", pageWidth-2, "  "))

	b.WriteString("\nTGPFS\n")
	if m.Invoked() {
		fmt.Fprintf(&b, "  tgpfs calls this method for the %q action.\n", m.Action)
	} else {
		b.WriteString("  tgpfs does not call this method; it is here for reference.\n")
	}

	fmt.Fprintf(&b, "\nGOTD (tg.Client.%s, request %s)\n", m.Go.Method, m.Go.Request)
	for _, line := range strings.Split(strings.TrimRight(m.Go.Example, "\n"), "\n") {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("  " + strings.ReplaceAll(line, "\t", "    ") + "\n")
	}

	fmt.Fprintf(&b, "\nREFERENCE\n  %s\n", m.Reference)
	_, err := io.WriteString(w, b.String())
	return err
}

func paramType(p catalog.Param) string {
	if p.Optional {
		return p.Flag + "?" + p.Type
	}
	return p.Type
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// writeLinks lists links under the text whose superscript markers they
// resolve: "¹ https://…".
func writeLinks(b *strings.Builder, links []string, indent string) {
	for i, l := range links {
		fmt.Fprintf(b, "%s%s %s\n", indent, superscript(i+1), l)
	}
}

func superscript(n int) string {
	const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	ds := []rune(digits)
	var out []rune
	for _, c := range fmt.Sprint(n) {
		out = append(out, ds[c-'0'])
	}
	return string(out)
}

// summary is the first sentence of a description without its link
// markers, cut to n runes.
func summary(desc string, n int) string {
	s, _, _ := strings.Cut(desc, "\n")
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune("⁰¹²³⁴⁵⁶⁷⁸⁹", r) {
			return -1
		}
		return r
	}, s)
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if s == "" {
		return "(undocumented)"
	}
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = strings.TrimRight(string(r[:n-1]), " ") + "…"
	}
	return s
}

// wrap breaks text into lines of at most width runes (longer words stay
// whole), each prefixed by indent and ended by a newline.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for _, word := range strings.Fields(text) {
		n := utf8.RuneCountInString(word)
		switch {
		case line == 0:
			b.WriteString(indent)
		case line+1+n > width:
			b.WriteString("\n" + indent)
			line = 0
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(word)
		line += n
	}
	if b.Len() > 0 {
		b.WriteByte('\n')
	}
	return b.String()
}
