package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"storyguard/tools/config"
	"storyguard/tools/content"
)

// target names the object store a command will use, for people and for
// the published record: the endpoint URL (never credentials) and bucket, or
// the embedded gateway's folder.
type target struct {
	// Endpoint is the configured endpoint URL; empty for the embedded store.
	Endpoint string `json:"endpoint"`
	Bucket   string `json:"bucket"`
}

func targetOf(cfg config.Config) target {
	t := target{Bucket: cfg.Bucket}
	if cfg.Endpoint != "" {
		if u, err := cfg.EndpointURL(); err == nil {
			u.User = nil
			u.RawQuery = ""
			t.Endpoint = u.String()
		} else {
			t.Endpoint = cfg.Endpoint
		}
	}
	return t
}

func (t target) String() string {
	if t.Endpoint == "" {
		return "the local embedded store (no endpoint configured), bucket " + t.Bucket
	}
	return t.Endpoint + ", bucket " + t.Bucket
}

// published is <vault>/published.json: every store the site was published
// to at a configured endpoint (the public copies), so that a withdrawal
// reaches each of them and one run against any other store is refused
// instead of reporting a takedown that did not reach the public.
type published struct {
	Targets []publishedTarget `json:"targets"`
}

type publishedTarget struct {
	target
	Time time.Time `json:"time"`
	// Withdrawn are the story ids withdrawn from this store since.
	Withdrawn []string `json:"withdrawn,omitempty"`
}

func publishedPath(vault string) string { return filepath.Join(vault, "published.json") }

func readPublished(vault string) (published, error) {
	var p published
	data, err := os.ReadFile(publishedPath(vault))
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("%s: %w", publishedPath(vault), err)
	}
	return p, nil
}

// recordPublished adds t to the record after a publish to a configured
// endpoint; a publish to the embedded store (preview, local trials) leaves
// it alone.
func recordPublished(vault string, t target, now time.Time) error {
	if t.Endpoint == "" {
		return nil
	}
	p, err := readPublished(vault)
	if err != nil {
		return err
	}
	entry := publishedTarget{target: t}
	if i := slices.IndexFunc(p.Targets, func(x publishedTarget) bool { return x.target == t }); i >= 0 {
		entry = p.Targets[i]
		p.Targets = slices.Delete(p.Targets, i, i+1)
	}
	entry.Time = now.UTC().Truncate(time.Second)
	p.Targets = append(p.Targets, entry)
	return writePublished(vault, p)
}

func writePublished(vault string, p published) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return content.WriteFileAtomic(publishedPath(vault), append(data, '\n'))
}

// recordWithdrawn notes that storyID is gone from t, so that a withdrawal
// from the other stores stops listing t as still holding it.
func recordWithdrawn(vault string, t target, storyID string) error {
	p, err := readPublished(vault)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(p.Targets, func(x publishedTarget) bool { return x.target == t })
	if i < 0 {
		return nil
	}
	if !slices.Contains(p.Targets[i].Withdrawn, storyID) {
		p.Targets[i].Withdrawn = append(p.Targets[i].Withdrawn, storyID)
	}
	return writePublished(vault, p)
}

// checkTarget refuses a withdrawal against a store the site was never
// published to while it was published elsewhere. No record: the site was
// never published to an endpoint from this vault; nothing to compare.
func checkTarget(vault string, t target) error {
	p, err := readPublished(vault)
	if err != nil || len(p.Targets) == 0 {
		return err
	}
	found := slices.ContainsFunc(p.Targets, func(x publishedTarget) bool { return x.target == t })
	if !found {
		last := p.Targets[len(p.Targets)-1]
		return withHint(
			fmt.Errorf("the site was last published to %s, but this withdrawal would run against %s: the public copy would stay up", last.target, t),
			fmt.Sprintf("set STORYGUARD_ENDPOINT=%s (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, STORYGUARD_BUCKET=%s) and run it again; if that store is gone for good, remove it from %s", last.Endpoint, last.Bucket, publishedPath(vault)))
	}
	return nil
}

// stillHolding returns the stores other than t that the site was published
// to and that storyID has not been withdrawn from.
func stillHolding(vault string, t target, storyID string) ([]target, error) {
	p, err := readPublished(vault)
	if err != nil {
		return nil, err
	}
	var others []target
	for _, x := range p.Targets {
		if x.target != t && !slices.Contains(x.Withdrawn, storyID) {
			others = append(others, x.target)
		}
	}
	return others, nil
}
