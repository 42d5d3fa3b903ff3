package app

import (
	"tgpfs/model/catalog"
	"tgpfs/ui"
)

// Catalog is model/catalog in the shape the Catalog screen draws, with its
// Search as the screen's filter (so "ENCRYPTED" finds the method by its
// error).
func Catalog() ([]ui.Method, ui.CatalogSearch) {
	all := catalog.All()
	out := make([]ui.Method, len(all))
	for i, m := range all {
		um := ui.Method{
			Name:        m.Name,
			Description: m.Description,
			Result:      m.Result,
			Bots:        m.Bots,
			TL:          m.TL,
			Reference:   m.Reference,
			Action:      string(m.Action),
			Snippet:     m.Go.Example,
		}
		for _, p := range m.Params {
			um.Params = append(um.Params, ui.MethodParam{Name: p.Name, Type: p.Type, Optional: p.Optional, Description: p.Description})
		}
		for _, e := range m.Errors {
			um.Errors = append(um.Errors, ui.MethodError{Code: e.Code, Type: e.Type, Description: e.Description})
		}
		out[i] = um
	}
	return out, search
}

func search(query string) []string {
	res := catalog.Search(query)
	names := make([]string, len(res))
	for i, r := range res {
		names[i] = r.Method.Name
	}
	return names
}
