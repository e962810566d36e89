// Package store is Storyguard's object storage: a small Store interface, its
// minio-go implementation (S3), a dry-run wrapper (DryRun), the incremental
// Sync used by publish, the purges used by withdrawal, the public-read bucket
// policy, and the embedded local gateway (versitygw over a folder) that runs
// as a child process when no endpoint is configured.
//
// Object keys carry no names and no original file names (DESIGN.md, "Object
// storage"):
//
//	media/<story id>/<sha256>.<ext>   content-addressed media, immutable
//	site/<path>                       the built site
//	state/index/<16 hex>.json         Sync's private digest index (never public)
//	state/lease.json                  the run lease (lease.go; never public)
//	state/withdrawals/<sha256>.json   the bucket's record of a withdrawal, by a hash of its story id (never public)
//
// Each object carries exactly one piece of user metadata, its sha256
// (x-amz-meta-sha256, lowercase hex), plus Content-Type and Cache-Control.
//
// # Publishing
//
//	st, closer, err := store.Open(ctx, s3cfg, storeDir, store.OpenOptions{})
//	defer closer.Close()          // stops the embedded gateway, if any
//	err = st.EnsurePolicy(ctx)    // or st.VerifyPolicy for --dry-run
//	rep, err := store.Sync(ctx, st, store.MediaPrefix, mediaUploads, store.SyncOptions{
//		Workers: cfg.Workers, Prune: true, Progress: store.ProgressWriter(os.Stderr)})
//	// only now write data/media.json (temp file + rename), build, scan
//	rep, err = store.Sync(ctx, st, store.SitePrefix, siteUploads, opts)
//
// For --dry-run wrap the store: d := &store.DryRun{Inner: st}; Sync(ctx, d,
// ...) returns the same report and d.Plan() lists the changes not made.
//
// # Withdrawing
//
//	for _, p := range []string{"media/" + storyID + "/", "site/stories/<slug>/", "site/es/<...>/"} {
//		rep, err := store.PurgePrefix(ctx, st, p) // err wraps ErrNotGone if anything is left
//	}
//	// rebuild and redeploy (Sync of site/ with Prune, which deletes the
//	// story's pages with all their versions), then, for every key the
//	// redeploy changed (SyncReport.Changed):
//	rep, err := store.PurgeNoncurrent(ctx, st, changedKeys)
//	// and the audit entry (publish.AppendAudit, in the pipeline)
//
// Every step fails with an error; none can half-happen silently.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Object is what the store reports about one stored object.
type Object struct {
	// Key is the object key, for example "site/index.html".
	Key string
	// Size is the object's length in bytes.
	Size int64
	// ETag is the server's entity tag without quotes (for a single PUT on
	// AWS S3, MinIO and versitygw: the hex MD5 of the body).
	ETag string
	// SHA256 is the lowercase hex digest from user metadata
	// (x-amz-meta-sha256). Filled by Stat, never by List: an S3 listing
	// carries no user metadata.
	SHA256 string
	// ContentType and CacheControl are the stored headers. Filled by Stat.
	ContentType, CacheControl string
	// VersionID is the version id Put created or Stat found ("" or "null"
	// without versioning).
	VersionID string
	// LastModified is the server's modification time.
	LastModified time.Time
}

// Meta is what Put stores beside the body: the sha256 as user metadata and
// two headers. Nothing else is ever sent, so nothing personal can be.
type Meta struct {
	// SHA256 is the body's lowercase hex sha256, 64 characters. Required.
	SHA256 string
	// ContentType is the Content-Type header; ContentTypeFor(key) if empty.
	ContentType string
	// CacheControl is the Cache-Control header; CacheControlFor(key) if
	// empty.
	CacheControl string
}

// Version is one entry of a versions listing: an object version or a
// delete marker.
type Version struct {
	Key       string
	VersionID string
	// IsDeleteMarker is true for a delete marker (no body).
	IsDeleteMarker bool
	// IsLatest is true for the current version of Key.
	IsLatest bool
	Size     int64
}

// PendingUpload is an incomplete multipart upload.
type PendingUpload struct {
	Key      string
	UploadID string
}

// VersioningStatus is a bucket's versioning state as S3 reports it.
type VersioningStatus string

// The three versioning states of an S3 bucket (S3 API reference,
// GetBucketVersioning): never enabled ("" in the response), enabled, or
// suspended after having been enabled.
const (
	VersioningOff       VersioningStatus = "Off"
	VersioningEnabled   VersioningStatus = "Enabled"
	VersioningSuspended VersioningStatus = "Suspended"
)

// Store is the storage Storyguard publishes to. Keys are validated by the
// implementation: ValidateKey for reads and Put; Delete, DeleteVersion and
// AbortUpload accept any key under media/, site/ or state/ so that objects
// put there by hand can still be removed. Prefixes follow ValidatePrefix. Methods
// are safe for concurrent use. Errors name the key or prefix concerned;
// a missing object is ErrNotFound, refused credentials ErrAccessDenied, a
// missing bucket ErrNoBucket (all matched with errors.Is).
type Store interface {
	// List returns every current object under prefix, keyed by key, in one
	// paginated listing. Only Key, Size, ETag and LastModified are set.
	List(ctx context.Context, prefix string) (map[string]Object, error)
	// Stat returns one object's headers and user metadata (a HEAD).
	Stat(ctx context.Context, key string) (Object, error)
	// Get opens the current version of key for reading.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Put stores size bytes of body under key with meta and returns the
	// new object's ETag and VersionID.
	Put(ctx context.Context, key string, body io.Reader, size int64, meta Meta) (Object, error)
	// PutIf is Put under an S3 conditional-write precondition (If-None-Match
	// or If-Match, RFC 9110 section 13.1): the server checks it and stores
	// the object atomically, and refuses with ErrPrecondition when it does
	// not hold. It is how the run lease is taken (AcquireLease).
	PutIf(ctx context.Context, key string, body io.Reader, size int64, meta Meta, cond Precondition) (Object, error)
	// Delete removes the current version of key (on a versioned bucket it
	// adds a delete marker; the versions stay until DeleteVersion).
	Delete(ctx context.Context, key string) error
	// ListVersions returns every version and delete marker under prefix.
	ListVersions(ctx context.Context, prefix string) ([]Version, error)
	// DeleteVersion permanently deletes one version or delete marker.
	DeleteVersion(ctx context.Context, key, versionID string) error
	// ListUploads returns the incomplete multipart uploads under prefix.
	ListUploads(ctx context.Context, prefix string) ([]PendingUpload, error)
	// AbortUpload aborts one incomplete multipart upload.
	AbortUpload(ctx context.Context, key, uploadID string) error
	// Versioning reports the bucket's versioning status.
	Versioning(ctx context.Context) (VersioningStatus, error)
}

// Sentinel errors a caller must tell apart.
var (
	// ErrNotFound: the object or version does not exist.
	ErrNotFound = errors.New("object not found")
	// ErrAccessDenied: the server refused the credentials or the request.
	ErrAccessDenied = errors.New("access denied")
	// ErrNoBucket: the configured bucket does not exist.
	ErrNoBucket = errors.New("bucket does not exist")
	// ErrBadKey: a key or prefix breaks the key rules of ValidateKey.
	ErrBadKey = errors.New("invalid object key")
	// ErrPrecondition: a conditional write's precondition did not hold
	// (S3 412 PreconditionFailed, or 409 ConditionalRequestConflict when
	// two conditional writes of one key overlap).
	ErrPrecondition = errors.New("precondition failed")
)

// Precondition is the condition of a PutIf. Exactly one field is set.
type Precondition struct {
	// IfAbsent sends "If-None-Match: *": store only if key has no current
	// object (a key whose current version is a delete marker counts as
	// absent).
	IfAbsent bool
	// IfETag sends "If-Match: <etag>": store only if key's current object
	// has this ETag (unquoted, as Object.ETag).
	IfETag string
}

func (c Precondition) valid(key string) error {
	if c.IfAbsent == (c.IfETag != "") {
		return fmt.Errorf("put %s: want exactly one precondition, if absent or if etag", key)
	}
	return nil
}

// Key prefixes (DESIGN.md, "Object storage").
const (
	// MediaPrefix holds content-addressed media: media/<story id>/<sha256>.<ext>.
	MediaPrefix = "media/"
	// SitePrefix holds the built site: site/<path>.
	SitePrefix = "site/"
	// StatePrefix holds Storyguard's private bookkeeping (Sync's digest
	// index). The bucket policy never makes it public.
	StatePrefix = "state/"
	// WithdrawalPrefix holds the bucket's record of each withdrawal,
	// state/withdrawals/<sha256>.json (a hash of the story id, never the
	// id), so that a withdrawal outlives the loss of the local audit log
	// (issue #12). Private like all of state/.
	WithdrawalPrefix = StatePrefix + "withdrawals/"
)

var (
	storyIDRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	sha256Re   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	extRe      = regexp.MustCompile(`^[a-z0-9]{1,10}$`)
	stateKeyRe = regexp.MustCompile(`^state/(index/[0-9a-f]{16}\.json|lease\.json|withdrawals/[0-9a-f]{64}\.json)$`)
)

// maxKeyBytes is S3's key length limit (S3 user guide, "Naming objects":
// up to 1,024 bytes of UTF-8).
const maxKeyBytes = 1024

// ValidateKey checks an object key against Storyguard's key rules and
// returns an error wrapping ErrBadKey naming the key and the rule broken.
//
//   - media/<story id>/<sha256>.<ext>: story id of lowercase letters, digits
//     and hyphens (at most 64), sha256 as 64 lowercase hex, ext of 1 to 10
//     lowercase letters or digits. Nothing else is allowed under media/.
//   - site/<path>: at most 1,024 bytes of valid UTF-8; segments separated by
//     single "/", none empty, "." or ".."; letters (any script), digits and
//     "-._~+@,=" only: no space, control character, backslash, "%", "?",
//     "#" or other punctuation; no trailing "/".
//   - state/index/<16 lowercase hex>.json: Sync's index; state/lease.json:
//     the run lease; state/withdrawals/<64 lowercase hex>.json: a
//     withdrawal's record (WithdrawalPrefix).
func ValidateKey(key string) error {
	bad := func(why string) error { return fmt.Errorf("key %q: %s: %w", key, why, ErrBadKey) }
	if len(key) > maxKeyBytes {
		return bad("longer than 1024 bytes")
	}
	switch {
	case strings.HasPrefix(key, MediaPrefix):
		parts := strings.Split(key, "/")
		if len(parts) != 3 {
			return bad("want media/<story id>/<sha256>.<ext>")
		}
		if !storyIDRe.MatchString(parts[1]) {
			return bad("story id must be lowercase letters, digits and hyphens")
		}
		base, ext, ok := strings.Cut(parts[2], ".")
		if !ok || !sha256Re.MatchString(base) {
			return bad("file name must be the 64-character lowercase hex sha256")
		}
		if !extRe.MatchString(ext) {
			return bad("extension must be 1 to 10 lowercase letters or digits")
		}
		return nil
	case strings.HasPrefix(key, SitePrefix):
		return validateSitePath(key[len(SitePrefix):], bad)
	case strings.HasPrefix(key, StatePrefix):
		if !stateKeyRe.MatchString(key) {
			return bad("state/ holds only state/index/<16 hex>.json, state/lease.json and state/withdrawals/<sha256>.json")
		}
		return nil
	}
	return bad("must start with media/, site/ or state/")
}

func validateSitePath(p string, bad func(string) error) error {
	if p == "" {
		return bad("empty site path")
	}
	if !utf8.ValidString(p) {
		return bad("not valid UTF-8")
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return bad("empty path segment (leading, trailing or double slash)")
		case ".", "..":
			return bad(`path segment "." or ".."`)
		}
		for _, r := range seg {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-._~+@,=", r) {
				continue
			}
			return bad(fmt.Sprintf("character %q not allowed", r))
		}
	}
	return nil
}

// ValidatePrefix checks a listing or purge prefix: "" (the whole bucket),
// or "media/", "site/", "state/", or a path under them ending in "/" made of
// characters ValidateKey allows (for example "media/st-7q2k9m/" or
// "site/es/"). Errors wrap ErrBadKey and do not repeat prefix, which may
// be anything an operator typed (storyguard store ls).
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	bad := func(why string) error { return fmt.Errorf("prefix: %s: %w", why, ErrBadKey) }
	if !strings.HasSuffix(prefix, "/") {
		return bad(`must end in "/"`)
	}
	top, rest, _ := strings.Cut(prefix, "/")
	switch top {
	case "media", "site", "state":
	default:
		return bad("must start with media/, site/ or state/")
	}
	if rest == "" {
		return nil
	}
	if top == "media" {
		if !storyIDRe.MatchString(strings.TrimSuffix(rest, "/")) {
			return bad("want media/<story id>/")
		}
		return nil
	}
	return validateSitePath(strings.TrimSuffix(rest, "/"), bad)
}

// contentTypes maps lowercase extensions to Content-Type. A fixed table, so
// the result never depends on the machine's /etc/mime.types.
var contentTypes = map[string]string{
	"html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
	"xml": "application/xml; charset=utf-8", "rss": "application/rss+xml; charset=utf-8",
	"atom": "application/atom+xml; charset=utf-8",
	"json": "application/json", "webmanifest": "application/manifest+json",
	"txt": "text/plain; charset=utf-8", "css": "text/css; charset=utf-8",
	"js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
	"map": "application/json", "svg": "image/svg+xml", "png": "image/png",
	"jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
	"avif": "image/avif", "ico": "image/x-icon", "woff": "font/woff", "woff2": "font/woff2",
	"pdf": "application/pdf", "mp3": "audio/mpeg", "m4a": "audio/mp4", "ogg": "audio/ogg",
	"opus": "audio/ogg", "wav": "audio/wav", "mp4": "video/mp4", "webm": "video/webm",
	"vtt": "text/vtt; charset=utf-8",
}

// ContentTypeFor returns the Content-Type for key from its extension
// (case-insensitive), from a fixed table of the types a Hugo site and its
// media use; "application/octet-stream" for any other extension.
func ContentTypeFor(key string) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(key), "."))
	if ct, ok := contentTypes[ext]; ok {
		return ct
	}
	return "application/octet-stream"
}

// Cache-Control values (RFC 9111 section 5.2.2; "immutable": RFC 8246).
const (
	// CacheImmutable is for fingerprinted theme assets (CSS, JavaScript,
	// fonts): they name no story, so a year is safe.
	CacheImmutable = "public, max-age=31536000, immutable"
	// CacheStoryMedia is for story media (media/<story id>/...): content-
	// addressed, but a withdrawal must reach visitors' browsers too, so
	// five minutes and no immutable (issue #12: a photo cached for a year
	// outlived its withdrawal in every visitor's cache). A CDN may keep it
	// longer: withdrawal prints the URLs it must purge.
	CacheStoryMedia = "public, max-age=300"
	// CacheRevalidate is for every other site object (HTML, XML, JSON,
	// feeds, images Hugo built): one minute, then revalidate, so that a
	// withdrawal reaches readers within a minute of the CDN purge.
	CacheRevalidate = "public, max-age=60, must-revalidate"
)

// fingerprintRe matches a Hugo-fingerprinted theme asset such as
// "main.min.<64 hex>.css" (resources.Fingerprint, sha256 by default; 32 hex
// and more also accepted for md5 and sha384/512): stylesheets, scripts and
// fonts only, never an image, which may show a person.
var fingerprintRe = regexp.MustCompile(`\.[0-9a-f]{32,128}\.(css|js|mjs|woff2?)$`)

// CacheControlFor returns the Cache-Control for key: CacheStoryMedia under
// media/, CacheImmutable for fingerprinted theme assets, CacheRevalidate
// otherwise.
func CacheControlFor(key string) string {
	switch {
	case strings.HasPrefix(key, MediaPrefix):
		return CacheStoryMedia
	case strings.HasPrefix(key, SitePrefix) && fingerprintRe.MatchString(path.Base(key)):
		return CacheImmutable
	}
	return CacheRevalidate
}

// checkMeta validates meta for key and fills its defaults.
func checkMeta(key string, meta Meta) (Meta, error) {
	if err := ValidateKey(key); err != nil {
		return meta, err
	}
	if !sha256Re.MatchString(meta.SHA256) {
		return meta, fmt.Errorf("key %s: sha256 %q: want 64 lowercase hex characters", key, meta.SHA256)
	}
	if strings.HasPrefix(key, MediaPrefix) {
		base, _, _ := strings.Cut(path.Base(key), ".")
		if base != meta.SHA256 {
			return meta, fmt.Errorf("key %s: sha256 %s does not match the content-addressed name", key, meta.SHA256)
		}
	}
	if meta.ContentType == "" {
		meta.ContentType = ContentTypeFor(key)
	}
	if meta.CacheControl == "" {
		meta.CacheControl = CacheControlFor(key)
	}
	return meta, nil
}

// validateDeleteKey is the looser rule for deleting: any key under media/,
// site/ or state/ that is valid UTF-8 without control characters, so that
// an object put there by hand with a name Storyguard would never make (and
// which the bucket policy may still serve) can be pruned and purged.
func validateDeleteKey(key string) error {
	if ValidateKey(key) == nil {
		return nil
	}
	if !(strings.HasPrefix(key, MediaPrefix) || strings.HasPrefix(key, SitePrefix) || strings.HasPrefix(key, StatePrefix)) ||
		len(key) > maxKeyBytes || !utf8.ValidString(key) || strings.IndexFunc(key, unicode.IsControl) >= 0 {
		return fmt.Errorf("key %q: cannot delete: not under media/, site/ or state/, or not a valid key: %w", key, ErrBadKey)
	}
	return nil
}

// Exists reports whether st holds any current object under prefix (one
// List).
func Exists(ctx context.Context, st Store, prefix string) (bool, error) {
	objs, err := st.List(ctx, prefix)
	return len(objs) > 0, err
}
