// Package config binds Storyguard's settings into one validated struct.
//
// Precedence, highest first: command-line flags, environment variables
// (STORYGUARD_* and the standard AWS_* ones), then [params.storyguard] in the
// site's config.toml, then the defaults documented on each field.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/gohugoio/hugo/parser/metadecoders"

	"storyguard/tools/endpoint"
)

// Config is every setting Storyguard reads. Paths are as given (relative
// paths are relative to Root, resolved by Resolve).
type Config struct {
	// Root is the site root holding config.toml and content/. Default ".".
	Root string
	// BaseURL is config.toml's top-level baseURL: the public URL of the site.
	BaseURL string
	// Vault is the private vault folder holding registry.age and media/.
	// Key "vault", env STORYGUARD_VAULT. Default "private".
	Vault string
	// IdentityFile is a file of age identities (X25519 secret keys) that
	// decrypt the registry. Env STORYGUARD_AGE_IDENTITY_FILE. The identity
	// itself may instead be given in STORYGUARD_AGE_IDENTITY. Never in the repo.
	IdentityFile string
	// Endpoint is the S3 endpoint as host:port or URL. Key "endpoint", env
	// STORYGUARD_ENDPOINT or AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL. Empty
	// means the embedded local gateway over StoreDir.
	Endpoint string
	// Bucket is the bucket name. Key "bucket", env STORYGUARD_BUCKET.
	// Default "storyguard".
	Bucket string
	// Region is the S3 region. Key "region", env AWS_REGION or
	// AWS_DEFAULT_REGION. Default "us-east-1".
	Region string
	// AccessKey and SecretKey are S3 credentials, env AWS_ACCESS_KEY_ID and
	// AWS_SECRET_ACCESS_KEY. Never read from config.toml, which is committed.
	AccessKey, SecretKey string
	// AllowHTTP permits plain HTTP to a non-loopback endpoint. Key
	// "allow_http", env STORYGUARD_ALLOW_HTTP. Default false: TLS, except
	// that loopback endpoints always use plain HTTP.
	AllowHTTP bool
	// StoreDir is the folder the embedded gateway serves. Key "store_dir",
	// env STORYGUARD_STORE_DIR. Default ".storyguard".
	StoreDir string
	// MediaBaseURL prefixes media object keys in the built site. Key
	// "media_base_url". Default "/" (media served beside the site).
	MediaBaseURL string
	// Workers is the number of parallel uploads. Key "workers", env
	// STORYGUARD_WORKERS. Default 8.
	Workers int
	// MaxMediaBytes refuses media originals larger than this. Key
	// "max_media_bytes". Default 50 MiB.
	MaxMediaBytes int64
	// AllowContacts lists the organisation's own phone numbers and e-mail
	// addresses, which the detail recognisers do not report. Key
	// "allow_contacts".
	AllowContacts []string
	// Pagefind is the Pagefind binary that builds the site search index
	// after Hugo (site.FindPagefind). Key "pagefind", env
	// STORYGUARD_PAGEFIND; relative to Root. Empty means the npm install
	// of tools/site/search (site.DefaultPagefind) if present, else no
	// search index this run, with a warning; a configured path that is not
	// an executable file stops the run.
	Pagefind string
}

// Defaults returns the configuration with every default set and Root ".".
func Defaults() Config {
	return Config{
		Root:          ".",
		Vault:         "private",
		Bucket:        "storyguard",
		Region:        "us-east-1",
		StoreDir:      ".storyguard",
		MediaBaseURL:  "/",
		Workers:       8,
		MaxMediaBytes: 50 << 20,
	}
}

// Load reads <root>/config.toml's [params.storyguard] table over the
// defaults, then the environment (getenv, usually os.Getenv) over that. A
// missing config.toml is an error: Storyguard runs on a site. Flags are
// applied by the caller afterwards, then Validate.
func Load(root string, getenv func(string) string) (Config, error) {
	c := Defaults()
	c.Root = root
	path := filepath.Join(root, "config.toml")
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return c, ErrNoConfig(root)
		}
		return c, err
	}
	m, err := metadecoders.Default.UnmarshalToMap(data, metadecoders.TOML)
	if err != nil {
		// Hugo's decoder names its input "_stream.toml"; name the file.
		return c, fmt.Errorf("%s", strings.ReplaceAll(err.Error(), "_stream.toml", path))
	}
	for k, v := range m {
		if strings.EqualFold(k, "baseURL") {
			s, ok := v.(string)
			if !ok {
				return c, fmt.Errorf("%s: field baseURL: want a string, got %T", path, v)
			}
			c.BaseURL = s
		}
	}
	if err := c.applyParams(path, m); err != nil {
		return c, err
	}
	return c, c.applyEnv(getenv)
}

// bucketName is the S3 bucket naming rule (AWS S3 User Guide, "Bucket
// naming rules"), which MinIO and versitygw also apply.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// knownParams are the keys of [params.storyguard]: Storyguard's own and
// the theme's (quick_exit_url).
var knownParams = []string{"allow_contacts", "allow_http", "bucket", "endpoint", "max_media_bytes", "media_base_url", "pagefind", "quick_exit_url", "region", "store_dir", "vault", "workers"}

func (c *Config) applyParams(path string, m map[string]any) error {
	params, _ := lookupMap(m, "params")
	sg, ok := lookupMap(params, "storyguard")
	if !ok {
		return nil
	}
	for k, v := range sg {
		field := "params.storyguard." + k
		bad := func(want string) error {
			return fmt.Errorf("%s: field %s: want %s, got %T", path, field, want, v)
		}
		switch strings.ToLower(k) {
		case "vault", "endpoint", "bucket", "region", "store_dir", "media_base_url", "pagefind":
			s, ok := v.(string)
			if !ok {
				return bad("a string")
			}
			switch strings.ToLower(k) {
			case "vault":
				c.Vault = s
			case "endpoint":
				c.Endpoint = s
			case "bucket":
				c.Bucket = s
			case "region":
				c.Region = s
			case "store_dir":
				c.StoreDir = s
			case "media_base_url":
				c.MediaBaseURL = s
			case "pagefind":
				c.Pagefind = s
			}
		case "allow_http":
			b, ok := v.(bool)
			if !ok {
				return bad("true or false")
			}
			c.AllowHTTP = b
		case "workers", "max_media_bytes":
			n, ok := toInt(v)
			if !ok {
				return bad("a whole number")
			}
			if strings.ToLower(k) == "workers" {
				c.Workers = int(n)
			} else {
				c.MaxMediaBytes = n
			}
		case "allow_contacts":
			list, ok := v.([]any)
			if !ok {
				return bad("a list of strings")
			}
			c.AllowContacts = c.AllowContacts[:0]
			for _, e := range list {
				s, ok := e.(string)
				if !ok {
					return bad("a list of strings")
				}
				c.AllowContacts = append(c.AllowContacts, s)
			}
		case "access_key", "secret_key", "aws_access_key_id", "aws_secret_access_key":
			return fmt.Errorf("%s: field %s: credentials never belong in config.toml; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", path, field)
		case "quick_exit_url":
			// Read by the theme; checked here, since a value the browser
			// will not follow leaves the quick-exit control dead.
			s, ok := v.(string)
			if !ok {
				return bad("a string")
			}
			if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("%s: field %s: want an absolute http(s) URL, so that the quick-exit control always leaves the site", path, field)
			}
		default:
			// A misspelt key (endpiont) would silently fall back to a
			// default, such as the local store: refuse it. The key is not
			// repeated: it may be anything typed by mistake, a name
			// included (issue #12); the known ones are listed.
			return fmt.Errorf("%s: field params.storyguard: an unknown setting (known: %s)", path, strings.Join(knownParams, ", "))
		}
	}
	return nil
}

func (c *Config) applyEnv(getenv func(string) string) error {
	set := func(dst *string, names ...string) {
		for _, n := range names {
			if v := getenv(n); v != "" {
				*dst = v
				return
			}
		}
	}
	set(&c.Vault, "STORYGUARD_VAULT")
	set(&c.IdentityFile, "STORYGUARD_AGE_IDENTITY_FILE")
	set(&c.Endpoint, "STORYGUARD_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
	set(&c.Bucket, "STORYGUARD_BUCKET")
	set(&c.Region, "AWS_REGION", "AWS_DEFAULT_REGION")
	set(&c.AccessKey, "AWS_ACCESS_KEY_ID")
	set(&c.SecretKey, "AWS_SECRET_ACCESS_KEY")
	set(&c.StoreDir, "STORYGUARD_STORE_DIR")
	set(&c.Pagefind, "STORYGUARD_PAGEFIND")
	if v := getenv("STORYGUARD_ALLOW_HTTP"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("environment STORYGUARD_ALLOW_HTTP: want true or false")
		}
		c.AllowHTTP = b
	}
	if v := getenv("STORYGUARD_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errors.New("environment STORYGUARD_WORKERS: want a whole number")
		}
		c.Workers = n
	}
	return nil
}

// Validate checks the bound configuration once, before any work starts.
func (c *Config) Validate() error {
	if c.Workers < 1 || c.Workers > 256 {
		return fmt.Errorf("workers: want 1 to 256, got %d", c.Workers)
	}
	if !bucketName.MatchString(c.Bucket) || strings.Contains(c.Bucket, "..") {
		return errors.New("bucket (params.storyguard.bucket or STORYGUARD_BUCKET): want 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit (S3 bucket naming rules)")
	}
	if c.MaxMediaBytes < 1 {
		return fmt.Errorf("max_media_bytes: want a positive size, got %d", c.MaxMediaBytes)
	}
	if c.Endpoint != "" {
		u, err := c.EndpointURL()
		if err != nil {
			return err
		}
		if u.User != nil {
			return errors.New("endpoint: credentials in the URL are refused; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
		}
		if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
			return fmt.Errorf("%s: a path or query is not supported; give scheme, host and port, and the bucket in bucket", endpointSetting)
		}
		if u.Scheme == "http" && !c.AllowHTTP && !IsLoopback(u.Hostname()) {
			return fmt.Errorf("%s: plain HTTP to a non-loopback host; use https or set allow_http", endpointSetting)
		}
	}
	return nil
}

// endpointSetting names where the endpoint comes from. Errors name the
// setting, never its value: a value that fails validation may be anything
// typed by mistake, a name included (issue #12).
const endpointSetting = "endpoint (params.storyguard.endpoint, STORYGUARD_ENDPOINT, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)"

// ErrNoConfig is the error for a site root without config.toml: it names
// the current folder or the --root flag, not the path given.
func ErrNoConfig(root string) error {
	where := "the folder given by --root"
	if filepath.Clean(root) == "." {
		where = "the current folder"
	}
	return fmt.Errorf("no config.toml in %s: run storyguard in the site root or pass --root", where)
}

// EndpointURL parses Endpoint (endpoint.Parse). A bare host:port means
// https, except on loopback where it means http. The error names the
// setting, never its value.
func (c *Config) EndpointURL() (*url.URL, error) {
	u, err := endpoint.Parse(c.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("%s: want host:port or an http(s) URL", endpointSetting)
	}
	return u, nil
}

// IsLoopback reports whether host names this machine's loopback interface
// (endpoint.IsLoopback).
func IsLoopback(host string) bool { return endpoint.IsLoopback(host) }

// Path resolves a configured path against Root, leaving absolute paths alone.
func (c *Config) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Root, p)
}

func lookupMap(m map[string]any, key string) (map[string]any, bool) {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			mm, ok := v.(map[string]any)
			return mm, ok
		}
	}
	return nil, false
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	}
	return 0, false
}
