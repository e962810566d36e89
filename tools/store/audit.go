package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// AuditEntry is one line of the withdrawal audit log: when, what, how many
// objects, and by whom as a role. It has no free-text field on purpose: a
// reason typed by a person may hold a name, so it stays in the consent
// record, not here.
type AuditEntry struct {
	// Time of the action, written in UTC to the second (RFC 3339).
	Time time.Time `json:"time"`
	// Action: "withdraw", "publish" or "prune".
	Action string `json:"action"`
	// Story is the story id (for example "st-7q2k9m"), "" for publish.
	Story string `json:"story,omitempty"`
	// Role of the person who ran it ("comms", "admin"): never a name.
	// Lowercase letters, digits, spaces and hyphens, at most 32.
	Role string `json:"role"`
	// Versions, DeleteMarkers and Uploads deleted or aborted.
	Versions      int `json:"versions"`
	DeleteMarkers int `json:"delete_markers"`
	Uploads       int `json:"uploads"`
	// Objects is how many distinct keys were affected.
	Objects int `json:"objects"`
	// Versioning is the bucket's versioning status at the time.
	Versioning VersioningStatus `json:"versioning,omitempty"`
}

var roleRe = regexp.MustCompile(`^[a-z][a-z0-9 -]{0,31}$`)

// AppendAudit appends e as one JSON line to the file at path (created with
// mode 0600, parent folders 0700), and syncs it to disk before returning.
// It refuses an entry whose Action, Story or Role breaks the rules above,
// naming the field; so no name can enter the log through it.
func AppendAudit(path string, e AuditEntry) error {
	switch e.Action {
	case "withdraw", "publish", "prune":
	default:
		return fmt.Errorf("audit %s: field action %q: want withdraw, publish or prune", path, e.Action)
	}
	if e.Story != "" && !storyIDRe.MatchString(e.Story) {
		return fmt.Errorf("audit %s: field story %q: want a story id", path, e.Story)
	}
	if e.Action == "withdraw" && e.Story == "" {
		return fmt.Errorf("audit %s: field story: a withdrawal names its story id", path)
	}
	if !roleRe.MatchString(e.Role) {
		return fmt.Errorf("audit %s: field role %q: want a role such as comms or admin, never a name", path, e.Role)
	}
	if e.Time.IsZero() {
		return fmt.Errorf("audit %s: field time: missing", path)
	}
	e.Time = e.Time.UTC().Truncate(time.Second)
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("audit %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit %s: %w", path, err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("audit %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("audit %s: %w", path, err)
	}
	return f.Close()
}
