package localdc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gotd/td/crypto"

	"tgpfs/model"
)

// stateFile is what --state keeps across restarts: permanent keys, logins
// and accounts. Temporary keys are never written: Telegram keeps them in
// RAM only, and a restart that forgets them is part of the demo.
type stateFile struct {
	Version    int         `json:"version"`
	NextUserID int64       `json:"next_user_id"`
	Users      []*user     `json:"users"`
	PermKeys   []permState `json:"perm_keys"`
}

type permState struct {
	DC      int       `json:"dc"`
	Key     []byte    `json:"auth_key"` // 256 bytes; the file is 0600
	Created time.Time `json:"created"`
	UserID  int64     `json:"user_id,omitempty"`
	Salt    int64     `json:"salt"`
}

const stateVersion = 1

// StateErr reports the last failure to write Config.StatePath, if any.
func (c *Cluster) StateErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.saveErr
}

// StateError is a Config.StatePath that Start cannot read or that holds
// no state: bad input, as opposed to a failure to listen.
type StateError struct {
	Path string
	Err  error
}

func (e *StateError) Error() string { return fmt.Sprintf("state %s: %v", e.Path, e.Err) }
func (e *StateError) Unwrap() error { return e.Err }

func (c *Cluster) loadState() error {
	data, err := os.ReadFile(c.cfg.StatePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &StateError{Path: c.cfg.StatePath, Err: fmt.Errorf("read: %w", err)}
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return &StateError{Path: c.cfg.StatePath, Err: fmt.Errorf("parse: %w", err)}
	}
	if st.Version != stateVersion {
		return &StateError{Path: c.cfg.StatePath, Err: fmt.Errorf("version %d, want %d", st.Version, stateVersion)}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, u := range st.Users {
		if u == nil || u.ID == 0 {
			continue
		}
		c.users[u.ID] = u
		if u.Phone != "" {
			c.phones[u.Phone] = u.ID
		}
		c.nextUID = max(c.nextUID, u.ID+1)
	}
	c.nextUID = max(c.nextUID, st.NextUserID)
	for _, p := range st.PermKeys {
		d := c.dc(p.DC)
		if d == nil {
			// A DC this run does not have (fewer --dcs): kept as is, so
			// a later run with more DCs finds its keys again.
			c.otherState = append(c.otherState, p)
			continue
		}
		if len(p.Key) != 256 {
			continue // a damaged entry
		}
		var key crypto.Key
		copy(key[:], p.Key)
		ak := key.WithID()
		id := model.KeyID(ak.IntID())
		uid := p.UserID
		if _, ok := c.users[uid]; !ok {
			uid = 0
		}
		d.keys[id] = &authKey{key: ak, id: id, kind: model.Permanent, dc: d.id, created: p.Created, salt: p.Salt, userID: uid}
	}
	return nil
}

func (c *Cluster) saveState() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.saveStateLocked()
}

// saveStateLocked writes the state file atomically (temp file + rename,
// 0600). Called with c.mu held.
func (c *Cluster) saveStateLocked() {
	if c.cfg.StatePath == "" {
		return
	}
	st := stateFile{Version: stateVersion, NextUserID: c.nextUID}
	for _, u := range c.users {
		st.Users = append(st.Users, u)
	}
	st.PermKeys = append(st.PermKeys, c.otherState...)
	for _, d := range c.dcs {
		for _, k := range d.keys {
			if k.kind == model.Permanent {
				st.PermKeys = append(st.PermKeys, permState{DC: d.id, Key: k.key.Value[:], Created: k.created, UserID: k.userID, Salt: k.salt})
			}
		}
	}
	data, err := json.MarshalIndent(&st, "", "  ")
	if err == nil {
		err = writeFileAtomic(c.cfg.StatePath, data)
	}
	c.saveErr = err
}

// writeFileAtomic writes data to path through a 0600 temp file in the same
// directory and a rename, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}
