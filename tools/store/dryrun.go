package store

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// Action is one change a DryRun recorded instead of making.
type Action struct {
	// Op is "put", "delete", "delete-version" or "abort-upload".
	Op  string
	Key string
	// VersionID or UploadID, for delete-version and abort-upload.
	ID   string
	Size int64
}

// String renders the action as one line of a plan: "put site/index.html
// (1234 bytes)".
func (a Action) String() string {
	switch a.Op {
	case "put":
		return fmt.Sprintf("put %s (%d bytes)", a.Key, a.Size)
	case "delete-version":
		return fmt.Sprintf("delete version %s of %s", a.ID, a.Key)
	case "abort-upload":
		return fmt.Sprintf("abort upload %s of %s", a.ID, a.Key)
	}
	return a.Op + " " + a.Key
}

// DryRun wraps a Store: reads (List, Stat, Get, ListVersions, ListUploads,
// Versioning) go to the inner store, changes are validated, recorded in
// order and not made. Put still reads the body to its end, so the caller's
// streams behave as in a real run. Safe for concurrent use.
//
// A Sync or purge run on a DryRun reports what it would do; note that a
// purge's final verification then fails with ErrNotGone, as nothing was
// deleted: the caller of a dry run shows the plan, not that error.
type DryRun struct {
	Inner Store
	mu    sync.Mutex
	plan  []Action
}

var _ Store = (*DryRun)(nil)

// Plan returns the recorded changes in the order they were asked for.
func (d *DryRun) Plan() []Action {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Action(nil), d.plan...)
}

func (d *DryRun) add(a Action) {
	d.mu.Lock()
	d.plan = append(d.plan, a)
	d.mu.Unlock()
}

// List reads from the inner store.
func (d *DryRun) List(ctx context.Context, prefix string) (map[string]Object, error) {
	return d.Inner.List(ctx, prefix)
}

// Stat reads from the inner store.
func (d *DryRun) Stat(ctx context.Context, key string) (Object, error) {
	return d.Inner.Stat(ctx, key)
}

// Get reads from the inner store.
func (d *DryRun) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return d.Inner.Get(ctx, key)
}

// Put validates key and meta, reads body to its end and records a "put".
func (d *DryRun) Put(ctx context.Context, key string, body io.Reader, size int64, meta Meta) (Object, error) {
	meta, err := checkMeta(key, meta)
	if err != nil {
		return Object{}, err
	}
	n, err := io.Copy(io.Discard, body)
	if err != nil {
		return Object{}, fmt.Errorf("dry run: read body of %s: %w", key, err)
	}
	if n != size {
		return Object{}, fmt.Errorf("dry run: body of %s: %d bytes, want %d", key, n, size)
	}
	d.add(Action{Op: "put", Key: key, Size: size})
	return Object{Key: key, Size: size, SHA256: meta.SHA256, ContentType: meta.ContentType, CacheControl: meta.CacheControl}, nil
}

// PutIf validates like Put and records a "put"; the precondition is not
// checked (nothing is written, so nothing can conflict).
func (d *DryRun) PutIf(ctx context.Context, key string, body io.Reader, size int64, meta Meta, cond Precondition) (Object, error) {
	if err := cond.valid(key); err != nil {
		return Object{}, err
	}
	return d.Put(ctx, key, body, size, meta)
}

// Delete records a "delete".
func (d *DryRun) Delete(ctx context.Context, key string) error {
	if err := validateDeleteKey(key); err != nil {
		return err
	}
	d.add(Action{Op: "delete", Key: key})
	return nil
}

// ListVersions reads from the inner store.
func (d *DryRun) ListVersions(ctx context.Context, prefix string) ([]Version, error) {
	return d.Inner.ListVersions(ctx, prefix)
}

// DeleteVersion records a "delete-version".
func (d *DryRun) DeleteVersion(ctx context.Context, key, versionID string) error {
	if err := validateDeleteKey(key); err != nil {
		return err
	}
	d.add(Action{Op: "delete-version", Key: key, ID: versionID})
	return nil
}

// ListUploads reads from the inner store.
func (d *DryRun) ListUploads(ctx context.Context, prefix string) ([]PendingUpload, error) {
	return d.Inner.ListUploads(ctx, prefix)
}

// AbortUpload records an "abort-upload".
func (d *DryRun) AbortUpload(ctx context.Context, key, uploadID string) error {
	if err := validateDeleteKey(key); err != nil {
		return err
	}
	d.add(Action{Op: "abort-upload", Key: key, ID: uploadID})
	return nil
}

// Versioning reads from the inner store.
func (d *DryRun) Versioning(ctx context.Context) (VersioningStatus, error) {
	return d.Inner.Versioning(ctx)
}
