package main

import (
	"errors"
	"fmt"

	"storyguard/tools/config"
	"storyguard/tools/vault"
)

// targetOf names the store cfg points at (vault.Target): the endpoint URL
// without user info or query, and the bucket.
func targetOf(cfg config.Config) vault.Target {
	t := vault.Target{Bucket: cfg.Bucket}
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

// checkTarget is vault.CheckTarget with the hint that says how to reach
// the store the site was published to.
func checkTarget(dir string, t vault.Target) error {
	err := vault.CheckTarget(dir, t)
	var wrong *vault.WrongTargetError
	if errors.As(err, &wrong) {
		return withHint(err, fmt.Sprintf("set STORYGUARD_ENDPOINT=%s (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, STORYGUARD_BUCKET=%s) and run it again; if that store is gone for good, remove it from %s",
			wrong.Last.Endpoint, wrong.Last.Bucket, vault.PublishedPath(dir)))
	}
	return err
}
