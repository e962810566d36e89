package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// auditStoryID and auditRecord are the forms of a story id and a consent
// record id (ids.go), the same as in front matter.
var (
	auditStoryID = StoryIDPattern
	auditRecord  = RecordIDPattern
)

// Roles are who may ask for a withdrawal, as recorded in the audit log.
var Roles = []string{"storyteller", "guardian", "comms", "legal"}

// auditPerson is the form of a registry person id (ids.go).
var auditPerson = PersonIDPattern

// auditSHA256 is a lowercase hex SHA-256 (ids.go).
var auditSHA256 = SHA256Pattern

// AuditEntry is one line of the audit log (JSON Lines, one object per line,
// appended, never rewritten). It records what happened to which story, by
// which role: ids, counts and roles only, never a name.
type AuditEntry struct {
	// Time is when the action finished, RFC 3339 in UTC.
	Time time.Time `json:"time"`
	// Action is "withdraw", "publish", or one of the withdrawal levels
	// that are not a takedown: ActionStopNewUses, ActionErase.
	Action string `json:"action"`
	// StoryID is the story concerned; empty for a whole-site publish.
	StoryID string `json:"story_id,omitempty"`
	// Role is who asked, as a role: storyteller, guardian, comms, legal.
	Role string `json:"role"`
	// Reason is the reason given, already checked to name nobody.
	Reason string `json:"reason,omitempty"`
	// ObjectVersions, DeleteMarkers and Uploads count what was removed from
	// the bucket under the story's prefixes.
	ObjectVersions int `json:"object_versions"`
	DeleteMarkers  int `json:"delete_markers"`
	Uploads        int `json:"aborted_uploads"`
	// SiteObjectsChanged counts the site objects redeployed afterwards.
	SiteObjectsChanged int `json:"site_objects_changed"`
	// NoncurrentPurged counts the old versions of changed site objects removed.
	NoncurrentPurged int `json:"noncurrent_purged"`
	// ConsentRecords are the ids of the withdrawn story's consent records
	// (consent.record of its language files): a withdrawal also ends them,
	// so a copy of the story under another story_id is refused too.
	ConsentRecords []string `json:"consent_records,omitempty"`
	// Persons, Withdrawn, ApprovalDigests and MediaSHA256 are what a
	// withdrawal keeps of the story so that its text, photos and earlier
	// consent are refused under any other story id too
	// (check.WithdrawnContentRule): the storyteller's registry person ids,
	// the day consent was withdrawn (YYYY-MM-DD, UTC), the approval
	// digests of every language file (review.approved_sha256 and the
	// digest of the text, lowercase hex) and the SHA-256 of every media
	// original. Ids and digests only, never text or names.
	Persons         []string `json:"persons,omitempty"`
	Withdrawn       string   `json:"withdrawn,omitempty"`
	ApprovalDigests []string `json:"approved_sha256,omitempty"`
	MediaSHA256     []string `json:"media_sha256,omitempty"`
	// Result is "started", the entry a withdrawal appends (story id,
	// consent records, time, synced to disk) before it changes anything,
	// so that a run killed part way is still recorded and its story refused
	// by check and publish like a completed withdrawal; then "complete",
	// "partial: " PartialNoRebuild (EmergencyWithdraw) or "failed: " and one
	// of the Fail categories: fixed text only, never an error's text
	// (AppendAudit refuses anything else).
	Result string `json:"result"`
}

// The actions of a withdrawal level other than the takedown (issue #14):
// a storyteller's "stop new uses" (nothing new goes out, what is live
// stays), and the erasure of a stored story after its takedown. Their
// entries carry the story id, role, time and result "complete" only.
const (
	ActionStopNewUses = "stop-new-uses"
	ActionErase       = "erase"
)

// The fixed failure categories a withdrawal's audit entry records after
// "failed: ", and the one partial result (EmergencyWithdraw).
const (
	FailMark     = "marking the story withdrawn failed"
	FailStore    = "object storage could not be opened"
	FailPurge    = "removing the story's objects failed"
	FailRebuild  = "the site rebuild failed"
	FailBuild    = "hugo build failed"
	FailNotEmpty = "objects of the story remain after the purge"
	// FailInterrupted: the run stopped between two steps (cancelled, or its
	// lease lost) before it could finish.
	FailInterrupted = "the withdrawal was interrupted"

	PartialNoRebuild = "the story's objects are removed; the site is not rebuilt (no registry key)"
)

// validResult reports whether r is a result AuditEntry.Result allows.
func validResult(r string) bool {
	switch r {
	case "started", "complete", "partial: " + PartialNoRebuild:
		return true
	}
	if c, ok := strings.CutPrefix(r, "failed: "); ok {
		return slices.Contains([]string{FailMark, FailStore, FailPurge, FailRebuild, FailBuild, FailNotEmpty, FailInterrupted}, c)
	}
	return false
}

// AppendAudit appends e to the audit log at path (created 0600 with its
// folder 0700 if missing) and syncs it to disk before returning. It refuses
// an entry whose action is not withdraw or publish, whose story is not a
// story id, whose role is not one of Roles, or that has no time, naming the
// field: no name can enter the log through the fields it controls. (Reason
// is free text: Withdraw scans it against the registry before it gets here.)
func AppendAudit(path string, e AuditEntry) error {
	switch {
	case !slices.Contains([]string{"withdraw", "publish", ActionStopNewUses, ActionErase}, e.Action):
		return fmt.Errorf("audit log %s: field action: want withdraw, publish, %s or %s", path, ActionStopNewUses, ActionErase)
	case (e.Action == ActionStopNewUses || e.Action == ActionErase) && e.StoryID == "":
		return fmt.Errorf("audit log %s: field story_id: a withdrawal names its story", path)
	case e.StoryID != "" && !auditStoryID.MatchString(e.StoryID):
		return fmt.Errorf("audit log %s: field story_id: want a story id", path)
	case e.Action == "withdraw" && e.StoryID == "":
		return fmt.Errorf("audit log %s: field story_id: a withdrawal names its story", path)
	case !slices.Contains(Roles, e.Role):
		return fmt.Errorf("audit log %s: field role: want one of %v, never a name", path, Roles)
	case e.Time.IsZero():
		return fmt.Errorf("audit log %s: field time: missing", path)
	case !validResult(e.Result):
		return fmt.Errorf("audit log %s: field result: want complete, partial: or failed: with a fixed category, never free text", path)
	}
	if err := e.validIDs(); err != nil {
		return fmt.Errorf("audit log %s: %w", path, err)
	}
	e.Time = e.Time.UTC().Truncate(time.Second)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("audit log %s: %w", path, err)
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", path, err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("audit log %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("audit log %s: %w", path, err)
	}
	return f.Close()
}

// WithdrawnStories reads the audit log at path and returns the story ids of
// every withdrawal it records, complete or not (a withdrawal that failed
// part way, or was killed after its "started" entry, was still the
// storyteller's decision). A missing log yields an
// empty set; a line that does not decode is an error naming the line.
func WithdrawnStories(path string) (map[string]bool, error) {
	ids, _, err := Withdrawals(path)
	return ids, err
}

// Withdrawals is WithdrawnStories that also returns the consent record ids
// those withdrawals ended.
func Withdrawals(path string) (stories, records map[string]bool, err error) {
	entries, err := readWithdrawals(path)
	if err != nil {
		return nil, nil, err
	}
	stories, records = map[string]bool{}, map[string]bool{}
	for _, e := range entries {
		stories[e.StoryID] = true
		for _, r := range e.ConsentRecords {
			records[r] = true
		}
	}
	return stories, records, nil
}

// WithdrawalRecords reads the audit log at path and returns what each
// withdrawal it records kept of its story (check.WithdrawnContentRule's
// input), one per story, complete or not, with the persons, digests and
// media sums of all its entries joined and the day of its latest entry
// (AuditEntry.Withdrawn, or the day of Time for entries written before
// that field existed): a new consent must postdate every withdrawal run. A missing log yields none; a line that does not
// decode, or holds an id, digest or day of the wrong form, is an error
// naming the file and line.
func WithdrawalRecords(path string) ([]Withdrawal, error) {
	entries, err := readWithdrawals(path)
	if err != nil {
		return nil, err
	}
	var out []Withdrawal
	at := map[string]int{}
	for _, e := range entries {
		d := e.Time.UTC().Truncate(24 * time.Hour) // the UTC day (consent.Day)
		if e.Withdrawn != "" {
			d, _ = time.Parse(time.DateOnly, e.Withdrawn) // readWithdrawals checked it
		}
		i, ok := at[e.StoryID]
		if !ok {
			i = len(out)
			at[e.StoryID] = i
			out = append(out, Withdrawal{StoryID: e.StoryID, Day: d})
		}
		w := &out[i]
		if d.After(w.Day) {
			w.Day = d
		}
		w.Persons = AppendNew(w.Persons, e.Persons...)
		w.ApprovalDigests = AppendNew(w.ApprovalDigests, e.ApprovalDigests...)
		w.MediaSHA256 = AppendNew(w.MediaSHA256, e.MediaSHA256...)
	}
	return out, nil
}

// AppendNew appends each of vs that list does not hold yet, for the
// id and digest lists of an AuditEntry.
func AppendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// readWithdrawals returns the withdraw entries of the audit log at path,
// in order, each one's ids, digests and day checked (validIDs) and its
// time or day present. A missing log has none.
func readWithdrawals(path string) ([]AuditEntry, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", path, err)
	}
	var out []AuditEntry
	for i, line := range bytes.Split(data, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e AuditEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("audit log %s:%d: %w", path, i+1, err)
		}
		if e.Action != "withdraw" || e.StoryID == "" {
			continue
		}
		if err := e.validIDs(); err != nil {
			return nil, fmt.Errorf("audit log %s:%d: %w", path, i+1, err)
		}
		if e.Time.IsZero() && e.Withdrawn == "" {
			// No day: a consent could not be told to postdate it.
			return nil, fmt.Errorf("audit log %s:%d: field time: missing", path, i+1)
		}
		out = append(out, e)
	}
	return out, nil
}

// validIDs checks the fields of e that hold ids, digests and the day of
// withdrawal, naming the field and never its value.
func (e AuditEntry) validIDs() error {
	if e.StoryID != "" && !auditStoryID.MatchString(e.StoryID) {
		return fmt.Errorf("field story_id: want a story id")
	}
	for _, f := range []struct {
		name string
		vs   []string
		re   *regexp.Regexp
		want string
	}{
		{"consent_records", e.ConsentRecords, auditRecord, "consent record ids, never a name"},
		{"persons", e.Persons, auditPerson, "registry person ids, never a name"},
		{"approved_sha256", e.ApprovalDigests, auditSHA256, "64 lowercase hex digits"},
		{"media_sha256", e.MediaSHA256, auditSHA256, "64 lowercase hex digits"},
	} {
		for _, v := range f.vs {
			if !f.re.MatchString(v) {
				return fmt.Errorf("field %s: want %s", f.name, f.want)
			}
		}
	}
	if e.Withdrawn != "" {
		if _, err := time.Parse(time.DateOnly, e.Withdrawn); err != nil {
			return fmt.Errorf("field withdrawn: want a day, YYYY-MM-DD")
		}
	}
	return nil
}

// Withdrawal is what the audit log keeps of one withdrawal, by ids and
// digests only (WithdrawalRecords reads it from <vault>/audit.log; publish.Withdraw
// writes it before it changes anything).
type Withdrawal struct {
	// StoryID is the withdrawn story ("st-7q2k9m").
	StoryID string
	// Persons are the registry person ids of its storyteller
	// (storyteller.person of each language file, without repeats; one in
	// a consistent bundle).
	Persons []string
	// Day is the calendar day consent was withdrawn, 00:00 UTC
	// (consent.Day: Storyguard judges every date in UTC).
	Day time.Time
	// ApprovalDigests are the approval digests of its language files,
	// lowercase hex SHA-256: review.approved_sha256 as written and
	// consent.ApprovalDigest of the text as it was.
	ApprovalDigests []string
	// MediaSHA256 are the lowercase hex SHA-256 of the vault original of
	// every medium its language files listed.
	MediaSHA256 []string
}
