package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sync"
	"time"
)

// LeaseKey is the key of the run lease: one object under state/, which the
// bucket policy never makes public (PolicyFor grants media/ and site/ only).
const LeaseKey = StatePrefix + "lease.json"

// Lease timings. A lease lives DefaultLeaseTTL from its last renewal and is
// renewed every TTL/4, so two renewals in a row can fail (a slow network)
// before the holder gives it up, a quarter TTL before it lapses. Two
// minutes also bounds how long a killed run blocks the next one. Expiry
// is judged on the clock of the machine that reads the lease against the
// holder's recorded time: machines sharing a bucket must keep their clocks
// within a fraction of the TTL (NTP does).
const (
	DefaultLeaseTTL  = 2 * time.Minute
	defaultLeasePoll = time.Second
)

// LeaseHolder is what the lease object records: who holds it, for what,
// and until when. No personal data: a host name, a process id and a random
// token.
type LeaseHolder struct {
	// Host is the holder's host name (os.Hostname).
	Host string `json:"host"`
	// PID is the holder's process id.
	PID int `json:"pid"`
	// Space identifies the process-id space PID belongs to: 32 lowercase
	// hex characters, a digest of the Linux boot id and the holder's pid
	// namespace (processSpace); empty where there is none (other systems,
	// no /proc) and in leases of older versions. A run that sees the same
	// Host and Space can tell whether PID is still running.
	Space string `json:"space,omitempty"`
	// Operation is "publish" or "withdraw" (or "test").
	Operation string `json:"operation"`
	// Token is 32 random hex characters, unique to one acquisition.
	Token string `json:"token"`
	// Acquired is when the holder took the lease; Expires when it lapses
	// unless renewed. RFC 3339, UTC, the holder's clock.
	Acquired time.Time `json:"acquired"`
	Expires  time.Time `json:"expires"`
}

// String renders the holder for messages: "publish by host web1 pid 4242,
// held since 2026-12-04T14:52:10Z".
func (h LeaseHolder) String() string {
	return fmt.Sprintf("%s by host %s pid %d, held since %s", h.Operation, h.Host, h.PID, h.Acquired.UTC().Format(time.RFC3339))
}

// ErrLeaseHeld is wrapped by the *LeaseHeldError AcquireLease returns when
// another run holds the lease and did not release it within the wait.
var ErrLeaseHeld = errors.New("another run holds the bucket's lease")

// ErrLeaseLost is the cause of a Lease's context when the lease could not
// be renewed before it lapsed, or another run took it over: the holder must
// stop changing the bucket.
var ErrLeaseLost = errors.New("the bucket's lease was lost")

// LeaseHeldError says who holds the lease.
type LeaseHeldError struct {
	Holder LeaseHolder
	Waited time.Duration
}

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("%s: %s (lease expires %s unless renewed; waited %s)", ErrLeaseHeld, e.Holder,
		e.Holder.Expires.UTC().Format(time.RFC3339), e.Waited.Round(time.Second))
}

func (e *LeaseHeldError) Unwrap() error { return ErrLeaseHeld }

// LeaseOptions tune AcquireLease.
type LeaseOptions struct {
	// Operation is what the holder does: "publish", "withdraw", "test".
	Operation string
	// Wait is how long to wait for a live lease to be released or lapse
	// before returning a *LeaseHeldError; 0 refuses at once.
	Wait time.Duration
	// TTL is the lease's lifetime from each renewal; 0 means
	// DefaultLeaseTTL. Renewals run every TTL/4.
	TTL time.Duration
	// Poll is the interval between attempts while waiting; 0 means 1 s.
	Poll time.Duration
	// Log receives one line when the lease is taken over from a stale
	// holder or when waiting starts; nil discards.
	Log io.Writer
}

// Lease is a held run lease. Its Context is cancelled (cause ErrLeaseLost)
// if the lease is lost; Release gives it back.
type Lease struct {
	st     Store
	holder LeaseHolder
	ttl    time.Duration

	mu        sync.Mutex
	etag      string
	versionID string

	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{}
	once   sync.Once
}

var tokenRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// AcquireLease takes the bucket's run lease (the object LeaseKey) so that
// a publish and a withdrawal, on one machine or two, never interleave.
//
// It writes the lease with "If-None-Match: *" (Precondition.IfAbsent):
// of two runs that write at once, S3, MinIO and versitygw let exactly one
// succeed. If a lease is there and has expired (its holder was killed, or
// lost its connection for longer than the TTL), it is taken over with
// "If-Match: <its ETag>", so two runs taking over one stale lease cannot
// both win either; the takeover is logged with who held it and since when.
// If a live lease is there, AcquireLease polls until it is released or
// lapses, for at most o.Wait, then returns a *LeaseHeldError (wrapping
// ErrLeaseHeld) naming the holder. A lease object that does not decode is
// treated as live until its last modification plus the TTL: fail closed.
//
// The returned Lease renews itself every TTL/4 until Release; ctx is the
// parent of its Context. Errors from the store are returned wrapped.
func AcquireLease(ctx context.Context, st Store, o LeaseOptions) (*Lease, error) {
	if o.TTL <= 0 {
		o.TTL = DefaultLeaseTTL
	}
	if o.Poll <= 0 {
		o.Poll = defaultLeasePoll
	}
	if o.Operation == "" {
		return nil, errors.New("lease: operation must not be empty")
	}
	host, err := os.Hostname()
	if err != nil || !leaseHostRe.MatchString(host) {
		host = "unknown" // recorded only in the form ParseLeaseHolder accepts
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	l := &Lease{st: st, ttl: o.TTL, holder: LeaseHolder{Host: host, PID: os.Getpid(), Space: processSpace(), Operation: o.Operation, Token: hex.EncodeToString(tok)}}
	start := time.Now()
	waiting := false
	for {
		held, err := l.try(ctx, o)
		if err != nil {
			return nil, err
		}
		if held == nil {
			break
		}
		waited := time.Since(start)
		if waited >= o.Wait {
			return nil, &LeaseHeldError{Holder: *held, Waited: waited}
		}
		if !waiting && o.Log != nil {
			fmt.Fprintf(o.Log, "lease: waiting up to %s for %s\n", o.Wait.Round(time.Second), held)
			waiting = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(o.Poll, o.Wait-waited)):
		}
	}
	l.dropNoncurrent(ctx)
	l.ctx, l.cancel = context.WithCancelCause(ctx)
	l.done = make(chan struct{})
	go l.renew()
	return l, nil
}

// try makes one attempt: nil, nil when the lease is now l's; the holder
// when another run holds a live lease.
func (l *Lease) try(ctx context.Context, o LeaseOptions) (*LeaseHolder, error) {
	now := time.Now().UTC().Truncate(time.Second)
	l.mu.Lock()
	l.holder.Acquired, l.holder.Expires = now, now.Add(l.ttl)
	l.mu.Unlock()
	err := l.write(ctx, Precondition{IfAbsent: true})
	if err == nil {
		return nil, nil
	}
	if !errors.Is(err, ErrPrecondition) {
		return nil, fmt.Errorf("lease %s: %w", LeaseKey, err)
	}
	cur, err := l.st.Stat(ctx, LeaseKey)
	if errors.Is(err, ErrNotFound) {
		return l.try(ctx, o) // released just now: try again
	}
	if err != nil {
		return nil, fmt.Errorf("lease %s: %w", LeaseKey, err)
	}
	other := readHolder(ctx, l.st, cur, l.ttl)
	dead := l.holderDead(other)
	if !dead && time.Now().Before(other.Expires) {
		return &other, nil
	}
	// Stale, or its process gone: take it over, unless someone else changed
	// it since the Stat.
	if err := l.write(ctx, Precondition{IfETag: cur.ETag}); err != nil {
		if errors.Is(err, ErrPrecondition) || errors.Is(err, ErrNotFound) {
			return &other, nil
		}
		return nil, fmt.Errorf("lease %s: take over: %w", LeaseKey, err)
	}
	if o.Log != nil {
		if dead {
			fmt.Fprintf(o.Log, "lease: took over the lease of a process no longer running on this host: %s\n", other)
		} else {
			fmt.Fprintf(o.Log, "lease: took over a stale lease: %s, expired %s\n", other, other.Expires.UTC().Format(time.RFC3339))
		}
	}
	return nil, nil
}

// holderDead reports whether other's process is known to have ended: it
// ran on this host (same Host) in this process-id space (same non-empty
// Space: the same boot and pid namespace, so its PID means the same
// process here), it is not this process, and no process has that PID
// (processAlive). Anything less certain (another host, no Space, a PID
// in use again, an unknown holder) is false: the lease is then waited
// out until it lapses, as before.
func (l *Lease) holderDead(other LeaseHolder) bool {
	return other.Host == l.holder.Host && other.Host != "unknown" &&
		other.Space != "" && other.Space == l.holder.Space &&
		other.PID != os.Getpid() && !processAlive(other.PID)
}

// readHolder reads the lease object cur. A body that cannot be read or
// decoded yields a holder "unknown" live until cur.LastModified + ttl.
func readHolder(ctx context.Context, st Store, cur Object, ttl time.Duration) LeaseHolder {
	unknown := LeaseHolder{Host: "unknown", Operation: "unknown", Acquired: cur.LastModified, Expires: cur.LastModified.Add(ttl)}
	rc, err := st.Get(ctx, LeaseKey)
	if err != nil {
		return unknown
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxLeaseBytes+1))
	if err != nil {
		return unknown
	}
	h, err := ParseLeaseHolder(data)
	if err != nil {
		return unknown
	}
	return h
}

// maxLeaseBytes bounds a lease object; Storyguard's are about 200 bytes.
const maxLeaseBytes = 4096

var (
	leaseHostRe = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$`)
	leaseOps    = []string{"publish", "withdraw", "test"}
)

// ParseLeaseHolder decodes a lease object's body (JSON, at most 4,096
// bytes) and validates every field, since the bucket is outside input and
// the holder is printed in messages: host of letters, digits, '.' and '-'
// (a DNS host name, RFC 1123, at most 253 characters), pid above 0,
// space empty or 32 lowercase hex,
// operation publish, withdraw or test, token of 32 lowercase hex, acquired
// and expires set with acquired not after expires. The error names the
// field, never its value.
func ParseLeaseHolder(data []byte) (LeaseHolder, error) {
	var h LeaseHolder
	if len(data) > maxLeaseBytes {
		return h, fmt.Errorf("lease: longer than %d bytes", maxLeaseBytes)
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return LeaseHolder{}, errors.New("lease: not a JSON lease object")
	}
	bad := func(field string) (LeaseHolder, error) {
		return LeaseHolder{}, fmt.Errorf("lease: field %s: not valid", field)
	}
	switch {
	case !leaseHostRe.MatchString(h.Host):
		return bad("host")
	case h.PID <= 0:
		return bad("pid")
	case !slices.Contains(leaseOps, h.Operation):
		return bad("operation")
	case !tokenRe.MatchString(h.Token):
		return bad("token")
	case h.Space != "" && !tokenRe.MatchString(h.Space):
		return bad("space")
	case h.Acquired.IsZero() || h.Expires.IsZero() || h.Acquired.After(h.Expires):
		return bad("acquired or expires")
	}
	return h, nil
}

// write puts l.holder under LeaseKey with cond and records its ETag.
func (l *Lease) write(ctx context.Context, cond Precondition) error {
	l.mu.Lock()
	body, err := json.Marshal(l.holder)
	l.mu.Unlock()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	obj, err := l.st.PutIf(ctx, LeaseKey, bytes.NewReader(body), int64(len(body)),
		Meta{SHA256: hex.EncodeToString(sum[:]), ContentType: "application/json", CacheControl: "no-store"}, cond)
	if err != nil {
		return err
	}
	l.mu.Lock()
	prev := l.versionID
	l.etag, l.versionID = obj.ETag, obj.VersionID
	l.mu.Unlock()
	// A renewal leaves the previous version behind on a versioned bucket:
	// remove it, so state/ holds one lease object.
	if cond.IfETag != "" && prev != "" && prev != "null" && prev != obj.VersionID {
		l.st.DeleteVersion(context.WithoutCancel(ctx), LeaseKey, prev)
	}
	return nil
}

// dropNoncurrent deletes the lease object's noncurrent versions and
// delete markers (a killed run's renewal can leave one): best effort, the
// lease is held either way.
func (l *Lease) dropNoncurrent(ctx context.Context) {
	vs, err := l.st.ListVersions(ctx, StatePrefix)
	if err != nil {
		return
	}
	l.mu.Lock()
	own := l.versionID
	l.mu.Unlock()
	for _, v := range vs {
		// versitygw's posix backend can list the current version a second
		// time as noncurrent after an overwrite: never delete the version
		// this run holds.
		if v.Key == LeaseKey && (!v.IsLatest || v.IsDeleteMarker) && v.VersionID != own {
			l.st.DeleteVersion(ctx, LeaseKey, v.VersionID)
		}
	}
}

// renew extends the lease every TTL/4 with If-Match on the ETag it last
// wrote. A precondition failure (taken over) or a lapse without a
// successful renewal cancels the context with ErrLeaseLost.
func (l *Lease) renew() {
	defer close(l.done)
	tick := time.NewTicker(l.ttl / 4)
	defer tick.Stop()
	// giveUp fires a quarter TTL before the recorded expiry, whatever the
	// ticker's timing under load: once the lease has lapsed another run may
	// take it over while this one still writes, so stop before, not after.
	l.mu.Lock()
	expires := l.holder.Expires
	l.mu.Unlock()
	giveUp := time.NewTimer(time.Until(expires.Add(-l.ttl / 4)))
	defer giveUp.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-giveUp.C:
			l.cancel(fmt.Errorf("%w: not renewed before %s", ErrLeaseLost, expires.Format(time.RFC3339)))
			return
		case <-tick.C:
		}
		l.mu.Lock()
		etag := l.etag
		next := time.Now().UTC().Truncate(time.Second).Add(l.ttl)
		l.holder.Expires = next
		l.mu.Unlock()
		// The write may not outlast the give-up point either.
		wctx, cancel := context.WithDeadline(l.ctx, expires.Add(-l.ttl/4))
		err := l.write(wctx, Precondition{IfETag: etag})
		cancel()
		if errors.Is(err, ErrPrecondition) || errors.Is(err, ErrNotFound) {
			l.cancel(fmt.Errorf("%w: another run took it over", ErrLeaseLost))
			return
		}
		if err != nil {
			l.mu.Lock()
			l.holder.Expires = expires // not extended; retry at the next tick
			l.mu.Unlock()
			continue
		}
		expires = next
		giveUp.Reset(time.Until(expires.Add(-l.ttl / 4)))
	}
}

// carriesToken reports whether the current lease object names this run's
// token (read and parsed; any error: false, so another run's lease is
// never deleted).
func (l *Lease) carriesToken(ctx context.Context) bool {
	rc, err := l.st.Get(ctx, LeaseKey)
	if err != nil {
		return false
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil {
		return false
	}
	h, err := ParseLeaseHolder(data)
	l.mu.Lock()
	token := l.holder.Token
	l.mu.Unlock()
	return err == nil && token != "" && h.Token == token
}

// Holder is what the lease records about its holder, this run.
func (l *Lease) Holder() LeaseHolder {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder
}

// Context is cancelled when the lease is lost (context.Cause is then
// ErrLeaseLost, wrapped) or released: run every change under it.
func (l *Lease) Context() context.Context { return l.ctx }

// Release stops the renewals and deletes the lease object's version this
// run wrote, if it is still the current one (If the lease was taken over,
// the new holder's version is left alone). It is safe to call twice.
func (l *Lease) Release(ctx context.Context) error {
	var err error
	l.once.Do(func() {
		lost := context.Cause(l.ctx)
		l.cancel(context.Canceled)
		<-l.done
		if lost != nil && errors.Is(lost, ErrLeaseLost) {
			err = lost
			return
		}
		l.mu.Lock()
		etag, vid := l.etag, l.versionID
		l.mu.Unlock()
		cur, serr := l.st.Stat(ctx, LeaseKey)
		if serr != nil {
			return // gone already
		}
		if cur.ETag != etag {
			// A renewal cut short by the cancel above may have been
			// written although this run never read the reply: the lease
			// is still ours when it carries this run's token, and left
			// there it would refuse every run for a whole TTL.
			if !l.carriesToken(ctx) {
				return // no longer ours
			}
			// Ours: remove every version of it, the one that renewal
			// would have deleted included, so none becomes current.
			if vs, lerr := l.st.ListVersions(ctx, StatePrefix); lerr == nil {
				for _, v := range vs {
					if v.Key == LeaseKey && v.VersionID != "" && v.VersionID != "null" {
						if derr := l.st.DeleteVersion(ctx, LeaseKey, v.VersionID); derr != nil && err == nil {
							err = fmt.Errorf("release lease %s: %w", LeaseKey, derr)
						}
					}
				}
				return
			}
			vid = cur.VersionID
		}
		if vid == "" || vid == "null" {
			err = l.st.Delete(ctx, LeaseKey)
		} else {
			err = l.st.DeleteVersion(ctx, LeaseKey, vid)
		}
		if err != nil {
			err = fmt.Errorf("release lease %s: %w", LeaseKey, err)
		}
	})
	return err
}
