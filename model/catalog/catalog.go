// Package catalog is tgpfs's offline reference for every auth.* method of
// the API layer tgpfs speaks: what each method does, its parameters, result,
// possible errors, whether bots may call it, its TL line, a gotd example, and
// whether tgpfs itself invokes it.
//
// The data is generated Go (methods_gen.go), extracted from the gotd module
// tgpfs builds against, so the catalog always describes exactly the layer
// tgpfs's client encodes. The package does no I/O at run time and imports
// nothing heavy: the UI imports it.
//
// Two facts gotd's sources do not carry live in small hand-checked files next
// to this one and are merged in by the generator: bots.tsv (can bots use the
// method, and where that value comes from) and actions.tsv (which methods
// tgpfs invokes and for which action).
package catalog

//go:generate go run ./gen

import "strings"

// Method is one auth.* method.
type Method struct {
	// Name is the full TL name, "auth.bindTempAuthKey".
	Name string `json:"name"`
	// ID is the constructor id that prefixes the method's serialization.
	ID uint32 `json:"id"`
	// Description is the method's documentation as gotd carries it,
	// paragraphs separated by "\n". Superscript markers (¹, ²) refer to
	// Links, in order.
	Description string   `json:"description"`
	Links       []string `json:"links"`
	Params      []Param  `json:"params"`
	// Result is the TL type the method returns, "Bool", "auth.SentCode".
	Result string  `json:"result"`
	Errors []Error `json:"errors"`
	// Bots tells whether bots may call the method, and BotsSource where
	// that value was checked.
	Bots       bool   `json:"bots"`
	BotsSource string `json:"bots_source"`
	// TL is the method's line in the schema, without the semicolon.
	TL string `json:"tl"`
	// Reference is the method's page on core.telegram.org.
	Reference string `json:"reference"`
	// Action is what tgpfs uses the method for; empty if tgpfs never
	// invokes it.
	Action Action `json:"action,omitempty"`
	// Go is how gotd exposes the method.
	Go GoBinding `json:"go"`
}

// Param is one parameter of a method, in schema order.
type Param struct {
	// Name is the schema name, "perm_auth_key_id".
	Name string `json:"name"`
	// Type is the TL type without its condition: "long", "Vector<long>",
	// "true", or "#" for a flags field.
	Type string `json:"type"`
	// Optional parameters are present only when bit FlagBit of the flags
	// field FlagField is set.
	Optional bool `json:"optional"`
	// Flag is the condition as the schema writes it, "flags.0"; empty
	// for required parameters.
	Flag        string   `json:"flag,omitempty"`
	FlagField   string   `json:"-"`
	FlagBit     int      `json:"-"`
	Description string   `json:"description"`
	Links       []string `json:"links,omitempty"`
	// GoField and GoType name the field of gotd's request struct.
	GoField string `json:"go_field"`
	GoType  string `json:"go_type"`
}

// Error is one RPC error the method is documented to return.
type Error struct {
	Code int `json:"code"`
	// Type is the error string, "ENCRYPTED_MESSAGE_INVALID". A "%d" stands
	// for a number the server fills in.
	Type        string `json:"type"`
	Description string `json:"description"`
}

// GoBinding says how to call a method through gotd's tg.Client.
type GoBinding struct {
	// Method is the tg.Client method, "AuthBindTempAuthKey".
	Method string `json:"method"`
	// Request is the request struct, "tg.AuthBindTempAuthKeyRequest".
	Request string `json:"request"`
	// Result is the Go type the client method returns, "bool",
	// "tg.AuthSentCodeClass".
	Result string `json:"result"`
	// Example is a complete, compiled call: the body of a function with
	// ctx context.Context and api *tg.Client in scope that returns error.
	Example string `json:"example"`
}

// Action names what tgpfs does with a method it invokes, so the UI can offer
// the action from the method's page.
type Action string

const (
	// ActionBind binds a fresh temporary key (auth.bindTempAuthKey).
	ActionBind Action = "bind"
	// ActionDrop drops all temporary keys but the current one
	// (auth.dropTempAuthKeys).
	ActionDrop Action = "drop"
	// ActionExport copies the login to another DC
	// (auth.exportAuthorization, then auth.importAuthorization there).
	ActionExport Action = "export"
	// ActionLogin logs in with a phone code (auth.sendCode, auth.signIn,
	// auth.signUp).
	ActionLogin Action = "login"
	// ActionLogout logs the permanent key out (auth.logOut).
	ActionLogout Action = "logout"
)

// Invoked reports whether tgpfs itself calls the method.
func (m *Method) Invoked() bool { return m.Action != "" }

// ShortName is the name without its namespace, "bindTempAuthKey".
func (m *Method) ShortName() string { return strings.TrimPrefix(m.Name, "auth.") }

// Layer is the API layer of the catalog, the layer tgpfs's gotd speaks.
const Layer = layer

// Source names the module the catalog was extracted from.
const Source = source

// All returns every method, ordered by name. The slice is a copy; the
// Methods share their inner slices with the catalog and must not be
// modified.
func All() []Method {
	out := make([]Method, len(methods))
	copy(out, methods)
	return out
}

// Len is the number of methods in the catalog.
func Len() int { return len(methods) }

// Lookup finds a method by name. It accepts the full name
// ("auth.bindTempAuthKey") or the name without its namespace
// ("bindTempAuthKey"), in any letter case.
func Lookup(name string) (Method, bool) {
	name = strings.TrimSpace(name)
	if i, ok := byName[strings.ToLower(name)]; ok {
		return methods[i], true
	}
	if i, ok := byName["auth."+strings.ToLower(name)]; ok {
		return methods[i], true
	}
	return Method{}, false
}

// LookupID finds a method by constructor id.
func LookupID(id uint32) (Method, bool) {
	for i := range methods {
		if methods[i].ID == id {
			return methods[i], true
		}
	}
	return Method{}, false
}

// byName indexes methods by lower-case full name.
var byName = func() map[string]int {
	m := make(map[string]int, len(methods))
	for i := range methods {
		m[strings.ToLower(methods[i].Name)] = i
	}
	return m
}()
