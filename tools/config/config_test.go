package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func site(t *testing.T, toml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedence(t *testing.T) {
	dir := site(t, "[params.storyguard]\nvault = 'private'\nbucket = 'from-config'\nworkers = 4\nallow_contacts = ['info@example.org']\n")
	c, err := Load(dir, env(map[string]string{"STORYGUARD_BUCKET": "from-env", "AWS_ACCESS_KEY_ID": "AK"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Bucket != "from-env" || c.Workers != 4 || c.AccessKey != "AK" || c.Vault != "private" || c.AllowContacts[0] != "info@example.org" {
		t.Fatalf("precedence wrong: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestBadConfig(t *testing.T) {
	cases := map[string]struct{ toml, env, want string }{
		"wrong type":      {toml: "[params.storyguard]\nworkers = 'eight'\n", want: "field params.storyguard.workers: want a whole number"},
		"credentials":     {toml: "[params.storyguard]\nsecret_key = 'x'\n", want: "credentials never belong in config.toml"},
		"bad toml":        {toml: "[params\n", want: "config.toml:"},
		"bad bucket":      {toml: "[params.storyguard]\nbucket = 'My_Bucket'\n", want: "S3 bucket naming rules"},
		"bad env bool":    {toml: "", env: "maybe", want: "STORYGUARD_ALLOW_HTTP"},
		"http to remote":  {toml: "[params.storyguard]\nendpoint = 'http://s3.example.org'\n", want: "plain HTTP to a non-loopback host"},
		"zero workers":    {toml: "[params.storyguard]\nworkers = 0\n", want: "workers: want 1 to 256"},
		"endpoint garble": {toml: "[params.storyguard]\nendpoint = 'ftp://x'\n", want: "want host:port or an http(s) URL"},
		"misspelt key":    {toml: "[params.storyguard]\nendpiont = 'https://s3.example.org'\n", want: "field params.storyguard: an unknown setting"},
		"quick exit js":   {toml: "[params.storyguard]\nquick_exit_url = 'javascript:alert(1)'\n", want: "quick_exit_url: want an absolute http(s) URL"},
		"creds in url":    {toml: "[params.storyguard]\nendpoint = 'https://AKIA:secret@s3.example.org'\n", want: "credentials in the URL are refused"},
		"endpoint path":   {toml: "[params.storyguard]\nendpoint = 'https://s3.example.org/bucket'\n", want: "a path or query is not supported"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := Load(site(t, tc.toml), env(map[string]string{"STORYGUARD_ALLOW_HTTP": tc.env}))
			if err == nil {
				err = c.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
		})
	}
	if _, err := Load(t.TempDir(), env(nil)); err == nil || !strings.Contains(err.Error(), "no config.toml") {
		t.Fatalf("missing config.toml: %v", err)
	}
}

func TestEndpointURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:9000":           "http://127.0.0.1:9000",
		"localhost:9000":           "http://localhost:9000",
		"minio.example.org:9000":   "https://minio.example.org:9000",
		"https://s3.amazonaws.com": "https://s3.amazonaws.com",
	} {
		c := Defaults()
		c.Endpoint = in
		u, err := c.EndpointURL()
		if err != nil || u.String() != want {
			t.Errorf("%s: got %v %v, want %s", in, u, err, want)
		}
	}
}
