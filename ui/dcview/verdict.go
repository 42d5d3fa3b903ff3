package dcview

import (
	"fmt"

	"github.com/charmbracelet/lipgloss"

	"tgpfs/model"
	"tgpfs/ui/styles"
)

// A verdict is shown as a symbol and a word as well as a colour, so that
// it reads on a monochrome terminal and to a colour-blind user: "✓ ok",
// "✗ fail", "– not seen".

// look is how a result is shown: its colour, its shape and its word. A
// result this view does not know is shown dim, as given.
func look(s styles.Styles, r model.VerdictResult) (lipgloss.Style, string, string) {
	switch r {
	case model.ResultOK:
		return s.OK, styles.SymOK, "ok"
	case model.ResultFail:
		return s.Bad, styles.SymBad, "fail"
	case model.ResultNotSeen, "":
		return s.Dim, styles.SymNone, "not seen"
	}
	return s.Dim, styles.SymNone, string(r)
}

func resultStyle(s styles.Styles, r model.VerdictResult) lipgloss.Style {
	st, _, _ := look(s, r)
	return st
}

// resultWidth is the cells of the widest mark, "– not seen".
const resultWidth = 10

// mark is a result as symbol, word and colour.
func mark(s styles.Styles, r model.VerdictResult) string {
	st, sym, word := look(s, r)
	return st.Render(sym + " " + word)
}

// verdictTally counts a client's results.
type verdictTally struct{ ok, fail, notSeen int }

func tally(vs []model.ClientVerdict) verdictTally {
	var t verdictTally
	for _, v := range vs {
		switch v.Result {
		case model.ResultOK:
			t.ok++
		case model.ResultFail:
			t.fail++
		default:
			t.notSeen++
		}
	}
	return t
}

// short is the tally in a column: "✓4 ✗1 –6".
func (t verdictTally) short(s styles.Styles) string {
	return s.OK.Render(fmt.Sprintf("%s%d", styles.SymOK, t.ok)) + " " +
		resultStyle(s, failOrDim(t.fail)).Render(fmt.Sprintf("%s%d", styles.SymBad, t.fail)) + " " +
		s.Dim.Render(fmt.Sprintf("%s%d", styles.SymNone, t.notSeen))
}

// long is the tally in words: "4 ok · 1 fail · 6 not seen".
func (t verdictTally) long(s styles.Styles) string {
	return s.OK.Render(fmt.Sprintf("%s %d ok", styles.SymOK, t.ok)) + s.Dim.Render(" · ") +
		resultStyle(s, failOrDim(t.fail)).Render(fmt.Sprintf("%s %d fail", styles.SymBad, t.fail)) + s.Dim.Render(" · ") +
		s.Dim.Render(fmt.Sprintf("%s %d not seen", styles.SymNone, t.notSeen))
}

// failOrDim colours a fail count red only when there are fails.
func failOrDim(n int) model.VerdictResult {
	if n > 0 {
		return model.ResultFail
	}
	return model.ResultNotSeen
}

// explain is the one-line rule of a verdict, from the catalog.
func explain(name model.VerdictName) string {
	for _, info := range model.VerdictCatalog() {
		if info.Name == name {
			return info.Explain
		}
	}
	return ""
}
