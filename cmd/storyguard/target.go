package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// published is <vault>/published.json: where the site was last published
// to a configured endpoint (the public copy), so that a withdrawal run
// against any other store is refused instead of reporting a takedown that
// did not reach the public.
type published struct {
	target
	Time time.Time `json:"time"`
}

func publishedPath(vault string) string { return filepath.Join(vault, "published.json") }

// recordPublished writes the record after a publish to a configured
// endpoint; a publish to the embedded store (preview, local trials) leaves
// it alone.
func recordPublished(vault string, t target, now time.Time) error {
	if t.Endpoint == "" {
		return nil
	}
	data, err := json.MarshalIndent(published{target: t, Time: now.UTC().Truncate(time.Second)}, "", "  ")
	if err != nil {
		return err
	}
	return content.WriteFileAtomic(publishedPath(vault), append(data, '\n'))
}

// checkTarget refuses a withdrawal whose store is not the one the site was
// last published to. A missing record means the site was never published
// to an endpoint from this vault: nothing to compare.
func checkTarget(vault string, t target) error {
	data, err := os.ReadFile(publishedPath(vault))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var last published
	if err := json.Unmarshal(data, &last); err != nil {
		return fmt.Errorf("%s: %w", publishedPath(vault), err)
	}
	if last.target != t {
		return withHint(
			fmt.Errorf("the site was last published to %s, but this withdrawal would run against %s: the public copy would stay up", last.target, t),
			fmt.Sprintf("set STORYGUARD_ENDPOINT=%s (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, STORYGUARD_BUCKET=%s) and run it again; if that store is gone for good, delete %s", last.Endpoint, last.Bucket, publishedPath(vault)))
	}
	return nil
}
