package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"

	"storyguard/tools/content"
)

// Target names an object store for people and for the published record:
// the endpoint URL (never credentials, never a query string) and bucket. An
// empty Endpoint is the embedded local gateway.
type Target struct {
	// Endpoint is the configured endpoint URL; empty for the embedded store.
	Endpoint string `json:"endpoint"`
	Bucket   string `json:"bucket"`
}

// String names t for a message: "<endpoint>, bucket <bucket>", or the
// embedded store.
func (t Target) String() string {
	if t.Endpoint == "" {
		return "the local embedded store (no endpoint configured), bucket " + t.Bucket
	}
	return t.Endpoint + ", bucket " + t.Bucket
}

// Published is <vault>/published.json (PublishedPath): every store the site was published
// to at a configured endpoint (the public copies), so that a withdrawal
// reaches each of them and one run against any other store is refused
// instead of reporting a takedown that did not reach the public.
type Published struct {
	// Targets are in the order of their last publish, the latest last.
	Targets []PublishedTarget `json:"targets"`
}

// PublishedTarget is one store of the record and when it was last
// published to (UTC, whole seconds).
type PublishedTarget struct {
	Target
	Time time.Time `json:"time"`
	// Withdrawn are the story ids withdrawn from this store since.
	Withdrawn []string `json:"withdrawn,omitempty"`
}

// ReadPublished reads the record of the vault dir; no file is an empty
// record. A record that is not valid JSON is an error naming the file.
func ReadPublished(vault string) (Published, error) {
	var p Published
	data, err := os.ReadFile(PublishedPath(vault))
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("%s: %w", PublishedPath(vault), err)
	}
	return p, nil
}

// RecordPublished adds t to the record after a publish to a configured
// endpoint; a publish to the embedded store (preview, local trials) leaves
// it alone.
func RecordPublished(vault string, t Target, now time.Time) error {
	if t.Endpoint == "" {
		return nil
	}
	p, err := ReadPublished(vault)
	if err != nil {
		return err
	}
	entry := PublishedTarget{Target: t}
	if i := slices.IndexFunc(p.Targets, func(x PublishedTarget) bool { return x.Target == t }); i >= 0 {
		entry = p.Targets[i]
		p.Targets = slices.Delete(p.Targets, i, i+1)
	}
	entry.Time = now.UTC().Truncate(time.Second)
	p.Targets = append(p.Targets, entry)
	return writePublished(vault, p)
}

func writePublished(vault string, p Published) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return content.WriteFileAtomic(PublishedPath(vault), append(data, '\n'))
}

// RecordWithdrawn notes that storyID is gone from t, so that a withdrawal
// from the other stores stops listing t as still holding it.
func RecordWithdrawn(vault string, t Target, storyID string) error {
	p, err := ReadPublished(vault)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(p.Targets, func(x PublishedTarget) bool { return x.Target == t })
	if i < 0 {
		return nil
	}
	if !slices.Contains(p.Targets[i].Withdrawn, storyID) {
		p.Targets[i].Withdrawn = append(p.Targets[i].Withdrawn, storyID)
	}
	return writePublished(vault, p)
}

// WrongTargetError is CheckTarget's refusal: Want is the store a command
// would run against, Last the store the site was last published to.
type WrongTargetError struct {
	Last, Want Target
}

func (e *WrongTargetError) Error() string {
	return fmt.Sprintf("the site was last published to %s, but this withdrawal would run against %s: the public copy would stay up", e.Last, e.Want)
}

// CheckTarget refuses (*WrongTargetError) a withdrawal against a store t
// the site was never published to while it was published elsewhere. No
// record: the site was never published to an endpoint from this vault;
// nothing to compare, no error. A record that cannot be read is an error.
func CheckTarget(vault string, t Target) error {
	p, err := ReadPublished(vault)
	if err != nil || len(p.Targets) == 0 {
		return err
	}
	if !slices.ContainsFunc(p.Targets, func(x PublishedTarget) bool { return x.Target == t }) {
		return &WrongTargetError{Last: p.Targets[len(p.Targets)-1].Target, Want: t}
	}
	return nil
}

// StillHolding returns the stores other than t that the site was published
// to and that storyID has not been withdrawn from.
func StillHolding(vault string, t Target, storyID string) ([]Target, error) {
	p, err := ReadPublished(vault)
	if err != nil {
		return nil, err
	}
	var others []Target
	for _, x := range p.Targets {
		if x.Target != t && !slices.Contains(x.Withdrawn, storyID) {
			others = append(others, x.Target)
		}
	}
	return others, nil
}
